import io.deltasnap.engine.DirectoryStorage;
import io.deltasnap.engine.Volume;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Random;
import java.util.TreeSet;

/**
 * bench/replication.sh helper (run as a single-file program): overwrites a fraction of a volume's
 * chunks, picked at random, with random bytes, and takes a snapshot. Args: VOLUME FRACTION SEED.
 */
public class ReplicationChange {
  public static void main(String[] a) throws Exception {
    try (Volume v = Volume.open(new DirectoryStorage(Path.of(a[0])))) {
      double fraction = Double.parseDouble(a[1]);
      Random r = new Random(Long.parseLong(a[2]));
      long chunks = v.size() / v.chunkSize();
      TreeSet<Long> pick = new TreeSet<>();
      while (pick.size() < Math.max(1, (long) (chunks * fraction))) {
        pick.add((long) (r.nextDouble() * chunks));
      }
      byte[] b = new byte[v.chunkSize()];
      for (long c : pick) {
        r.nextBytes(b);
        v.write(Volume.ORIGIN, c * v.chunkSize(), ByteBuffer.wrap(b));
      }
      v.flush();
      System.out.println(v.createSnapshot("changed", false).id() + " " + pick.size() + " chunks changed");
    }
  }
}
