package io.deltasnap.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Crash injection: a seeded workload runs on {@link MemStorage} and the power is cut at the N-th
 * write or sync, for hundreds of N. The image left behind keeps the synced bytes and a random
 * subset of later writes, some torn. Reopening must give exactly the last commit: the same live
 * snapshots, each reading exactly what it held; the origin intact wherever it was not being
 * written; and a store that takes new work.
 */
class CrashRecoveryTest {
  static final int CHUNK = 4096;
  static final int SIZE = CHUNK * 24 + 1000;
  static final int OPS = 70;

  /** What a run observed: snapshot views at each durable commit, and where it stopped. */
  static final class Run {
    final Map<Long, TreeMap<Long, byte[]>> viewsAtSeq = new HashMap<>();
    TreeMap<Long, byte[]> postViews = new TreeMap<>(); // views had the crashing operation completed
    byte[] originSynced = new byte[SIZE];
    final Set<Integer> dirtyChunks = new HashSet<>();
    boolean crashed;
    boolean originUnknown;
    long ioOps;
  }

  static TreeMap<Long, byte[]> views(VolumeModel m) {
    TreeMap<Long, byte[]> t = new TreeMap<>();
    m.snaps.forEach((k, v) -> t.put(k, v.clone()));
    return t;
  }

  static Run runWorkload(long seed, MemStorage st) {
    Run run = new Run();
    Random r = new Random(seed);
    VolumeModel m = new VolumeModel(SIZE);
    Volume v = null;
    try {
      v = Volume.create(st, CreateOptions.of(SIZE).withChunkSize(CHUNK).withCacheBytes(64 * 1024));
      run.viewsAtSeq.put(v.status().commitSeq(), views(m));
      for (int op = 0; op < OPS; op++) {
        VolumeModel after = m.copy();
        int k = r.nextInt(100);
        List<Long> ids = new ArrayList<>(m.snaps.keySet());
        List<Long> w = ids.stream().filter(m.writable::get).toList();
        run.postViews = views(m);
        if (k < 12) { // several extents with one commit, as a delta is applied
          List<long[]> ext = VolumeModelTest.randomExtents(r, SIZE, CHUNK);
          long[] offs = new long[ext.size()];
          ByteBuffer[] bufs = new ByteBuffer[ext.size()];
          for (int i = 0; i < ext.size(); i++) {
            byte[] d = VolumeModelTest.randomBytes(r, (int) ext.get(i)[1]);
            offs[i] = ext.get(i)[0];
            bufs[i] = ByteBuffer.wrap(d);
            after.write(Volume.ORIGIN, (int) offs[i], d);
            for (long c = offs[i] / CHUNK; c <= (offs[i] + d.length - 1) / CHUNK; c++) {
              run.dirtyChunks.add((int) c);
            }
          }
          v.writeOrigin(offs, bufs);
        } else if (k < 40) {
          int off = r.nextInt(SIZE);
          byte[] d = VolumeModelTest.randomBytes(r, 1 + r.nextInt(Math.min(SIZE - off, CHUNK * 3)));
          after.write(Volume.ORIGIN, off, d);
          for (int c = off / CHUNK; c <= (off + d.length - 1) / CHUNK; c++) {
            run.dirtyChunks.add(c);
          }
          v.write(Volume.ORIGIN, off, ByteBuffer.wrap(d));
        } else if (k < 60 && !w.isEmpty()) {
          long id = w.get(r.nextInt(w.size()));
          int off = r.nextInt(SIZE);
          byte[] d = VolumeModelTest.randomBytes(r, 1 + r.nextInt(Math.min(SIZE - off, CHUNK * 2)));
          after.write(id, off, d);
          run.postViews = views(after);
          v.write(id, off, ByteBuffer.wrap(d));
        } else if (k < 80) {
          boolean wr = r.nextBoolean();
          long id = v.status().commitSeq() * 0 + nextId(m, v);
          after.snapshot(id, wr);
          run.postViews = views(after);
          SnapshotInfo s = v.createSnapshot("s" + op, wr);
          assertEquals(id, s.id());
          run.originSynced = after.origin.clone();
          run.dirtyChunks.clear();
        } else if (k < 87 && !ids.isEmpty()) {
          long id = ids.get(r.nextInt(ids.size()));
          after.delete(id);
          run.postViews = views(after);
          v.deleteSnapshot(id);
          if (r.nextBoolean()) {
            v.reclaimDeleted(); // a crash in here must not lose what the kept snapshots read
          }
        } else if (k < 92 && !ids.isEmpty()) {
          long id = ids.get(r.nextInt(ids.size()));
          after.restore(id);
          run.originUnknown = true;
          v.restore(id, Volume.Progress.NONE);
          run.originUnknown = false;
          run.originSynced = after.origin.clone();
          run.dirtyChunks.clear();
        } else {
          run.postViews = views(after);
          v.flush();
          run.originSynced = after.origin.clone();
          run.dirtyChunks.clear();
        }
        m = after;
        // a commit holds the views of the moment it was made; later uncommitted writes are not in it
        run.viewsAtSeq.putIfAbsent(v.status().commitSeq(), views(m));
      }
      v.close();
    } catch (IOException e) {
      if (!st.faults.crashed) {
        throw new AssertionError("unexpected I/O failure", e);
      }
      run.crashed = true;
    }
    run.ioOps = st.faults.ops;
    return run;
  }

  private static long lastId;

  private static long nextId(VolumeModel m, Volume v) {
    // IDs are handed out in order from 1 and never reused; the model counts them
    return ++lastId;
  }

  @Test
  void everyCrashPointRecoversTheLastCommit() throws IOException {
    long seed = Long.getLong("seed", 77L);
    lastId = 0;
    Run clean = runWorkload(seed, new MemStorage());
    assertTrue(!clean.crashed && clean.ioOps > 100, "workload too small: " + clean.ioOps + " I/O operations");
    int points = Integer.getInteger("crashPoints", 400);
    long step = Math.max(1, clean.ioOps / points);
    int checked = 0;
    for (long n = 1; n <= clean.ioOps; n += step) {
      for (int mode = 0; mode < 2; mode++) {
        lastId = 0;
        MemStorage st = new MemStorage();
        st.faults.crashAt = n;
        Run run = runWorkload(seed, st);
        assertTrue(run.crashed, "no crash at op " + n);
        try {
          verifyRecovery(run, st.afterCrash(new Random(n * 31 + mode), mode == 1), n);
        } catch (AssertionError | IOException e) {
          throw new AssertionError("crash at I/O op " + n + " (mode " + mode + ", seed " + seed + "): " + e, e);
        }
        checked++;
      }
    }
    assertTrue(checked >= 200, "only " + checked + " crash points checked");
  }

  static void verifyRecovery(Run run, MemStorage after, long n) throws IOException {
    if (!after.storeExists() || after.store.size() < 8192) {
      return; // crashed before init completed: no volume was ever reported created
    }
    Volume v;
    try {
      v = Volume.open(after);
    } catch (CorruptionException e) {
      // only acceptable if init itself never completed its first sync
      assertTrue(run.viewsAtSeq.size() <= 1, "committed store does not open: " + e.getMessage());
      return;
    }
    long seq = v.openedCommit();
    TreeMap<Long, byte[]> want = run.viewsAtSeq.get(seq);
    if (want == null) {
      long maxSeen = run.viewsAtSeq.keySet().stream().mapToLong(Long::longValue).max().orElse(0);
      assertTrue(seq > maxSeen, "recovered commit " + seq + " was never reported and is not newer");
      want = run.postViews;
    }
    assertNotNull(want);
    assertEquals(new ArrayList<>(want.keySet()), v.snapshots().stream().map(SnapshotInfo::id).toList(),
        "live snapshots after recovery at commit " + seq);
    for (Map.Entry<Long, byte[]> e : want.entrySet()) {
      ByteBuffer b = ByteBuffer.allocate(SIZE);
      v.read(e.getKey(), 0, b);
      assertArrayEquals(e.getValue(), b.array(), "snapshot " + e.getKey() + " after recovery at commit " + seq);
    }
    if (!run.originUnknown) {
      ByteBuffer o = ByteBuffer.allocate(SIZE);
      v.read(Volume.ORIGIN, 0, o);
      for (int c = 0; c * CHUNK < SIZE; c++) {
        if (!run.dirtyChunks.contains(c)) {
          int from = c * CHUNK;
          int to = Math.min(SIZE, from + CHUNK);
          assertArrayEquals(java.util.Arrays.copyOfRange(run.originSynced, from, to),
              java.util.Arrays.copyOfRange(o.array(), from, to), "origin chunk " + c + " not being written");
        }
      }
    }
    // the recovered store takes new work and keeps it
    byte[] d = new byte[CHUNK * 2];
    new Random(n).nextBytes(d);
    SnapshotInfo s = v.createSnapshot("after-crash", true);
    v.write(Volume.ORIGIN, 0, ByteBuffer.wrap(d));
    v.write(s.id(), CHUNK, ByteBuffer.wrap(d, 0, CHUNK));
    v.close();
    Volume again = Volume.open(after.reopened());
    ByteBuffer b = ByteBuffer.allocate(CHUNK);
    again.read(s.id(), CHUNK, b);
    assertArrayEquals(java.util.Arrays.copyOf(d, CHUNK), b.array());
    for (Map.Entry<Long, byte[]> e : want.entrySet()) {
      ByteBuffer all = ByteBuffer.allocate(SIZE);
      again.read(e.getKey(), 0, all);
      assertArrayEquals(e.getValue(), all.array(), "snapshot " + e.getKey() + " after new work");
    }
    again.close();
  }
}
