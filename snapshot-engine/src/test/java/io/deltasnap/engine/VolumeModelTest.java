package io.deltasnap.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Model-based randomized test: thousands of seeded random operations (unaligned writes to the
 * origin and to writable snapshots, snapshot create and delete, restore, diff, flush, close and
 * reopen with a tiny cache) checked byte-exact against {@link VolumeModel}. A failure names its
 * seed; rerun one seed with -Dseed=N.
 */
class VolumeModelTest {
  static final int SEEDS = Integer.getInteger("seeds", 24);
  static final int OPS = Integer.getInteger("ops", 1500);

  @Test
  void randomOperationsMatchTheModelByteForByte() throws Exception {
    Long only = Long.getLong("seed");
    long base = only != null ? only : 20261128L;
    int seeds = only != null ? 1 : SEEDS;
    for (int i = 0; i < seeds; i++) {
      long seed = base + i;
      try {
        run(seed, OPS);
      } catch (Throwable t) {
        throw new AssertionError("model test failed with seed " + seed + " (rerun: -Dseed=" + seed + "): " + t, t);
      }
    }
  }

  static void run(long seed, int ops) throws IOException {
    Random r = new Random(seed);
    int chunk = r.nextBoolean() ? 4096 : 8192;
    int size = chunk * (8 + r.nextInt(40)) + (r.nextBoolean() ? r.nextInt(chunk - 1) + 1 : 0);
    MemStorage st = new MemStorage();
    Volume v = Volume.create(st, CreateOptions.of(size).withChunkSize(chunk).withCacheBytes(64 * 1024));
    VolumeModel m = new VolumeModel(size);
    for (int op = 0; op < ops; op++) {
      int k = r.nextInt(100);
      List<Long> ids = new ArrayList<>(m.snaps.keySet());
      if (k < 10) { // several extents, one commit (how a delta is applied)
        List<long[]> ext = randomExtents(r, size, chunk);
        long[] offs = new long[ext.size()];
        ByteBuffer[] bufs = new ByteBuffer[ext.size()];
        for (int i = 0; i < ext.size(); i++) {
          byte[] d = randomBytes(r, (int) ext.get(i)[1]);
          offs[i] = ext.get(i)[0];
          bufs[i] = ByteBuffer.wrap(d);
          m.write(Volume.ORIGIN, (int) offs[i], d);
        }
        v.writeOrigin(offs, bufs);
        for (ByteBuffer b : bufs) {
          assertEquals(0, b.remaining(), "writeOrigin consumes every buffer");
        }
      } else if (k < 30) {
        int off = r.nextInt(size);
        int len = 1 + r.nextInt(Math.min(size - off, chunk * 3));
        byte[] d = randomBytes(r, len);
        v.write(Volume.ORIGIN, off, ByteBuffer.wrap(d));
        m.write(Volume.ORIGIN, off, d);
      } else if (k < 45) {
        List<Long> w = ids.stream().filter(m.writable::get).toList();
        if (w.isEmpty()) {
          continue;
        }
        long id = w.get(r.nextInt(w.size()));
        int off = r.nextInt(size);
        int len = 1 + r.nextInt(Math.min(size - off, chunk * 2));
        byte[] d = randomBytes(r, len);
        v.write(id, off, ByteBuffer.wrap(d));
        m.write(id, off, d);
      } else if (k < 55) {
        boolean w = r.nextInt(3) == 0;
        SnapshotInfo s = v.createSnapshot("s" + op, w);
        assertTrue(m.snaps.isEmpty() || s.id() > m.snaps.lastKey(), "IDs ascend");
        m.snapshot(s.id(), w);
      } else if (k < 60) {
        if (ids.isEmpty()) {
          continue;
        }
        long id = ids.get(r.nextInt(ids.size()));
        v.deleteSnapshot(id);
        m.delete(id);
        if (r.nextBoolean()) {
          v.reclaimDeleted();
        }
        Volume vv = v;
        assertThrows(InvalidRequestException.class, () -> vv.read(id, 0, ByteBuffer.allocate(1)));
      } else if (k < 80) {
        long id = pickView(r, ids);
        int off = r.nextInt(size);
        int len = 1 + r.nextInt(Math.min(size - off, chunk * 4));
        ByteBuffer b = ByteBuffer.allocate(len);
        v.read(id, off, b);
        byte[] want = new byte[len];
        System.arraycopy(m.view(id), off, want, 0, len);
        assertArrayEquals(want, b.array(), "read of view " + id + " at " + off + "+" + len + ", op " + op);
      } else if (k < 82) {
        if (ids.isEmpty()) {
          continue;
        }
        long id = ids.get(r.nextInt(ids.size()));
        v.restore(id, Volume.Progress.NONE);
        m.restore(id);
      } else if (k < 90) {
        if (ids.size() < 2) {
          continue;
        }
        long a = ids.get(r.nextInt(ids.size()));
        long b = ids.get(r.nextInt(ids.size()));
        if (a == b) {
          continue;
        }
        checkDiff(v, m, Math.min(a, b), Math.max(a, b), chunk);
      } else if (k < 94) {
        v.flush();
      } else {
        v.close();
        st = st.reopened();
        v = Volume.open(st, 64 * 1024);
      }
      if (op % 250 == 249) {
        verifyAll(v, m);
      }
    }
    verifyAll(v, m);
    v.reclaimDeleted();
    v.flush(); // check accounts for the durable state's pages
    CheckReport c = v.check();
    assertEquals(List.of(), c.damage(), "check after the run");
    assertEquals(List.of(), c.leaks(), "no copy or node leaks after every deletion is reclaimed");
    v.close();
    v = Volume.open(st.reopened());
    verifyAll(v, m);
    v.close();
  }

  static long pickView(Random r, List<Long> ids) {
    return ids.isEmpty() || r.nextInt(4) == 0 ? Volume.ORIGIN : ids.get(r.nextInt(ids.size()));
  }

  /** Every chunk that differs in the model lies inside a reported extent. */
  static void checkDiff(Volume v, VolumeModel m, long a, long b, int chunk) throws IOException {
    DiffResult d = v.diff(a, b);
    long chunks = (m.origin.length + chunk - 1) / chunk;
    for (long c = 0; c < chunks; c++) {
      if (m.chunkDiffers(a, b, c, chunk)) {
        long off = c * chunk;
        boolean covered = d.extents().stream().anyMatch(e -> e.offset() <= off && off < e.offset() + e.length());
        if (!covered) {
          fail("diff " + a + ".." + b + " misses changed chunk " + c);
        }
      }
    }
  }

  static void verifyAll(Volume v, VolumeModel m) throws IOException {
    assertEquals(new ArrayList<>(m.snaps.keySet()), v.snapshots().stream().map(SnapshotInfo::id).toList(),
        "live snapshots");
    for (long id : m.snaps.keySet()) {
      assertEquals(m.writable.get(id), v.snapshot(id).writable(), "writable flag of " + id);
    }
    List<Long> views = new ArrayList<>(m.snaps.keySet());
    views.add(Volume.ORIGIN);
    for (long id : views) {
      ByteBuffer b = ByteBuffer.allocate(m.origin.length);
      v.read(id, 0, b);
      assertArrayEquals(m.view(id), b.array(), "full read of view " + id);
    }
  }

  /** Up to 4 extents {offset, length}, ascending, no two in one chunk: input for writeOrigin. */
  static List<long[]> randomExtents(Random r, long size, int chunk) {
    List<long[]> ext = new ArrayList<>();
    long start = r.nextInt(chunk * 2);
    while (start < size && ext.size() < 4) {
      int len = 1 + r.nextInt((int) Math.min(size - start, chunk * 2L));
      ext.add(new long[] {start, len});
      start = ((start + len - 1) / chunk + 1) * chunk + r.nextInt(chunk * 3);
    }
    return ext;
  }

  static byte[] randomBytes(Random r, int len) {
    byte[] d = new byte[len];
    int kind = r.nextInt(4);
    if (kind == 0) {
      return d; // zeros
    }
    if (kind == 1) {
      java.util.Arrays.fill(d, (byte) r.nextInt(256));
      return d;
    }
    r.nextBytes(d);
    return d;
  }

  @Test
  void readOnlySnapshotsRefuseWrites() throws IOException {
    Volume v = Volume.create(new MemStorage(), CreateOptions.of(1 << 20).withChunkSize(4096));
    SnapshotInfo s = v.createSnapshot("ro", false);
    InvalidRequestException e = assertThrows(InvalidRequestException.class,
        () -> v.write(s.id(), 0, ByteBuffer.wrap(new byte[10])));
    assertTrue(e.getMessage().contains("read-only"), e.getMessage());
    v.close();
  }

  @Test
  void outOfRangeAccessIsRefused() throws IOException {
    Volume v = Volume.create(new MemStorage(), CreateOptions.of(100_000).withChunkSize(4096));
    assertThrows(InvalidRequestException.class, () -> v.write(Volume.ORIGIN, 99_999, ByteBuffer.allocate(2)));
    assertThrows(InvalidRequestException.class, () -> v.read(Volume.ORIGIN, -1, ByteBuffer.allocate(1)));
    assertThrows(InvalidRequestException.class, () -> v.read(42, 0, ByteBuffer.allocate(1)));
    v.close();
  }

  @Test
  void aSecondOpenOfTheSameVolumeIsRefusedClearly() throws IOException {
    MemStorage st = new MemStorage();
    Volume v = Volume.create(st, CreateOptions.of(65536).withChunkSize(4096));
    VolumeBusyException e = assertThrows(VolumeBusyException.class, () -> Volume.open(st));
    assertTrue(e.getMessage().contains("in use"), e.getMessage());
    v.close();
    Volume.open(st).close();
  }
}
