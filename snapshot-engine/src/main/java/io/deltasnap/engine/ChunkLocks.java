package io.deltasnap.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Striped per-chunk locks: writers of a chunk hold its stripe exclusively (so copy-before-
 * overwrite and range splits for one chunk never interleave), snapshot readers hold it shared (so
 * the copy they resolved is not replaced under them). Ranges are locked in ascending stripe
 * order, so two threads never deadlock on them.
 */
final class ChunkLocks {
  private static final int STRIPES = 4096;
  private static final int MASK = STRIPES - 1;
  private final ReentrantReadWriteLock[] locks = new ReentrantReadWriteLock[STRIPES];

  ChunkLocks() {
    for (int i = 0; i < STRIPES; i++) {
      locks[i] = new ReentrantReadWriteLock();
    }
  }

  ReentrantReadWriteLock of(long chunk) {
    return locks[(int) (chunk & MASK)];
  }

  /** The stripes of chunks [first, last] in ascending order (a range that wraps comes in two parts). */
  private List<ReentrantReadWriteLock> stripes(long first, long last) {
    if (last - first + 1 >= STRIPES) {
      return List.of(locks);
    }
    int a = (int) (first & MASK);
    int b = (int) (last & MASK);
    List<ReentrantReadWriteLock> out = new ArrayList<>((int) (last - first + 1));
    if (a <= b) {
      for (int i = a; i <= b; i++) {
        out.add(locks[i]);
      }
    } else {
      for (int i = 0; i <= b; i++) {
        out.add(locks[i]);
      }
      for (int i = a; i < STRIPES; i++) {
        out.add(locks[i]);
      }
    }
    return out;
  }

  /** Locks the stripes of chunks [first, last] exclusively, in ascending stripe order. */
  List<ReentrantReadWriteLock> lockRange(long first, long last) {
    List<ReentrantReadWriteLock> held = stripes(first, last);
    for (ReentrantReadWriteLock l : held) {
      l.writeLock().lock();
    }
    return held;
  }

  /**
   * Locks exclusively the stripes of every chunk in the ranges [first[i], last[i]], each stripe
   * once and all in ascending stripe order, so it cannot deadlock with other lockers.
   */
  List<ReentrantReadWriteLock> lockChunks(long[] first, long[] last) {
    java.util.BitSet want = new java.util.BitSet(STRIPES);
    for (int i = 0; i < first.length && want.cardinality() < STRIPES; i++) {
      for (long c = first[i]; c <= last[i] && c - first[i] < STRIPES; c++) {
        want.set((int) (c & MASK));
      }
    }
    List<ReentrantReadWriteLock> held = new ArrayList<>(want.cardinality());
    for (int i = want.nextSetBit(0); i >= 0; i = want.nextSetBit(i + 1)) {
      locks[i].writeLock().lock();
      held.add(locks[i]);
    }
    return held;
  }

  /** Like {@link #lockRange} but without waiting: null (and nothing held) if any stripe is taken. */
  List<ReentrantReadWriteLock> tryLockRange(long first, long last) {
    List<ReentrantReadWriteLock> want = stripes(first, last);
    for (int i = 0; i < want.size(); i++) {
      if (!want.get(i).writeLock().tryLock()) {
        for (int j = i - 1; j >= 0; j--) {
          want.get(j).writeLock().unlock();
        }
        return null;
      }
    }
    return want;
  }

  /** Locks the stripes of chunks [first, last] shared (readers), in ascending stripe order. */
  List<ReentrantReadWriteLock> readLockRange(long first, long last) {
    List<ReentrantReadWriteLock> held = stripes(first, last);
    for (ReentrantReadWriteLock l : held) {
      l.readLock().lock();
    }
    return held;
  }

  static void readUnlock(List<ReentrantReadWriteLock> held) {
    release(held, true);
  }

  static void unlock(List<ReentrantReadWriteLock> held) {
    release(held, false);
  }

  private static void release(List<ReentrantReadWriteLock> held, boolean shared) {
    for (int i = held.size() - 1; i >= 0; i--) {
      Lock l = shared ? held.get(i).readLock() : held.get(i).writeLock();
      l.unlock();
    }
  }
}
