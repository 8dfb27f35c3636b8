package io.deltasnap.engine.pdata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The space map against a bitmap model: allocations never overlap live pages, frees come back. */
class SpaceMapTest {
  @Test
  void allocationsNeverOverlapAndReleasedPagesReturnAfterTheCommit() throws Exception {
    Random r = new Random(1);
    SpaceMap m = new SpaceMap(Pages.FIRST_DATA_PAGE, Long.MAX_VALUE);
    BitSet live = new BitSet();
    List<long[]> owned = new ArrayList<>();
    List<long[]> pending = new ArrayList<>();
    for (int i = 0; i < 20_000; i++) {
      int k = r.nextInt(10);
      if (k < 5) {
        long n = 1 + r.nextInt(r.nextBoolean() ? 2 : 40);
        long s = m.allocate(n);
        assertTrue(s >= Pages.FIRST_DATA_PAGE);
        int clash = live.nextSetBit((int) s);
        assertFalse(clash >= 0 && clash < s + n, "allocation " + s + "+" + n + " overlaps live page " + clash);
        live.set((int) s, (int) (s + n));
        owned.add(new long[] {s, n});
      } else if (k < 9 && !owned.isEmpty()) {
        long[] e = owned.remove(r.nextInt(owned.size()));
        m.release(e[0], e[1]);
        pending.add(e);
      } else {
        List<long[]> released = m.takePending();
        assertEquals(pending.size(), released.size());
        m.commitDurable(released);
        for (long[] e : pending) {
          live.clear((int) e[0], (int) (e[0] + e[1]));
        }
        pending.clear();
        m.shrinkTail();
        assertTrue(m.end() >= live.length(), "shrank below a live page");
      }
    }
    long usedPages = live.cardinality();
    assertTrue(m.end() - Pages.FIRST_DATA_PAGE - m.freePages() == usedPages, // live includes pages still pending
        "accounting: end " + m.end() + ", free " + m.freePages() + ", live " + usedPages);
  }
}
