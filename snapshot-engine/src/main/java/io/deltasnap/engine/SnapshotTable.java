package io.deltasnap.engine;

import io.deltasnap.engine.pdata.BTree;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Every snapshot record, kept in the snapshot tree and looked up through it (and so through the
 * node cache): opening a volume and every lookup cost the same at a million snapshots as at one,
 * and no record is mirrored in memory. The tree has three kinds of keys (little-endian values):
 *
 * <pre>
 * key            value
 * (id ≥ 1, 0)    the snapshot's record ({@link SnapshotInfo})
 * (0, 0)         summary, 24 bytes: live u64 | staging u64 | deleted u64 (records by state)
 * (0, lo ≥ 1)    deleted run, 8 bytes: hi u64; every record with an ID in [lo, hi] is deleted
 * </pre>
 *
 * <p>What origin writes and reclamation need is the set of IDs to keep (live and staging): its
 * largest member, and the least member at or above an ID ({@link #ceilingKept}) or the greatest at
 * or below one ({@link #floorKept}). Records not in a deleted run are kept, so one tree lookup
 * finds a candidate and at most one run skip finds the answer. Memory holds the summary and the
 * runs (at most one per deleted snapshot not yet reclaimed, fewer when they are neighbours), never
 * anything per live snapshot.
 *
 * <p>Invariants (asserted where changed, verified by {@link #verify}): the summary counts the
 * records by state; runs are disjoint, each holds at least one record and only deleted ones, every
 * deleted record lies in a run, and between two runs lies at least one kept record. A store written
 * before the summary existed has none: it is rebuilt by one walk at open and written with the next
 * change.
 *
 * <p>Changes happen under the tree lock held exclusively; queries under the shared lock.
 */
final class SnapshotTable {
  /** Size of the summary value. */
  static final int SUMMARY_BYTES = 24;
  /** Size of a deleted run's value. */
  static final int RUN_BYTES = 8;

  private final BTree tree;
  /** The deleted runs, lo → hi: a copy of the tree's (0, lo) keys. */
  private final TreeMap<Long, Long> runs = new TreeMap<>();
  private long live;
  private long staging;
  private long deleted;
  /** The largest kept ID, 0 when none. */
  private long newestKept;
  /** The store has no summary yet: the next change writes it and every run. */
  private boolean unwritten;

  SnapshotTable(BTree tree) {
    this.tree = tree;
  }

  /** Reads the summary and the deleted runs: a cost that follows the pending deletions only. */
  void load() throws IOException {
    BTree.Entry s = tree.get(0, 0);
    if (s == null) {
      rebuild();
    } else {
      long[] c = decodeSummary(s.value());
      live = c[0];
      staging = c[1];
      deleted = c[2];
      long[] prevHi = {0};
      tree.walkFrom(0, 1, e -> {
        if (e.a() != 0) {
          return false;
        }
        long hi = decodeRun(e.b(), e.value());
        if (e.b() <= prevHi[0]) {
          throw new CorruptionException(tree.name() + ": deleted run " + e.b() + ".." + hi + " overlaps the one before");
        }
        runs.put(e.b(), hi);
        prevHi[0] = hi;
        return true;
      });
      long records = tree.count() - 1 - runs.size();
      if (records != live + staging + deleted) {
        throw new CorruptionException(tree.name() + ": summary counts " + (live + staging + deleted)
            + " snapshot records, the tree holds " + records);
      }
    }
    newestKept = floorKept(SnapshotInfo.MAX_ID);
  }

  /** No summary on disk (a store from before it): counts and runs from one walk of the records. */
  private void rebuild() throws IOException {
    unwritten = tree.count() > 0;
    long[] open = {0, 0}; // the run being built: lo, hi (lo 0 = none)
    tree.walkFrom(1, 0, e -> {
      SnapshotInfo r = decode(e);
      count(r.state(), 1);
      if (r.state() == SnapshotInfo.DELETED) {
        if (open[0] == 0) {
          open[0] = r.id();
        }
        open[1] = r.id();
      } else if (open[0] != 0) {
        runs.put(open[0], open[1]);
        open[0] = 0;
      }
      return true;
    });
    if (open[0] != 0) {
      runs.put(open[0], open[1]);
    }
  }

  /** The record of snapshot {@code id} in any state, or null. */
  SnapshotInfo get(long id) throws IOException {
    if (id < 1) {
      return null;
    }
    BTree.Entry e = tree.get(id, 0);
    return e == null ? null : decode(e);
  }

  /** The largest ID whose views must be kept (live or staging), 0 when none. */
  long newestKept() {
    return newestKept;
  }

  /** The live snapshot with the largest ID up to {@code atMost}, or null; staging ones (few) are stepped over. */
  SnapshotInfo newestLive(long atMost) throws IOException {
    for (long x = floorKept(atMost); x >= 1; x = floorKept(x - 1)) {
      SnapshotInfo s = get(x);
      if (s.live()) {
        return s;
      }
    }
    return null;
  }

  /** The least kept ID at or above {@code id}, 0 when none. */
  long ceilingKept(long id) throws IOException {
    long x = Math.max(id, 1);
    while (x <= SnapshotInfo.MAX_ID) {
      BTree.Entry e = tree.ceiling(x, 0);
      if (e == null) {
        return 0;
      }
      Map.Entry<Long, Long> run = runHolding(e.a());
      if (run == null) {
        return e.a();
      }
      x = run.getValue() + 1;
    }
    return 0;
  }

  /** The greatest kept ID at or below {@code id}, 0 when none. */
  long floorKept(long id) throws IOException {
    long x = id;
    while (x >= 1) {
      BTree.Entry e = tree.floor(x, 0);
      if (e == null || e.a() < 1) {
        return 0;
      }
      Map.Entry<Long, Long> run = runHolding(e.a());
      if (run == null) {
        return e.a();
      }
      x = run.getKey() - 1;
    }
    return 0;
  }

  /** Whether a kept ID lies in [lo, hi]. */
  boolean keptIn(long lo, long hi) throws IOException {
    long c = ceilingKept(lo);
    return c != 0 && c <= hi;
  }

  private Map.Entry<Long, Long> runHolding(long id) {
    Map.Entry<Long, Long> r = runs.floorEntry(id);
    return r != null && r.getValue() >= id ? r : null;
  }

  /** Live snapshots by ID: a walk of every record, for callers that need them all. */
  List<SnapshotInfo> live() throws IOException {
    return liveFrom(1, Integer.MAX_VALUE);
  }

  /**
   * Up to {@code max} live snapshots with an ID of at least {@code fromId}, by ID: one batch of
   * {@link Volume#visitSnapshots}, from one walk of the tree that jumps over deleted runs.
   */
  List<SnapshotInfo> liveFrom(long fromId, int max) throws IOException {
    assert max > 0;
    List<SnapshotInfo> out = new ArrayList<>(Math.min(max, 1024));
    long[] next = {Math.max(fromId, 1)};
    while (out.size() < max && next[0] <= SnapshotInfo.MAX_ID) {
      long from = next[0];
      next[0] = 0;
      tree.walkFrom(from, 0, e -> {
        Map.Entry<Long, Long> run = runHolding(e.a());
        if (run != null) {
          next[0] = run.getValue() + 1; // go on after the run
          return false;
        }
        SnapshotInfo s = decode(e);
        if (s.live()) {
          out.add(s);
        }
        return out.size() < max;
      });
      if (next[0] == 0) {
        break;
      }
    }
    return out;
  }

  /**
   * Snapshots in {@code state}. Deleted ones are found through the runs (a cost that follows the
   * pending deletions); any other state takes a walk of every record.
   */
  List<SnapshotInfo> withState(int state) throws IOException {
    List<SnapshotInfo> out = new ArrayList<>();
    if (state == SnapshotInfo.DELETED) {
      for (Map.Entry<Long, Long> r : runs.entrySet()) {
        tree.walkFrom(r.getKey(), 0, e -> {
          if (e.a() > r.getValue()) {
            return false;
          }
          out.add(decode(e));
          return true;
        });
      }
      return out;
    }
    tree.walkFrom(1, 0, e -> {
      SnapshotInfo s = decode(e);
      if (s.state() == state) {
        out.add(s);
      }
      return true;
    });
    return out;
  }

  /** The deleted snapshot with the lowest ID, or null: the next one to reclaim. */
  SnapshotInfo firstDeleted() throws IOException {
    if (runs.isEmpty()) {
      return null;
    }
    Map.Entry<Long, Long> r = runs.firstEntry();
    BTree.Entry e = tree.ceiling(r.getKey(), 0);
    assert e != null && e.a() <= r.getValue() : "deleted run " + r + " holds no record";
    return decode(e);
  }

  long liveCount() {
    return live;
  }

  long deletedCount() {
    return deleted;
  }

  /** Forgets a deleted snapshot whose space has been reclaimed. */
  void remove(long id, long birth) throws IOException {
    Map.Entry<Long, Long> run = runHolding(id);
    assert run != null && get(id) != null && get(id).state() == SnapshotInfo.DELETED : "snapshot " + id
        + " removed while not deleted";
    tree.remove(id, 0);
    count(SnapshotInfo.DELETED, -1);
    BTree.Entry rest = tree.ceiling(run.getKey(), 0);
    if (rest == null || rest.a() > run.getValue()) {
      runs.remove(run.getKey()); // no record left in it
      tree.remove(0, run.getKey());
    }
    writeSummary(birth);
  }

  /** Records a new snapshot or a changed state. A deleted snapshot never becomes kept again. */
  void put(SnapshotInfo s, long birth) throws IOException {
    SnapshotInfo old = get(s.id());
    if (old != null && old.state() == SnapshotInfo.DELETED && s.state() != SnapshotInfo.DELETED) {
      throw new IllegalStateException(tree.name() + ": deleted snapshot " + s.id() + " cannot become "
          + s.state());
    }
    tree.put(s.id(), 0, s.encode(), birth);
    if (old != null) {
      count(old.state(), -1);
    }
    count(s.state(), 1);
    if (s.state() == SnapshotInfo.DELETED && (old == null || old.state() != SnapshotInfo.DELETED)) {
      addRun(s.id(), birth);
      if (s.id() == newestKept) {
        newestKept = floorKept(s.id());
      }
    } else if (s.state() != SnapshotInfo.DELETED && s.id() > newestKept) {
      newestKept = s.id();
    }
    writeSummary(birth);
    assert newestKept == floorKept(SnapshotInfo.MAX_ID) : "newest kept " + newestKept;
  }

  /** Puts newly deleted {@code d} in a run, joining the runs beside it when no kept record parts them. */
  private void addRun(long d, long birth) throws IOException {
    assert runHolding(d) == null : "snapshot " + d + " already in a deleted run";
    long lo = d;
    long hi = d;
    Map.Entry<Long, Long> left = runs.lowerEntry(d);
    if (left != null) {
      BTree.Entry p = tree.floor(d - 1, 0); // the record before d: in the left run, or kept
      if (p == null || p.a() <= left.getValue()) {
        lo = left.getKey();
      }
    }
    Map.Entry<Long, Long> right = runs.higherEntry(d);
    if (right != null) {
      BTree.Entry q = tree.ceiling(d + 1, 0); // the record after d: in the right run, or kept
      if (q == null || q.a() >= right.getKey()) {
        hi = right.getValue();
        runs.remove(right.getKey());
        tree.remove(0, right.getKey());
      }
    }
    runs.put(lo, hi);
    tree.put(0, lo, encodeRun(hi), birth);
  }

  private void writeSummary(long birth) throws IOException {
    tree.put(0, 0, ByteBuffer.allocate(SUMMARY_BYTES).order(ByteOrder.LITTLE_ENDIAN)
        .putLong(live).putLong(staging).putLong(deleted).array(), birth);
    if (unwritten) { // a store from before the summary: its runs go in with it
      for (Map.Entry<Long, Long> r : runs.entrySet()) {
        tree.put(0, r.getKey(), encodeRun(r.getValue()), birth);
      }
      unwritten = false;
    }
  }

  private void count(int state, int by) {
    switch (state) {
      case SnapshotInfo.LIVE -> live += by;
      case SnapshotInfo.STAGING -> staging += by;
      case SnapshotInfo.DELETED -> deleted += by;
      default -> throw new IllegalArgumentException("snapshot state " + state);
    }
    assert live >= 0 && staging >= 0 && deleted >= 0 : "negative snapshot count";
  }

  private SnapshotInfo decode(BTree.Entry e) throws CorruptionException {
    if (e.b() != 0 || e.a() < 1) {
      throw new CorruptionException(tree.name() + ": bad snapshot key (" + e.a() + ", " + e.b() + ")");
    }
    return SnapshotInfo.decode(e.a(), e.value(), tree.name());
  }

  private long[] decodeSummary(byte[] v) throws CorruptionException {
    if (v.length != SUMMARY_BYTES) {
      throw new CorruptionException(tree.name() + ": summary is " + v.length + " bytes, expected " + SUMMARY_BYTES);
    }
    ByteBuffer b = ByteBuffer.wrap(v).order(ByteOrder.LITTLE_ENDIAN);
    long[] c = {b.getLong(), b.getLong(), b.getLong()};
    for (long n : c) {
      if (n < 0 || n > tree.count()) {
        throw new CorruptionException(tree.name() + ": summary count " + n + " outside 0.." + tree.count());
      }
    }
    return c;
  }

  private long decodeRun(long lo, byte[] v) throws CorruptionException {
    if (v.length != RUN_BYTES) {
      throw new CorruptionException(tree.name() + ": deleted run at " + lo + " is " + v.length + " bytes, expected "
          + RUN_BYTES);
    }
    long hi = ByteBuffer.wrap(v).order(ByteOrder.LITTLE_ENDIAN).getLong();
    if (lo < 1 || hi < lo || hi > SnapshotInfo.MAX_ID) {
      throw new CorruptionException(tree.name() + ": deleted run " + lo + ".." + hi + " is not a range of IDs");
    }
    return hi;
  }

  private static byte[] encodeRun(long hi) {
    return ByteBuffer.allocate(RUN_BYTES).order(ByteOrder.LITTLE_ENDIAN).putLong(hi).array();
  }

  /**
   * Checks the whole table against its records (one walk; for {@code check}): the summary's
   * counts and every run invariant. Returns the problems found, empty when none.
   */
  List<String> verify() throws IOException {
    List<String> problems = new ArrayList<>();
    long[] n = new long[3];
    long[] lastRunLo = {0};
    boolean[] keptSince = {false};
    tree.walkFrom(1, 0, e -> {
      SnapshotInfo s = decode(e);
      Map.Entry<Long, Long> run = runHolding(s.id());
      n[s.state() == SnapshotInfo.LIVE ? 0 : s.state() == SnapshotInfo.STAGING ? 1 : 2]++;
      if ((s.state() == SnapshotInfo.DELETED) != (run != null)) {
        problems.add(tree.name() + ": snapshot " + s.id() + (run == null ? " is deleted but in no deleted run"
            : " is kept but inside deleted run " + run.getKey() + ".." + run.getValue()));
      }
      if (run == null) {
        keptSince[0] = true;
      } else if (run.getKey() != lastRunLo[0]) {
        if (lastRunLo[0] != 0 && !keptSince[0]) {
          problems.add(tree.name() + ": deleted runs from " + lastRunLo[0] + " and from " + run.getKey()
              + " have no kept snapshot between them");
        }
        lastRunLo[0] = run.getKey();
        keptSince[0] = false;
      }
      return true;
    });
    if (n[0] != live || n[1] != staging || n[2] != deleted) {
      problems.add(tree.name() + ": summary says " + live + " live, " + staging + " staging, " + deleted
          + " deleted; the records are " + n[0] + ", " + n[1] + ", " + n[2]);
    }
    TreeMap<Long, Long> stored = new TreeMap<>();
    tree.walkFrom(0, 1, e -> {
      if (e.a() != 0) {
        return false;
      }
      stored.put(e.b(), decodeRun(e.b(), e.value()));
      return true;
    });
    if (!unwritten && !stored.equals(runs)) {
      problems.add(tree.name() + ": the " + stored.size() + " stored deleted runs differ from the table's "
          + runs.size());
    }
    for (Map.Entry<Long, Long> r : runs.entrySet()) {
      BTree.Entry e = tree.ceiling(r.getKey(), 0);
      if (e == null || e.a() > r.getValue()) {
        problems.add(tree.name() + ": deleted run " + r.getKey() + ".." + r.getValue() + " holds no snapshot");
      }
    }
    return problems;
  }
}
