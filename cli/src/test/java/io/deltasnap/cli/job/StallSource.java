package io.deltasnap.cli.job;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.deltasnap.delta.Keys;
import io.deltasnap.engine.CreateOptions;
import io.deltasnap.engine.DirectoryStorage;
import io.deltasnap.engine.Volume;
import io.deltasnap.sender.DeltaProducer;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;

/**
 * A source volume of incompressible data big enough that a transfer of it cannot hide in socket
 * buffers, its key pair ({@code job.key}, {@code job.pub}) and a job file, for the stall tests.
 */
final class StallSource implements AutoCloseable {
  static final int CHUNK = 64 << 10;

  final Path dir;
  final Ed25519PrivateKeyParameters key;
  final Volume src;
  final int size;

  private StallSource(Path dir, int size, Ed25519PrivateKeyParameters key, Volume src) {
    this.dir = dir;
    this.size = size;
    this.key = key;
    this.src = src;
  }

  /** The source made and filled afresh in {@code dir}. */
  StallSource(Path dir, int size) throws IOException {
    this(dir, size, Keys.generate(), Volume.create(new DirectoryStorage(dir.resolve("src")),
        CreateOptions.of(size).withChunkSize(CHUNK)));
    Keys.writeKeyPair(dir.resolve("job"), key, "test");
    Random rnd = new Random(11);
    byte[] b = new byte[1 << 20];
    for (int off = 0; off < size; off += b.length) {
      rnd.nextBytes(b);
      src.write(Volume.ORIGIN, off, ByteBuffer.wrap(b, 0, Math.min(b.length, size - off)));
    }
  }

  /** The source an earlier instance made in {@code dir} (and closed), opened again. */
  static StallSource reopen(Path dir, int size) throws IOException {
    return new StallSource(dir, size, Keys.readPrivate(dir.resolve("job.key")),
        Volume.open(new DirectoryStorage(dir.resolve("src"))));
  }

  Path pub() {
    return dir.resolve("job.pub");
  }

  /** A job file on this source with {@code yaml} after {@code volume:}, {@code key:} and {@code schedule:}. */
  JobSpec job(String yaml) throws IOException {
    Path file = dir.resolve("job.yaml");
    Files.writeString(file, "volume: src\nkey: job.key\nschedule: 1h\n" + yaml);
    return JobFile.load(file);
  }

  /** The length of the full delta of snapshot {@code id}, written afresh (the writer is deterministic). */
  long fullDeltaBytes(long id) throws IOException {
    long[] n = new long[1];
    OutputStream count = new OutputStream() {
      @Override
      public void write(int b) {
        n[0]++;
      }

      @Override
      public void write(byte[] b, int off, int len) {
        n[0] += len;
      }
    };
    DeltaProducer.write(src, Volume.ORIGIN, id, key, count, DeltaProducer.Options.defaults(), Volume.Progress.NONE);
    return n[0];
  }

  /** The replica's snapshot {@code id} has the source's UUID and every byte of it. */
  void assertSame(Volume replica, long id) throws IOException {
    assertEquals(src.snapshot(id).uuid(), replica.snapshot(id).uuid(), "uuid of snapshot " + id);
    ByteBuffer a = ByteBuffer.allocate(size);
    ByteBuffer b = ByteBuffer.allocate(size);
    src.read(id, 0, a);
    replica.read(id, 0, b);
    assertArrayEquals(a.array(), b.array(), "bytes of snapshot " + id);
  }

  @Override
  public void close() throws IOException {
    src.close();
  }
}
