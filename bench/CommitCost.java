import io.deltasnap.engine.CreateOptions;
import io.deltasnap.engine.DirectoryStorage;
import io.deltasnap.engine.SnapshotInfo;
import io.deltasnap.engine.Volume;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Locale;
import java.util.Random;

/**
 * What one commit costs, through the engine's public API only (so the same source runs against an
 * older build as the baseline): the median latency of 201 snapshot creations (one commit each, a
 * small origin write between them) and the throughput of a 256 MiB origin write pass right after a
 * snapshot (every chunk copied and committed before it is overwritten). Prints one line:
 * {@code snapshot_ms=<median> write_mbs=<throughput>}.
 */
public final class CommitCost {
  public static void main(String[] args) throws IOException {
    Path dir = Path.of(args[0]);
    long size = 256L << 20;
    clean(dir);
    double[] t = new double[201];
    double mbs;
    try (Volume v = Volume.create(new DirectoryStorage(dir), CreateOptions.of(size))) {
      ByteBuffer mib = ByteBuffer.allocate(1 << 20);
      new Random(1).nextBytes(mib.array());
      for (long off = 0; off < size; off += mib.capacity()) {
        v.write(Volume.ORIGIN, off, mib.clear());
      }
      v.flush();
      Random r = new Random(2);
      ByteBuffer small = ByteBuffer.allocate(4096);
      for (int i = 0; i < t.length; i++) {
        v.write(Volume.ORIGIN, (long) r.nextInt((int) (size / 4096)) * 4096, small.clear());
        long t0 = System.nanoTime();
        SnapshotInfo s = v.createSnapshot("", false);
        t[i] = (System.nanoTime() - t0) / 1e6;
        if (s.id() < 0) {
          throw new AssertionError();
        }
      }
      v.createSnapshot("pass", false);
      long t0 = System.nanoTime();
      for (long off = 0; off < size; off += mib.capacity()) {
        v.write(Volume.ORIGIN, off, mib.clear());
      }
      v.flush();
      mbs = size / 1e6 / ((System.nanoTime() - t0) / 1e9);
    }
    Arrays.sort(t);
    System.out.printf(Locale.ROOT, "snapshot_ms=%.3f write_mbs=%.1f%n", t[t.length / 2], mbs);
    clean(dir);
  }

  static void clean(Path p) throws IOException {
    if (Files.exists(p)) {
      try (var s = Files.walk(p)) {
        s.sorted(Comparator.reverseOrder()).forEach(q -> q.toFile().delete());
      }
    }
  }
}
