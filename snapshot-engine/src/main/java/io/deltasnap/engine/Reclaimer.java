package io.deltasnap.engine;

import io.deltasnap.engine.pdata.BTree;
import io.deltasnap.engine.pdata.MetaStore;
import io.deltasnap.engine.pdata.Pages;
import java.io.IOException;
import java.util.Arrays;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.LongToIntFunction;

/**
 * Gives back the space of a deleted snapshot. Every exception whose range holds the snapshot was
 * born after the snapshot was taken, so the walk visits only subtrees born since then: a
 * short-lived snapshot is reclaimed at a cost that follows the exceptions made during its life,
 * not the size of the store. Each such key is trimmed to the snapshots still kept in its range,
 * or removed when none is left; a copy no other key of its chunk names is released.
 *
 * <p>Trimming keeps the key's birth epoch: no live snapshot's view changes, so a diff need not
 * look at it again. Runs under the volume's shared lock, one chunk at a time, committing every
 * {@link #KEYS_PER_COMMIT} keys, so readers and writers are never blocked for long. Interrupted
 * by a crash, it starts over on the same snapshot (each step is idempotent); the snapshot's record
 * goes only when all of its keys have.
 */
final class Reclaimer {
  static final int KEYS_PER_COMMIT = 1024;

  private final MetaStore meta;
  private final SnapshotTable snaps;
  private final ChunkLocks locks;
  private final LongToIntFunction chunkLength;

  Reclaimer(MetaStore meta, SnapshotTable snaps, ChunkLocks locks, LongToIntFunction chunkLength) {
    this.meta = meta;
    this.snaps = snaps;
    this.locks = locks;
    this.chunkLength = chunkLength;
  }

  /** What one reclamation did. */
  record Result(long keysVisited, long keysRemoved, long keysTrimmed, long pagesFreed, long nodesVisited) {}

  Result reclaim(SnapshotInfo d) throws IOException {
    assert d.state() == SnapshotInfo.DELETED;
    long[] keys = new long[64];
    int[] n = {0};
    long nodes;
    meta.treeLock().readLock().lock();
    try {
      long id = d.id();
      long[][] box = {keys};
      nodes = meta.exceptions().walkNewerThan(d.epoch(), e -> {
        ExceptionValue v = ExceptionValue.decode(e.a(), e.b(), e.value(), meta.exceptions().name());
        if (e.b() <= id && id <= v.to()) {
          if (n[0] + 2 > box[0].length) {
            box[0] = Arrays.copyOf(box[0], box[0].length * 2);
          }
          box[0][n[0]++] = e.a();
          box[0][n[0]++] = e.b();
        }
      });
      keys = box[0];
    } finally {
      meta.treeLock().readLock().unlock();
    }
    long removed = 0;
    long trimmed = 0;
    long freed = 0;
    for (int i = 0; i < n[0]; i += 2) {
      long c = keys[i];
      ReentrantReadWriteLock l = locks.of(c);
      l.writeLock().lock();
      meta.treeLock().writeLock().lock();
      try {
        long[] r = trim(c, keys[i + 1]);
        removed += r[0];
        trimmed += r[1];
        freed += r[2];
      } finally {
        meta.treeLock().writeLock().unlock();
        l.writeLock().unlock();
      }
      if ((i / 2) % KEYS_PER_COMMIT == KEYS_PER_COMMIT - 1) {
        meta.commitAll();
      }
    }
    meta.treeLock().writeLock().lock();
    try {
      snaps.remove(d.id(), meta.openSeq());
    } finally {
      meta.treeLock().writeLock().unlock();
    }
    meta.commitAll();
    return new Result(n[0] / 2, removed, trimmed, freed, nodes);
  }

  /** Bytes that reclaiming {@code d} would free at least (copies no kept snapshot reads). */
  long estimate(SnapshotInfo d) throws IOException {
    long[] bytes = {0};
    meta.treeLock().readLock().lock();
    try {
      meta.exceptions().walkNewerThan(d.epoch(), e -> {
        ExceptionValue v = ExceptionValue.decode(e.a(), e.b(), e.value(), meta.exceptions().name());
        if (e.b() <= d.id() && d.id() <= v.to() && !v.isShared() && !snaps.keptIn(e.b(), v.to())) {
          bytes[0] += Pages.pagesFor(chunkLength.applyAsInt(e.a())) * Pages.PAGE_SIZE;
        }
      });
    } finally {
      meta.treeLock().readLock().unlock();
    }
    return bytes[0];
  }

  /** Trims key (c, from) to its kept snapshots. Returns {removed, trimmed, pages freed}. Locks held. */
  private long[] trim(long c, long from) throws IOException {
    BTree tree = meta.exceptions();
    BTree.Entry e = tree.get(c, from);
    if (e == null) {
      return new long[3];
    }
    ExceptionValue v = ExceptionValue.decode(c, from, e.value(), tree.name());
    long lo = snaps.ceilingKept(from);
    if (lo == 0 || lo > v.to()) {
      tree.remove(c, from);
      long pages = Pages.pagesFor(chunkLength.applyAsInt(c));
      if (!v.isShared() || !ExceptionStore.pageNamed(tree, c, v.page())) {
        meta.space().release(v.page(), pages);
        return new long[] {1, 0, pages};
      }
      return new long[] {1, 0, 0};
    }
    long hi = snaps.floorKept(v.to());
    if (lo == from && hi == v.to()) {
      return new long[3];
    }
    if (lo != from) {
      tree.remove(c, from);
    }
    tree.put(c, lo, new ExceptionValue(hi, v.page(), v.crc(), v.flags()).encode(), e.birth());
    return new long[] {0, 1, 0};
  }
}
