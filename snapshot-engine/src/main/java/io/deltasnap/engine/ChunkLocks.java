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
 *
 * <p>Stripes are many ({@link #STRIPES}) and made when first used. A writer of scattered chunks
 * (a delta's batch of a hundred random chunks) locks that many stripes; with 4,096 stripes two
 * such batches almost always shared one, so concurrent batches ran one after another for no
 * reason. With 2^18 stripes two batches of 128 random chunks share one about 6% of the time; the
 * table costs 1 MiB of references per open volume, and only stripes in use hold a lock.
 */
final class ChunkLocks {
  static final int STRIPES = 1 << 18;
  private static final int MASK = STRIPES - 1;
  private final java.util.concurrent.atomic.AtomicReferenceArray<ReentrantReadWriteLock> locks =
      new java.util.concurrent.atomic.AtomicReferenceArray<>(STRIPES);

  /** The lock of stripe {@code i}, made on first use. */
  private ReentrantReadWriteLock lock(int i) {
    ReentrantReadWriteLock l = locks.get(i);
    if (l == null) {
      ReentrantReadWriteLock fresh = new ReentrantReadWriteLock();
      l = locks.compareAndExchange(i, null, fresh);
      if (l == null) {
        l = fresh;
      }
    }
    return l;
  }

  ReentrantReadWriteLock of(long chunk) {
    return lock((int) (chunk & MASK));
  }

  private List<ReentrantReadWriteLock> all() {
    List<ReentrantReadWriteLock> out = new ArrayList<>(STRIPES);
    for (int i = 0; i < STRIPES; i++) {
      out.add(lock(i));
    }
    return out;
  }

  /** The stripes of chunks [first, last] in ascending order (a range that wraps comes in two parts). */
  private List<ReentrantReadWriteLock> stripes(long first, long last) {
    if (last - first + 1 >= STRIPES) {
      return all();
    }
    int a = (int) (first & MASK);
    int b = (int) (last & MASK);
    List<ReentrantReadWriteLock> out = new ArrayList<>((int) (last - first + 1));
    if (a <= b) {
      for (int i = a; i <= b; i++) {
        out.add(lock(i));
      }
    } else {
      for (int i = 0; i <= b; i++) {
        out.add(lock(i));
      }
      for (int i = a; i < STRIPES; i++) {
        out.add(lock(i));
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
    return lockAll(stripesOf(first, last), false);
  }

  /** Like {@link #lockChunks}, shared (readers). */
  List<ReentrantReadWriteLock> readLockChunks(long[] first, long[] last) {
    return lockAll(stripesOf(first, last), true);
  }

  /** The stripes of the chunks in the ranges [first[i], last[i]], ascending, each once. */
  private static int[] stripesOf(long[] first, long[] last) {
    long n = 0;
    for (int i = 0; i < first.length; i++) {
      n += Math.min(STRIPES, last[i] - first[i] + 1);
    }
    if (n >= STRIPES) {
      int[] all = new int[STRIPES];
      java.util.Arrays.setAll(all, i -> i);
      return all; // as many chunks as stripes: take them all rather than sort that many
    }
    int[] want = new int[(int) n];
    int k = 0;
    for (int i = 0; i < first.length; i++) {
      for (long c = first[i]; c <= last[i]; c++) {
        want[k++] = (int) (c & MASK);
      }
    }
    java.util.Arrays.sort(want);
    int u = 0;
    for (int i = 0; i < k; i++) {
      if (u == 0 || want[i] != want[u - 1]) {
        want[u++] = want[i];
      }
    }
    return java.util.Arrays.copyOf(want, u);
  }

  private List<ReentrantReadWriteLock> lockAll(int[] stripes, boolean shared) {
    List<ReentrantReadWriteLock> held = new ArrayList<>(stripes.length);
    for (int i : stripes) {
      ReentrantReadWriteLock l = lock(i);
      (shared ? l.readLock() : l.writeLock()).lock();
      held.add(l);
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
