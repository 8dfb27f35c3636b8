package io.deltasnap.engine.pdata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.deltasnap.engine.CorruptionException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * The free-list chain on its own: what a commit writes loads back as the same free extents, on
 * either side of a page's capacity, and a damaged page of the chain is refused naming that page.
 */
class FreeListTest {
  static final long END = 4000;

  final Pages store = new Pages(new SuperblocksTest.ArrayFile((int) END * Pages.PAGE_SIZE), "vol/store");

  /** A space map with {@code n} one-page free extents that do not touch: 10, 12, 14, ... */
  static SpaceMap withFreeExtents(int n) {
    SpaceMap s = new SpaceMap(END, Long.MAX_VALUE);
    for (int i = 0; i < n; i++) {
      s.addFree(10 + 2L * i, 1);
    }
    return s;
  }

  static List<String> extents(SpaceMap s) {
    List<String> out = new ArrayList<>();
    for (long[] e : s.snapshotForCommit()) {
      out.add(e[0] + "+" + e[1]);
    }
    return out;
  }

  List<Long> write(SpaceMap s, long seq) throws IOException {
    return FreeList.write(s, seq, store::writePage);
  }

  @Test
  void whatACommitWritesLoadsBackAsTheSameFreeExtents() throws IOException {
    int per = FreeList.PER_PAGE;
    assertEquals(254, per, "(4096 - 32) / 16 extents a page");
    // the chain's own pages come out of the free extents first, so n extents leave n - pages recorded
    int[][] cases = {{1, 1}, {per, 1}, {per + 1, 1}, {per + 2, 2}, {2 * per + 2, 2}, {3 * per + 10, 4}};
    for (int[] c : cases) {
      SpaceMap written = withFreeExtents(c[0]);
      List<Long> chain = write(written, 42);
      assertEquals(c[1], chain.size(), c[0] + " free extents: pages of the chain");
      assertEquals(c[0] - c[1], written.snapshotForCommit().size(), "the chain does not list itself");
      SpaceMap loaded = new SpaceMap(END, 0);
      assertEquals(chain, FreeList.load(store, chain.get(0), END, loaded));
      assertEquals(extents(written), extents(loaded), c[0] + " free extents");
      assertEquals(written.freePages(), loaded.freePages());
      for (long p : chain) {
        assertEquals(42, store.readPage(p).getLong(24), "page " + p + " names the commit that wrote it");
      }
    }
  }

  @Test
  void nothingFreeWritesNoChainAndAnEmptyHeadLoadsNothing() throws IOException {
    assertEquals(List.of(), write(new SpaceMap(END, Long.MAX_VALUE), 5));
    SpaceMap loaded = new SpaceMap(END, 0);
    assertEquals(List.of(), FreeList.load(store, 0, END, loaded));
    assertEquals(0, loaded.freePages());
  }

  @Test
  void theLayoutIsTheTableAtopTheList() throws IOException {
    SpaceMap s = withFreeExtents(3); // the chain takes page 10; 12 and 14 are recorded
    long head = write(s, 9).get(0);
    assertEquals(10, head);
    ByteBuffer b = store.readPage(head);
    assertEquals(Pages.crc(b, 4, Pages.PAGE_SIZE - 4), b.getInt(0));
    assertEquals(0x4C46, b.getShort(4));
    assertEquals(2, b.getShort(6));
    assertEquals(head, b.getLong(8));
    assertEquals(0, b.getLong(16), "the last page links to 0");
    assertEquals(9, b.getLong(24));
    assertEquals(12, b.getLong(32));
    assertEquals(1, b.getLong(40));
    assertEquals(14, b.getLong(48));
    assertEquals(1, b.getLong(56));
    assertEquals(0, b.getLong(64), "nothing after the last extent");
  }

  @Test
  void aDamagedPageOfTheChainIsRefusedNamingThatPage() throws IOException {
    refused(b -> b.put(100, (byte) 1), false, "free list page 10: checksum mismatch");
    refused(b -> b.putShort(4, (short) 0x464C), true, "free list page 10: bad magic or misdirected write");
    refused(b -> b.putLong(8, 11), true, "free list page 10: bad magic or misdirected write");
    refused(b -> b.putShort(6, (short) 255), true, "free list page 10: entry count 255 > 254");
    refused(b -> b.putLong(48, 13), true, "free list page 10: extent 1 (13+1) out of order or bounds"); // touches 12+1
    refused(b -> b.putLong(48, 12), true, "free list page 10: extent 1 (12+1) out of order or bounds");
    refused(b -> b.putLong(40, 0), true, "free list page 10: extent 0 (12+0) out of order or bounds");
    refused(b -> b.putLong(32, 1), true, "free list page 10: extent 0 (1+1) out of order or bounds");
    refused(b -> b.putLong(56, END - 14 + 1), true, "free list page 10: extent 1 (14+" + (END - 13) + ") out of order");
    refused(b -> b.putLong(16, END), true, "free list page " + END + " out of bounds");
    refused(b -> b.putLong(16, 1), true, "free list page 1 out of bounds");
  }

  @Test
  void aChainThatLoopsBackOnItselfIsRefusedNotFollowedForever() throws IOException {
    ByteBuffer b = Pages.newPage();
    b.putShort(4, FreeList.MAGIC).putShort(6, (short) 0).putLong(8, 20).putLong(16, 20).putLong(24, 1);
    b.putInt(0, Pages.crc(b, 4, Pages.PAGE_SIZE - 4));
    store.writePage(20, b);
    CorruptionException e = assertThrows(CorruptionException.class, () -> FreeList.load(store, 20, END, new SpaceMap(END, 0)));
    assertTrue(e.getMessage().startsWith("vol/store: free list page 20"), e.getMessage());
  }

  /** The list of {@link #theLayoutIsTheTableAtopTheList}, damaged (and resealed if asked), is refused with {@code what}. */
  void refused(Consumer<ByteBuffer> damage, boolean reseal, String what) throws IOException {
    long head = write(withFreeExtents(3), 9).get(0);
    ByteBuffer b = store.readPage(head);
    damage.accept(b);
    if (reseal) {
      b.putInt(0, Pages.crc(b, 4, Pages.PAGE_SIZE - 4));
    }
    store.writePage(head, b.clear());
    CorruptionException e = assertThrows(CorruptionException.class, () -> FreeList.load(store, head, END, new SpaceMap(END, 0)),
        what);
    assertTrue(e.getMessage().startsWith("vol/store: " + what), e.getMessage());
  }
}
