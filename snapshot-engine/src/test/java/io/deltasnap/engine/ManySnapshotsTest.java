package io.deltasnap.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** 10,000 snapshots on one volume with writes between them: each reads back exact. */
class ManySnapshotsTest {
  static final int CHUNK = 4096;
  static final int CHUNKS = 16;
  static final int SNAPSHOTS = 10_000;

  /** Content of chunk c at version n: derived, so the model keeps only version numbers. */
  static byte[] content(int c, int n) {
    byte[] b = new byte[CHUNK];
    new Random(c * 1_000_003L + n).nextBytes(b);
    return b;
  }

  @Test
  void tenThousandSnapshotsEachReadBackExact() throws IOException {
    MemStorage st = new MemStorage();
    Volume v = Volume.create(st, CreateOptions.of((long) CHUNK * CHUNKS).withChunkSize(CHUNK));
    int[] version = new int[CHUNKS];
    int[][] seen = new int[SNAPSHOTS + 1][];
    Random r = new Random(3);
    for (int i = 1; i <= SNAPSHOTS; i++) {
      int c = r.nextInt(CHUNKS);
      version[c] = i;
      v.write(Volume.ORIGIN, (long) c * CHUNK, ByteBuffer.wrap(content(c, i)));
      long id = v.createSnapshot("", false).id();
      assertEquals(i, id);
      seen[i] = version.clone();
    }
    v.close();
    v = Volume.open(st.reopened());
    assertEquals(SNAPSHOTS, v.snapshots().size());
    ByteBuffer b = ByteBuffer.allocate(CHUNK);
    for (int i = 1; i <= SNAPSHOTS; i++) {
      for (int c = 0; c < CHUNKS; c++) {
        b.clear();
        v.read(i, (long) c * CHUNK, b);
        byte[] want = seen[i][c] == 0 ? new byte[CHUNK] : content(c, seen[i][c]);
        assertArrayEquals(want, b.array(), "snapshot " + i + " chunk " + c);
      }
    }
    v.close();
  }
}
