package io.deltasnap.sender;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.deltasnap.delta.Keys;
import io.deltasnap.engine.CreateOptions;
import io.deltasnap.engine.DirectoryStorage;
import io.deltasnap.engine.Volume;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Random;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A send that fails half-way (the connection drops) leaves the volume usable: the readers that
 * read ahead are never interrupted, since an interrupt in FileChannel I/O would close the volume's
 * files for everyone in a long-running process (job daemon, serve, receive cascading on).
 */
class DeltaProducerTest {
  @TempDir
  Path tmp;

  /** Fails once {@code limit} bytes went through. */
  static final class Cut extends OutputStream {
    private long room;

    Cut(long limit) {
      this.room = limit;
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      room -= len;
      if (room < 0) {
        throw new IOException("connection reset (test)");
      }
    }
  }

  @Test
  void aFailedSendLeavesTheVolumeUsable() throws Exception {
    Ed25519PrivateKeyParameters key = Keys.generate();
    byte[] data = new byte[32 << 20];
    new Random(1).nextBytes(data);
    try (Volume v = Volume.create(new DirectoryStorage(tmp.resolve("v")), CreateOptions.of(data.length).withChunkSize(64 << 10))) {
      v.write(Volume.ORIGIN, 0, ByteBuffer.wrap(data));
      long s1 = v.createSnapshot("one", false).id();
      byte[] more = new byte[8 << 20];
      new Random(2).nextBytes(more);
      for (int i = 0; i < 8; i++) { // scattered changes: a patching increment, one chunk at a time
        v.write(Volume.ORIGIN, (long) i * (4 << 20), ByteBuffer.wrap(more, i << 20, 1 << 20));
        System.arraycopy(more, i << 20, data, i * (4 << 20), 1 << 20);
      }
      long s2 = v.createSnapshot("two", false).id();
      for (int attempt = 0; attempt < 24; attempt++) {
        long base = attempt % 2 == 0 ? Volume.ORIGIN : s1;
        long cut = 64L << (10 + attempt % 6); // 64 KiB .. 2 MiB: inside either delta
        assertThrows(IOException.class, () -> DeltaProducer.write(v, base, s2, key, new Cut(cut),
            DeltaProducer.Options.defaults(), Volume.Progress.NONE), "cut after " + cut + " bytes");
      }
      ByteBuffer back = ByteBuffer.allocate(data.length);
      v.read(s2, 0, back);
      assertArrayEquals(data, back.array(), "the volume still reads after the failed sends");
      v.write(Volume.ORIGIN, 0, ByteBuffer.wrap(new byte[4096]));
      v.flush();
      ByteArrayOutputStream whole = new ByteArrayOutputStream();
      DeltaProducer.write(v, s1, s2, key, whole, DeltaProducer.Options.defaults(), Volume.Progress.NONE);
      assertTrue(whole.size() > (8 << 20), "and a complete send still works: " + whole.size());
    }
  }
}
