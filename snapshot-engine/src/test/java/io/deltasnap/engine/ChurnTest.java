package io.deltasnap.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.deltasnap.engine.pdata.BTree;
import io.deltasnap.engine.pdata.MetaStore;
import io.deltasnap.engine.pdata.Pages;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Time passing on an injected clock (issue 19): a snapshot every minute, grid retention (every
 * minute for an hour, hourly for a day, daily for 30 days, weekly for a year) deleting most of
 * them, origin writes between, reclamation every hour. Afterwards every live snapshot reads back
 * exact, {@code check} finds no damage and no leak, the store holds little more than the copies
 * the live snapshots need, and the exception tree is about the size of one freshly built from the
 * same entries. A simulated week runs by default; a year with {@code mvn -Pslow}.
 */
class ChurnTest {
  static final int CHUNK = 4096;
  static final int CHUNKS = 1024;
  static final int WRITES_PER_MINUTE = 1;
  static final long MINUTE = 60_000;
  static final long DAY = 1440;
  static final long WEEK = 7 * DAY;

  /** What a run found, for the assertions and the report. */
  record Outcome(long minutes, int live, long created, long storeUsedBytes, long neededBytes, int height,
      long nodes, int freshHeight, long freshNodes, CheckReport check, double seconds) {
    double overhead() {
      return (double) storeUsedBytes / Math.max(1, neededBytes);
    }

    @Override
    public String toString() {
      return String.format("%d minutes: %d snapshots taken, %d live; store %.1f MiB used for %.1f MiB of copies the"
          + " live snapshots need (overhead %.2f×, metadata included); exception tree height %d, %d nodes (fresh: %d,"
          + " %d nodes, %.2f×); check: %d damage, %d leaks; %.1f s", minutes, created, live, storeUsedBytes / 1048576.0,
          neededBytes / 1048576.0, overhead(), height, nodes, freshHeight, freshNodes, (double) nodes / freshNodes,
          check.damage().size(), check.leaks().size(), seconds);
    }
  }

  /** Chunk {@code c} at version {@code n}: cheap to make, distinct for every (c, n). */
  static byte[] content(int c, int n) {
    ByteBuffer b = ByteBuffer.allocate(CHUNK);
    while (b.hasRemaining()) {
      b.putInt(c).putInt(n);
    }
    return b.array();
  }

  /** Whether retention keeps the snapshot taken at minute {@code m} at minute {@code now}. */
  static boolean kept(long m, long now) {
    long age = now - m;
    return age < 60 || (m % 60 == 0 && age < DAY) || (m % DAY == 0 && age < 30 * DAY)
        || (m % WEEK == 0 && age < 52 * WEEK);
  }

  static Outcome simulate(long minutes) throws IOException {
    long t0 = System.nanoTime();
    MemStorage st = new MemStorage();
    Volume v = Volume.create(st, CreateOptions.of((long) CHUNK * CHUNKS).withChunkSize(CHUNK));
    Random r = new Random(365);
    int[] version = new int[CHUNKS];
    TreeMap<Long, int[]> live = new TreeMap<>(); // minute -> versions it reads
    for (long now = 0; now < minutes; now++) {
      for (int w = 0; w < WRITES_PER_MINUTE; w++) {
        int c = r.nextInt(CHUNKS);
        v.write(Volume.ORIGIN, (long) c * CHUNK, ByteBuffer.wrap(content(c, ++version[c])));
      }
      v.createSnapshot(now + 1, new UUID(now, 1), "m" + now, now * MINUTE, false, SnapshotInfo.LIVE);
      live.put(now, version.clone());
      for (var it = live.entrySet().iterator(); it.hasNext(); ) {
        long m = it.next().getKey();
        if (!kept(m, now)) {
          v.deleteSnapshot(m + 1);
          it.remove();
        }
      }
      if (now % 60 == 59) {
        v.reclaimDeleted();
      }
    }
    v.reclaimDeleted();
    v.close();
    v = Volume.open(st.reopened());
    try {
      assertEquals(live.size(), v.status().snapshots(), "live snapshots after reopening");
      for (Map.Entry<Long, int[]> e : live.entrySet()) {
        readsBack(v, e.getKey() + 1, e.getValue());
      }
      Set<Long> needed = new HashSet<>(); // (chunk, version) pairs a live snapshot reads from a copy
      for (int[] vs : live.values()) {
        for (int c = 0; c < CHUNKS; c++) {
          if (vs[c] != version[c]) {
            needed.add(((long) c << 32) | vs[c]);
          }
        }
      }
      MetaStore meta = v.meta();
      long used = (meta.space().end() - meta.space().freePages()) * Pages.PAGE_SIZE;
      long[] fresh = freshTree(meta.exceptions());
      CheckReport check = v.check();
      return new Outcome(minutes, live.size(), minutes, used, needed.size() * (long) CHUNK,
          meta.exceptions().height(), nodes(meta.exceptions()), (int) fresh[0], fresh[1], check,
          (System.nanoTime() - t0) / 1e9);
    } finally {
      v.close();
    }
  }

  static void readsBack(Volume v, long id, int[] versions) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(CHUNK * CHUNKS);
    v.read(id, 0, b);
    for (int c = 0; c < CHUNKS; c++) {
      byte[] want = versions[c] == 0 ? new byte[CHUNK] : content(c, versions[c]);
      byte[] got = new byte[CHUNK];
      b.get(c * CHUNK, got);
      assertArrayEquals(want, got, "snapshot " + id + " chunk " + c);
    }
  }

  static long nodes(BTree t) throws IOException {
    long[] n = {0};
    t.walkNodes((page, level, entries) -> n[0]++);
    return n[0];
  }

  /** Height and node count of a tree built from {@code t}'s entries, inserted in key order into an empty store. */
  static long[] freshTree(BTree t) throws IOException {
    MetaStore m = MetaStore.create(new MemBlockFile(new MemBlockFile.Faults(), new byte[0]), "fresh", UUID.randomUUID(),
        CHUNK, CHUNK, 0, "", 1 << 20);
    BTree f = m.exceptions();
    t.walkFrom(Long.MIN_VALUE, Long.MIN_VALUE, e -> {
      f.put(e.a(), e.b(), e.value(), e.birth());
      return true;
    });
    m.commitAll();
    return new long[] {f.height(), nodes(f)};
  }

  static void assertHealthy(Outcome o) {
    assertEquals(List.of(), o.check().damage(), o.toString());
    assertEquals(List.of(), o.check().leaks(), o.toString());
    assertTrue(o.overhead() < 2.0, "store overhead: " + o);
    assertTrue(o.height() <= o.freshHeight() + 1, "tree height: " + o);
    assertTrue(o.nodes() <= 2 * o.freshNodes(), "tree nodes: " + o);
  }

  @Test
  void aWeekOfMinutelySnapshotsWithGridRetentionLeavesNoLeakAndACompactTree() throws IOException {
    Outcome o = simulate(WEEK);
    System.out.println("ChurnTest, a week: " + o);
    long want = 0;
    for (long m = 0; m < WEEK; m++) {
      want += kept(m, WEEK - 1) ? 1 : 0;
    }
    assertEquals(60 + 23 + 6, want, "the grid keeps 60 minutely, 23 more hourly and 6 more daily");
    assertEquals(want, o.live());
    assertHealthy(o);
  }

  @Tag("slow")
  @Test
  void aYearOfMinutelySnapshotsWithGridRetentionLeavesNoLeakAndACompactTree() throws IOException {
    Outcome o = simulate(365 * DAY);
    System.out.println("ChurnTest, a year: " + o);
    assertHealthy(o);
  }
}
