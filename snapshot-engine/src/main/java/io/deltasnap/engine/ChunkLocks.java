package io.deltasnap.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Striped per-chunk locks: writers of a chunk hold its stripe exclusively (so copy-before-
 * overwrite and range splits for one chunk never interleave), snapshot readers hold it shared (so
 * the copy they resolved is not replaced under them). Ranges are locked in ascending stripe
 * order, so two writers never deadlock.
 */
final class ChunkLocks {
  private static final int STRIPES = 4096;
  private final ReentrantReadWriteLock[] locks = new ReentrantReadWriteLock[STRIPES];

  ChunkLocks() {
    for (int i = 0; i < STRIPES; i++) {
      locks[i] = new ReentrantReadWriteLock();
    }
  }

  ReentrantReadWriteLock of(long chunk) {
    return locks[(int) (chunk & (STRIPES - 1))];
  }

  /** Locks the stripes of chunks [first, last] exclusively, in ascending stripe order. */
  List<ReentrantReadWriteLock> lockRange(long first, long last) {
    int count = (int) Math.min(STRIPES, last - first + 1);
    boolean[] want = new boolean[STRIPES];
    for (int i = 0; i < count; i++) {
      want[(int) ((first + i) & (STRIPES - 1))] = true;
    }
    List<ReentrantReadWriteLock> held = new ArrayList<>(count);
    for (int i = 0; i < STRIPES; i++) {
      if (want[i]) {
        locks[i].writeLock().lock();
        held.add(locks[i]);
      }
    }
    return held;
  }

  /** Like {@link #lockRange} but without waiting: null (and nothing held) if any stripe is taken. */
  List<ReentrantReadWriteLock> tryLockRange(long first, long last) {
    int count = (int) Math.min(STRIPES, last - first + 1);
    boolean[] want = new boolean[STRIPES];
    for (int i = 0; i < count; i++) {
      want[(int) ((first + i) & (STRIPES - 1))] = true;
    }
    List<ReentrantReadWriteLock> held = new ArrayList<>(count);
    for (int i = 0; i < STRIPES; i++) {
      if (want[i]) {
        if (!locks[i].writeLock().tryLock()) {
          unlock(held);
          return null;
        }
        held.add(locks[i]);
      }
    }
    return held;
  }

  static void unlock(List<ReentrantReadWriteLock> held) {
    for (int i = held.size() - 1; i >= 0; i--) {
      held.get(i).writeLock().unlock();
    }
  }
}
