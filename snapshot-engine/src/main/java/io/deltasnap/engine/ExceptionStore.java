package io.deltasnap.engine;

import io.deltasnap.engine.pdata.BTree;
import io.deltasnap.engine.pdata.SpaceMap;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The shared exception store's index: keys {@code (chunk, from)} with values {@code [from, to]} →
 * copy. Snapshot {@code s} reads chunk {@code c} from the key whose range holds {@code s}, or
 * from the origin when there is none.
 *
 * <p>Invariants (the callers hold the tree lock; changes also hold the chunk's stripe lock):
 * <ul>
 *   <li>for one chunk, ranges never overlap;</li>
 *   <li>a preserve (origin copy) covers every gap in {@code [1, newest live ID]} that holds a live
 *       snapshot, so below any non-private key every live snapshot ID is covered — the search for
 *       snapshots still reading the origin stops at the first such key;</li>
 *   <li>a private key's page is named by that key alone.</li>
 * </ul>
 */
final class ExceptionStore {
  /** A resolved exception: the key's range and its value. */
  record Exc(long chunk, long from, ExceptionValue v) {}

  private final BTree tree;
  private final SpaceMap space;
  private final String where;

  ExceptionStore(BTree tree, SpaceMap space) {
    this.tree = tree;
    this.space = space;
    this.where = tree.name();
  }

  long count() {
    return tree.count();
  }

  /** The exception snapshot {@code s} reads for chunk {@code c}, or null (read the origin). */
  Exc resolve(long c, long s) throws IOException {
    BTree.Entry e = tree.floor(c, s);
    if (e == null || e.a() != c) {
      return null;
    }
    ExceptionValue v = ExceptionValue.decode(c, e.b(), e.value(), where);
    return v.to() >= s ? new Exc(c, e.b(), v) : null;
  }

  /**
   * The ranges of snapshot IDs that read chunk {@code c} from the origin and hold at least one
   * live snapshot: what an origin write must preserve. Empty when nothing needs a copy.
   */
  List<long[]> gapsReadingOrigin(long c, SnapshotTable live) throws IOException {
    List<long[]> gaps = new ArrayList<>(1);
    long hi = live.newestKept();
    while (hi >= 1) {
      BTree.Entry e = tree.floor(c, hi);
      if (e == null || e.a() != c) {
        addGap(gaps, 1, hi, live);
        break;
      }
      ExceptionValue v = ExceptionValue.decode(c, e.b(), e.value(), where);
      if (v.to() < hi) {
        addGap(gaps, v.to() + 1, hi, live);
      }
      if (!v.isPrivate()) {
        break; // everything below a preserve is covered (class invariant)
      }
      hi = e.b() - 1;
    }
    return gaps;
  }

  private static void addGap(List<long[]> gaps, long lo, long hi, SnapshotTable live) throws IOException {
    if (live.keptIn(lo, hi)) {
      gaps.add(new long[] {lo, hi});
    }
  }

  /** Records one preserved copy at {@code page} for every gap. Tree lock held exclusively. */
  void addPreserve(long c, List<long[]> gaps, long page, int crc, long birth) throws IOException {
    int flags = gaps.size() > 1 ? ExceptionValue.SHARED : 0;
    for (long[] g : gaps) {
      assert resolve(c, g[0]) == null && resolve(c, g[1]) == null : "preserve overlaps a range";
      tree.put(c, g[0], new ExceptionValue(g[1], page, crc, flags).encode(), birth);
    }
  }

  /**
   * Gives snapshot {@code s} its own copy of chunk {@code c} at {@code page}, splitting the range
   * it read before ({@code old}, or the origin when null). Tree lock held exclusively. Releases the
   * old page when no other key can name it.
   */
  void setPrivate(long c, long s, Exc old, long page, int crc, long birth, int pages) throws IOException {
    if (old != null) {
      ExceptionValue v = old.v();
      boolean split = old.from() < s || v.to() > s;
      int keptFlags = (v.flags() & ~ExceptionValue.PRIVATE) | (split ? ExceptionValue.SHARED : 0);
      if (old.from() < s) {
        tree.put(c, old.from(), new ExceptionValue(s - 1, v.page(), v.crc(), keptFlags).encode(), birth);
      }
      if (v.to() > s) {
        tree.put(c, s + 1, new ExceptionValue(v.to(), v.page(), v.crc(), keptFlags).encode(), birth);
      }
      tree.put(c, s, new ExceptionValue(s, page, crc, ExceptionValue.PRIVATE).encode(), birth);
      // unsplit, the old key is gone (replaced by the private one): its copy goes with it unless
      // another key of the chunk still names it (the shared flag says only that one once did)
      if (!split && (!v.isShared() || !pageNamed(tree, c, v.page()))) {
        space.release(v.page(), pages);
      }
      return;
    }
    tree.put(c, s, new ExceptionValue(s, page, crc, ExceptionValue.PRIVATE).encode(), birth);
  }

  /** Whether any key of chunk {@code c} names the copy at {@code page}. Tree lock held. */
  static boolean pageNamed(BTree tree, long c, long page) throws IOException {
    boolean[] found = {false};
    tree.walkFrom(c, 0, e -> {
      if (e.a() != c) {
        return false;
      }
      if (ExceptionValue.decode(c, e.b(), e.value(), tree.name()).page() == page) {
        found[0] = true;
        return false;
      }
      return true;
    });
    return found[0];
  }
}
