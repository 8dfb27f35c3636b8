package io.deltasnap.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.junit.jupiter.api.Test;

class ChunkLocksTest {
  /**
   * Two writers of scattered, disjoint chunks must not wait for each other. With 4,096 stripes
   * chunk 4096 shared chunk 0's stripe, so a receiver's concurrent batches of random chunks ran
   * one after another.
   */
  @Test
  void disjointScatteredChunksDoNotWaitForEachOther() throws Exception {
    ChunkLocks locks = new ChunkLocks();
    List<ReentrantReadWriteLock> a = locks.lockChunks(new long[] {0, 4096, 8192}, new long[] {0, 4096, 8192});
    ExecutorService other = Executors.newSingleThreadExecutor();
    try {
      Future<Integer> b = other.submit(() -> {
        List<ReentrantReadWriteLock> held = locks.lockChunks(new long[] {1 << 12 | 1, 3 << 12}, new long[] {1 << 12 | 1, 3 << 12});
        ChunkLocks.unlock(held);
        return held.size();
      });
      assertEquals(2, b.get(30, TimeUnit.SECONDS), "a writer of other chunks was blocked");
    } finally {
      ChunkLocks.unlock(a);
      other.shutdownNow();
    }
  }

  @Test
  void oneChunkIsStillExclusive() throws Exception {
    ChunkLocks locks = new ChunkLocks();
    List<ReentrantReadWriteLock> a = locks.lockChunks(new long[] {7, 100_000}, new long[] {9, 100_000});
    CompletableFuture<Integer> b = CompletableFuture.supplyAsync(() -> {
      List<ReentrantReadWriteLock> held = locks.lockChunks(new long[] {100_000}, new long[] {100_000});
      ChunkLocks.unlock(held);
      return held.size();
    });
    try {
      assertFalse(completesWithin(b, 200), "two writers held chunk 100000 at once");
      assertTrue(CompletableFuture.supplyAsync(() -> locks.tryLockRange(8, 8)).get(30, TimeUnit.SECONDS) == null,
          "another thread took chunk 8 while it was held");
      assertTrue(locks.of(100_000).isWriteLocked());
    } finally {
      ChunkLocks.unlock(a);
    }
    assertEquals(1, b.get(30, TimeUnit.SECONDS), "the waiting writer got chunk 100000 once it was free");
    List<ReentrantReadWriteLock> again = locks.tryLockRange(7, 9);
    assertEquals(3, again.size());
    ChunkLocks.unlock(again);
  }

  @Test
  void rangesThatWrapTheStripesComeInAscendingOrder() {
    ChunkLocks locks = new ChunkLocks();
    long first = ChunkLocks.STRIPES - 2;
    List<ReentrantReadWriteLock> held = locks.lockRange(first, first + 3); // stripes S-2, S-1, 0, 1
    try {
      assertEquals(4, held.size());
      assertTrue(held.get(0) == locks.of(0) && held.get(3) == locks.of(first + 1), "not in ascending stripe order");
    } finally {
      ChunkLocks.unlock(held);
    }
  }

  private static boolean completesWithin(CompletableFuture<?> f, long millis) throws Exception {
    try {
      f.get(millis, TimeUnit.MILLISECONDS);
      return true;
    } catch (java.util.concurrent.TimeoutException e) {
      return false;
    }
  }
}
