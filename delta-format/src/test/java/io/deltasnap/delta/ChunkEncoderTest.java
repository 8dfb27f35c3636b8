package io.deltasnap.delta;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** When the encoder tries a patch against the base: only where the chunk kept some of it in place. */
class ChunkEncoderTest {
  static final int CHUNK = 64 << 10;

  static byte[] random(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  @Test
  void aChunkRewrittenWholeIsNotWorthAPatch() {
    assertFalse(ChunkEncoder.resembles(random(CHUNK, 1), random(CHUNK, 2), 0, CHUNK));
  }

  @Test
  void aChunkWithAFewBytesChangedIs() {
    byte[] base = random(CHUNK, 1);
    byte[] now = base.clone();
    for (int i = 0; i < 300; i++) {
      now[(i * 7919) % CHUNK] ^= 1;
    }
    assertTrue(ChunkEncoder.resembles(now, base, 0, CHUNK));
  }

  @Test
  void oneKept4KiBBlockIsEnough() {
    byte[] base = random(CHUNK, 1);
    byte[] now = random(CHUNK, 2);
    System.arraycopy(base, 40960, now, 40960, 4096);
    assertTrue(ChunkEncoder.resembles(now, base, 0, CHUNK));
  }

  @Test
  void windowsAreComparedWithinTheRunAtItsOffset() {
    byte[] base = random(3 * CHUNK, 1);
    byte[] now = random(3 * CHUNK, 2);
    System.arraycopy(base, CHUNK, now, CHUNK, CHUNK); // the middle chunk unchanged
    assertFalse(ChunkEncoder.resembles(now, base, 0, CHUNK));
    assertTrue(ChunkEncoder.resembles(now, base, CHUNK, CHUNK));
    assertFalse(ChunkEncoder.resembles(now, base, 2 * CHUNK, CHUNK));
  }

  @Test
  void aTinyTailChunkNeedsOneMatch() {
    byte[] base = random(40, 1);
    byte[] now = base.clone();
    now[39] ^= 1;
    assertTrue(ChunkEncoder.resembles(now, base, 0, 40));
    assertFalse(ChunkEncoder.resembles(random(40, 3), base, 0, 40));
  }
}
