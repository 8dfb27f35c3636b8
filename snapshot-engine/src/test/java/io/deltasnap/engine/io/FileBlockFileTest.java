package io.deltasnap.engine.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bulk transfers through the O_DIRECT descriptor and ordinary ones through the page cache see the
 * same bytes, in every order, on a real file: a randomized mix checked against an in-memory model,
 * plus the edges (end of file, unaligned buffers, the file growing).
 */
class FileBlockFileTest {
  static final int SIZE = 8 << 20;
  static final int A = FileBlockFile.DIRECT_ALIGN;

  @TempDir
  Path dir;

  /** Any size, not only whole 4 KiB units: alignedSlice rounds the capacity down. */
  @Test
  void alignedBuffersHoldWhatWasAskedFor() {
    for (int n : new int[] {1, 4095, 4096, 4097, 112_640, (1 << 20) + 2048}) {
      java.nio.ByteBuffer b = FileBlockFile.allocateAligned(n);
      org.junit.jupiter.api.Assertions.assertEquals(n, b.limit());
      org.junit.jupiter.api.Assertions.assertTrue(b.capacity() >= n && b.isDirect(), n + " bytes: capacity " + b.capacity());
    }
  }

  @Test
  void directAndCachedTransfersAgreeWithAModel() throws IOException {
    Path p = dir.resolve("f");
    byte[] model = new byte[SIZE];
    Random r = new Random(42);
    try (FileBlockFile f = FileBlockFile.open(p, true)) {
      f.truncate(SIZE);
      for (int op = 0; op < 400; op++) {
        boolean bulk = r.nextBoolean();
        int len = bulk ? FileBlockFile.DIRECT_MIN + A * r.nextInt(256) : 1 + r.nextInt(300_000);
        long pos = bulk ? (long) A * r.nextInt((SIZE - len) / A) : r.nextInt(SIZE - len);
        ByteBuffer b = bulk ? FileBlockFile.allocateAligned(len) : ByteBuffer.allocateDirect(len);
        if (r.nextInt(3) == 0) {
          f.read(pos, b);
          b.flip();
          byte[] got = new byte[len];
          b.get(got);
          byte[] want = java.util.Arrays.copyOfRange(model, (int) pos, (int) pos + len);
          assertArrayEquals(want, got, "op " + op + ": " + (bulk ? "direct" : "cached") + " read at " + pos);
        } else {
          byte[] d = new byte[len];
          r.nextBytes(d);
          b.put(d).flip();
          f.write(pos, b);
          assertEquals(0, b.remaining());
          System.arraycopy(d, 0, model, (int) pos, len);
        }
        if (op % 50 == 0) {
          f.sync();
        }
      }
      f.sync();
      assertTrue(f.directBytes() > 100L * FileBlockFile.DIRECT_MIN, "bulk transfers went through O_DIRECT: " + f.directBytes());
    }
    assertArrayEquals(model, Files.readAllBytes(p), "file content after close");
  }

  @Test
  void bulkTransfersWorkOnTmpfsToo() throws IOException {
    Path shm = Files.createTempDirectory(Path.of("/dev/shm"), "fbf"); // O_DIRECT only since Linux 6.6
    try (FileBlockFile f = FileBlockFile.open(shm.resolve("f"), true)) {
      ByteBuffer b = FileBlockFile.allocateAligned(FileBlockFile.DIRECT_MIN);
      for (int i = 0; i < b.limit(); i++) {
        b.put(i, (byte) (i * 31));
      }
      f.write(0, b);
      ByteBuffer back = FileBlockFile.allocateAligned(FileBlockFile.DIRECT_MIN);
      f.read(0, back);
      assertEquals(0, back.remaining());
      assertEquals(b.flip(), back.flip());
    } finally {
      Files.deleteIfExists(shm.resolve("f"));
      Files.delete(shm);
    }
  }

  @Test
  void aDirectReadPastTheEndFailsLikeACachedOne() throws IOException {
    Path p = dir.resolve("short");
    try (FileBlockFile f = FileBlockFile.open(p, true)) {
      f.truncate(FileBlockFile.DIRECT_MIN + 100); // not a multiple of the alignment
      ByteBuffer b = FileBlockFile.allocateAligned(2 * FileBlockFile.DIRECT_MIN);
      EOFException e = assertThrows(EOFException.class, () -> f.read(0, b));
      assertEquals(FileBlockFile.DIRECT_MIN + 100, b.position(), "everything before the end was read: " + e.getMessage());
    }
  }

  @Test
  void aDirectWriteGrowsTheFile() throws IOException {
    Path p = dir.resolve("grow");
    try (FileBlockFile f = FileBlockFile.open(p, true)) {
      ByteBuffer b = FileBlockFile.allocateAligned(FileBlockFile.DIRECT_MIN);
      while (b.hasRemaining()) {
        b.put((byte) 7);
      }
      f.write(4L * FileBlockFile.DIRECT_MIN, b.flip());
      assertEquals(5L * FileBlockFile.DIRECT_MIN, f.size());
      ByteBuffer back = ByteBuffer.allocate(FileBlockFile.DIRECT_MIN);
      f.read(4L * FileBlockFile.DIRECT_MIN, back);
      assertEquals(7, back.get(FileBlockFile.DIRECT_MIN - 1));
    }
  }

  @Test
  void anUnalignedSliceOfAnAlignedBufferStillWorks() throws IOException {
    Path p = dir.resolve("slice");
    try (FileBlockFile f = FileBlockFile.open(p, true)) {
      f.truncate(SIZE);
      ByteBuffer b = FileBlockFile.allocateAligned(FileBlockFile.DIRECT_MIN + 2 * A);
      for (int i = 0; i < b.limit(); i++) {
        b.put(i, (byte) i);
      }
      ByteBuffer slice = b.slice(1, FileBlockFile.DIRECT_MIN); // address off by one: the page cache path
      f.write(A, slice);
      ByteBuffer back = FileBlockFile.allocateAligned(FileBlockFile.DIRECT_MIN);
      f.read(A, back); // aligned: the direct path reads what the cached path wrote
      assertEquals(FileBlockFile.DIRECT_MIN, f.directBytes());
      for (int i = 0; i < FileBlockFile.DIRECT_MIN; i++) {
        assertEquals((byte) (i + 1), back.get(i), "byte " + i);
      }
    }
  }
}
