package io.deltasnap.engine;

import io.deltasnap.engine.pdata.BTree;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.NavigableSet;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentSkipListSet;

/**
 * Every snapshot record, persisted in the snapshot tree (one entry per snapshot, so taking one is
 * a single small change whatever the count) and mirrored in memory for lookups. Loading is
 * proportional to the number of snapshots, not to the store's size.
 *
 * <p>Changes happen under the tree lock held exclusively; {@link #preserveSet()} may be read
 * under the shared lock.
 */
final class SnapshotTable {
  private final BTree tree;
  private final TreeMap<Long, SnapshotInfo> all = new TreeMap<>();
  /** Snapshots whose data must be kept: live and staging. */
  private final ConcurrentSkipListSet<Long> keep = new ConcurrentSkipListSet<>();

  SnapshotTable(BTree tree) {
    this.tree = tree;
  }

  void load() throws IOException {
    tree.walkFrom(0, 0, e -> {
      if (e.b() != 0 || e.a() < 1) {
        throw new CorruptionException(tree.name() + ": bad snapshot key (" + e.a() + ", " + e.b() + ")");
      }
      SnapshotInfo s = SnapshotInfo.decode(e.a(), e.value(), tree.name());
      all.put(s.id(), s);
      if (s.state() != SnapshotInfo.DELETED) {
        keep.add(s.id());
      }
      return true;
    });
  }

  SnapshotInfo get(long id) {
    return all.get(id);
  }

  /** IDs whose views an origin write must preserve. */
  NavigableSet<Long> preserveSet() {
    return keep;
  }

  List<SnapshotInfo> live() {
    List<SnapshotInfo> out = new ArrayList<>();
    for (SnapshotInfo s : all.values()) {
      if (s.live()) {
        out.add(s);
      }
    }
    return out;
  }

  /**
   * Up to {@code max} live snapshots with an ID of at least {@code fromId}, by ID: one batch of
   * {@link Volume#visitSnapshots}, so a caller can stop early and the lock is not held while it
   * consumes them. A table that keeps its records only in the tree serves this from one
   * {@code walkFrom(fromId, 0, …)}.
   */
  List<SnapshotInfo> liveFrom(long fromId, int max) {
    assert max > 0;
    List<SnapshotInfo> out = new ArrayList<>(Math.min(max, 1024));
    for (SnapshotInfo s : all.tailMap(fromId, true).values()) {
      if (s.live()) {
        out.add(s);
        if (out.size() == max) {
          break;
        }
      }
    }
    return out;
  }

  List<SnapshotInfo> withState(int state) {
    List<SnapshotInfo> out = new ArrayList<>();
    for (SnapshotInfo s : all.values()) {
      if (s.state() == state) {
        out.add(s);
      }
    }
    return out;
  }

  int liveCount() {
    int n = 0;
    for (SnapshotInfo s : all.values()) {
      if (s.live()) {
        n++;
      }
    }
    return n;
  }

  /** Forgets a deleted snapshot whose space has been reclaimed. */
  void remove(long id) throws IOException {
    assert all.get(id) != null && all.get(id).state() == SnapshotInfo.DELETED;
    tree.remove(id, 0);
    all.remove(id);
  }

  void put(SnapshotInfo s, long birth) throws IOException {
    tree.put(s.id(), 0, s.encode(), birth);
    all.put(s.id(), s);
    if (s.state() == SnapshotInfo.DELETED) {
      keep.remove(s.id());
    } else {
      keep.add(s.id());
    }
  }
}
