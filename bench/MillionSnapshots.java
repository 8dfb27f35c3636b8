import io.deltasnap.engine.CreateOptions;
import io.deltasnap.engine.DirectoryStorage;
import io.deltasnap.engine.Volume;
import io.deltasnap.engine.io.BlockFile;
import io.deltasnap.engine.io.VolumeStorage;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Random;

/**
 * Builds a volume with many snapshots through the engine's API, fast (issue 19): SNAPSHOTS
 * snapshots, with WRITES origin writes of one random 4 KiB chunk spread evenly between them (each
 * one copies the chunk out for the snapshots before it). Every call is the real one; only the
 * fsyncs are left out while building (the files are synced once at the end), because a million
 * commits of three fsyncs each would take hours and the result on disk is the same.
 *
 * <p>Usage: {@code java -cp snapshot-engine/target/classes:. MillionSnapshots DIR SNAPSHOTS WRITES}
 */
public final class MillionSnapshots {
  static final int CHUNK = 4096;
  static final long SIZE = 64L << 20;

  public static void main(String[] args) throws IOException {
    Path dir = Path.of(args[0]);
    long snapshots = Long.parseLong(args[1]);
    long writes = Long.parseLong(args[2]);
    long t0 = System.nanoTime();
    Random r = new Random(19);
    ByteBuffer data = ByteBuffer.allocate(CHUNK);
    long written = 0;
    try (Volume v = Volume.create(new Unsynced(new DirectoryStorage(dir)),
        CreateOptions.of(SIZE).withChunkSize(CHUNK))) {
      for (long i = 1; i <= snapshots; i++) {
        v.createSnapshot(String.format("auto-%015d", i), false);
        long due = i * writes / snapshots; // writes wanted once snapshot i is taken
        for (; written < due; written++) {
          r.nextBytes(data.array());
          v.write(Volume.ORIGIN, (long) r.nextInt((int) (SIZE / CHUNK)) * CHUNK, data.clear());
        }
        if (i % 100_000 == 0) {
          System.err.printf("%d snapshots, %d writes, %.0f s%n", i, written, (System.nanoTime() - t0) / 1e9);
        }
      }
    }
    System.err.printf("built %s: %d snapshots, %d writes in %.1f s%n", dir, snapshots, written,
        (System.nanoTime() - t0) / 1e9);
  }

  /** The real directory storage whose files skip fsync until they are closed. */
  record Unsynced(DirectoryStorage dir) implements VolumeStorage {
    @Override
    public String describe() {
      return dir.describe();
    }

    @Override
    public boolean storeExists() {
      return dir.storeExists();
    }

    @Override
    public BlockFile openStore(boolean create) throws IOException {
      return new SyncAtClose(dir.openStore(create));
    }

    @Override
    public BlockFile openOrigin(String path, boolean create) throws IOException {
      return new SyncAtClose(dir.openOrigin(path, create));
    }

    @Override
    public Closeable lock() throws IOException {
      return dir.lock();
    }
  }

  /** A file whose syncs are deferred to one at close. */
  record SyncAtClose(BlockFile f) implements BlockFile {
    @Override
    public void read(long pos, ByteBuffer dst) throws IOException {
      f.read(pos, dst);
    }

    @Override
    public void write(long pos, ByteBuffer src) throws IOException {
      f.write(pos, src);
    }

    @Override
    public void sync() {}

    @Override
    public long size() throws IOException {
      return f.size();
    }

    @Override
    public void truncate(long size) throws IOException {
      f.truncate(size);
    }

    @Override
    public void close() throws IOException {
      f.sync();
      f.close();
    }
  }
}
