package io.deltasnap.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.deltasnap.engine.pdata.MetaStore;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The snapshot table against a model (a sorted map of every record): the kept-ID queries origin
 * writes and reclamation use, the persisted counts and deleted runs, across commits and reopens;
 * and that opening costs a few node reads whatever the number of snapshots.
 */
class SnapshotTableTest {
  static final long CACHE = 1 << 20;

  /** A store in memory and the table over it, reopened from disk on demand. */
  static final class Store {
    final MemBlockFile file = new MemBlockFile(new MemBlockFile.Faults(), new byte[0]);
    MetaStore meta;
    SnapshotTable table;

    Store() throws IOException {
      meta = MetaStore.create(file, "t", UUID.randomUUID(), 1 << 20, 4096, 0, "", CACHE);
      table = new SnapshotTable(meta.snapshots());
      table.load();
    }

    void reopen() throws IOException {
      meta.commitAll();
      meta = MetaStore.open(file, "t", CACHE);
      table = new SnapshotTable(meta.snapshots());
      table.load();
    }

    void put(long id, int state) throws IOException {
      table.put(new SnapshotInfo(id, new UUID(0, id), "s" + id, id, meta.openSeq(), false, state), meta.openSeq());
    }
  }

  @Test
  void keptQueriesCountsAndRunsMatchAModelThroughChangesAndReopens() throws IOException {
    Random r = new Random(19);
    Store st = new Store();
    TreeMap<Long, Integer> model = new TreeMap<>();
    long next = 1;
    for (int step = 0; step < 6000; step++) {
      int op = r.nextInt(100);
      if (op < 45 || model.isEmpty()) { // take one (sometimes after a jump in IDs, as a replica does)
        next += r.nextInt(10) == 0 ? 1 + r.nextInt(5) : 0;
        int state = r.nextInt(10) == 0 ? SnapshotInfo.STAGING : SnapshotInfo.LIVE;
        st.put(next, state);
        model.put(next++, state);
      } else if (op < 85) { // delete a kept one, often a neighbour of a deleted one
        Long id = randomKey(model, r);
        if (model.get(id) != SnapshotInfo.DELETED) {
          st.put(id, SnapshotInfo.DELETED);
          model.put(id, SnapshotInfo.DELETED);
        }
      } else if (op < 92) { // publish a staging one
        Long id = randomKey(model, r);
        if (model.get(id) == SnapshotInfo.STAGING) {
          st.put(id, SnapshotInfo.LIVE);
          model.put(id, SnapshotInfo.LIVE);
        }
      } else if (op < 99) { // reclaim a deleted one
        Long id = randomKey(model, r);
        if (model.get(id) == SnapshotInfo.DELETED) {
          st.table.remove(id, st.meta.openSeq());
          model.remove(id);
        }
      } else {
        st.reopen();
      }
      if (step % 50 == 0 || op >= 99) {
        compare(st.table, model, next, r, "step " + step);
      }
    }
    st.reopen();
    compare(st.table, model, next, r, "at the end, reopened");
  }

  static Long randomKey(TreeMap<Long, Integer> model, Random r) {
    Long k = model.ceilingKey(1 + (long) r.nextInt((int) (long) model.lastKey()));
    return k == null ? model.lastKey() : k;
  }

  static void compare(SnapshotTable t, TreeMap<Long, Integer> model, long next, Random r, String at)
      throws IOException {
    assertEquals(List.of(), t.verify(), at);
    TreeMap<Long, Integer> kept = new TreeMap<>(model);
    kept.values().removeIf(s -> s == SnapshotInfo.DELETED);
    assertEquals(kept.isEmpty() ? 0 : kept.lastKey(), t.newestKept(), at + ": newest kept");
    for (int i = 0; i < 200; i++) {
      long x = r.nextInt((int) next + 2);
      Long c = kept.ceilingKey(x < 1 ? 1 : x);
      Long f = kept.floorKey(x);
      assertEquals(c == null ? 0 : c, t.ceilingKept(x), at + ": ceiling of " + x);
      assertEquals(f == null ? 0 : f, t.floorKept(x), at + ": floor of " + x);
    }
    List<Long> live = new ArrayList<>();
    List<Long> deleted = new ArrayList<>();
    for (Map.Entry<Long, Integer> e : model.entrySet()) {
      (e.getValue() == SnapshotInfo.LIVE ? live : e.getValue() == SnapshotInfo.DELETED ? deleted : new ArrayList<Long>())
          .add(e.getKey());
    }
    assertEquals(live.size(), t.liveCount(), at + ": live count");
    assertEquals(deleted.size(), t.deletedCount(), at + ": deleted count");
    assertEquals(live, ids(t.live()), at + ": live snapshots");
    assertEquals(deleted, ids(t.withState(SnapshotInfo.DELETED)), at + ": deleted snapshots");
    SnapshotInfo first = t.firstDeleted();
    assertEquals(deleted.isEmpty() ? null : deleted.get(0), first == null ? null : first.id(), at + ": first deleted");
    SnapshotInfo newest = t.newestLive(SnapshotInfo.MAX_ID);
    assertEquals(live.isEmpty() ? null : live.get(live.size() - 1), newest == null ? null : newest.id(), at);
    if (!live.isEmpty()) {
      long from = live.get(r.nextInt(live.size()));
      List<Long> want = live.subList(live.indexOf(from), Math.min(live.size(), live.indexOf(from) + 7));
      assertEquals(want, ids(t.liveFrom(from, 7)), at + ": seven live from " + from);
    }
  }

  static List<Long> ids(List<SnapshotInfo> l) {
    List<Long> out = new ArrayList<>();
    l.forEach(s -> out.add(s.id()));
    return out;
  }

  @Test
  void deletingNeighboursJoinsTheirRunsSoMemoryFollowsTheGapsNotTheDeletions() throws IOException {
    Store st = new Store();
    for (long id = 1; id <= 1000; id++) {
      st.put(id, SnapshotInfo.LIVE);
    }
    for (long id = 1; id <= 1000; id++) {
      if (id % 100 != 0) { // keep every hundredth: 10 runs of 99 deleted each
        st.put(id, SnapshotInfo.DELETED);
      }
    }
    st.reopen();
    assertEquals(10, st.meta.snapshots().count() - 1000 - 1, "one stored run per gap between kept snapshots");
    assertEquals(100, st.table.ceilingKept(1));
    assertEquals(200, st.table.ceilingKept(101));
    assertEquals(0, st.table.ceilingKept(1001));
    assertEquals(List.of(), st.table.verify());
  }

  @Test
  void openingReadsAFewNodesWhateverTheNumberOfSnapshots() throws IOException {
    long[] missesAtOpen = new long[2];
    int[] counts = {10, 20_000};
    for (int k = 0; k < 2; k++) {
      Store st = new Store();
      for (long id = 1; id <= counts[k]; id++) {
        st.put(id, SnapshotInfo.LIVE);
        if (id % 5000 == 0) {
          st.meta.commitAll();
        }
      }
      st.put(counts[k] / 2, SnapshotInfo.DELETED);
      st.reopen();
      missesAtOpen[k] = st.meta.cache().misses();
      assertEquals(counts[k] - 1, st.table.liveCount());
      assertEquals(counts[k], st.table.newestKept());
      assertEquals(counts[k] / 2 + 1, st.table.ceilingKept(counts[k] / 2));
    }
    // the tree of 20,000 records is a few levels high: open reads its root, the summary and run
    // leaves and the path to the newest record, never the 300-odd leaves of records
    assertTrue(missesAtOpen[1] <= 12, "node reads at open, 20,000 snapshots: " + missesAtOpen[1]);
    assertTrue(missesAtOpen[1] <= missesAtOpen[0] + 8, "node reads at open: " + missesAtOpen[0] + " for 10 snapshots, "
        + missesAtOpen[1] + " for 20,000");
  }

  @Test
  void aStoreWrittenBeforeTheSummaryOpensWithCountsFromItsRecordsAndGainsTheSummaryAtTheNextChange()
      throws IOException {
    Store st = new Store();
    for (long id = 1; id <= 50; id++) { // records only, as the previous version wrote them
      int state = id % 7 == 0 || id == 8 ? SnapshotInfo.DELETED : id == 50 ? SnapshotInfo.STAGING : SnapshotInfo.LIVE;
      st.meta.snapshots().put(id, 0, new SnapshotInfo(id, new UUID(0, id), "", id, 1, false, state).encode(), 1);
    }
    st.reopen();
    assertNull(st.meta.snapshots().get(0, 0), "no summary yet");
    assertEquals(50 - 7 - 1 - 1, st.table.liveCount());
    assertEquals(8, st.table.deletedCount());
    assertEquals(9, st.table.ceilingKept(7));
    assertEquals(List.of(), st.table.verify());
    st.put(51, SnapshotInfo.LIVE);
    st.reopen();
    assertTrue(st.meta.snapshots().get(0, 0) != null, "the summary is written with the first change");
    assertEquals(50 - 7 - 1 - 1 + 1, st.table.liveCount());
    assertEquals(9, st.table.ceilingKept(7));
    assertEquals(List.of(), st.table.verify());
  }
}
