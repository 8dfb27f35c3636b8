package io.deltasnap.engine.pdata;

import io.deltasnap.engine.CorruptionException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The persisted free-extent list of one commit: a chain of pages, rewritten at each commit that
 * changed the space map. Little-endian, 4096 bytes per page:
 *
 * <pre>
 * offset size field
 *    0    4   crc32c of bytes [4, 4096)
 *    4    2   magic 0x4C46 ("FL")
 *    6    2   n, extents in this page (≤ 254)
 *    8    8   page number of this page
 *   16    8   next page of the chain (0 = last)
 *   24    8   commit sequence that wrote it
 *   32        n × (start page u64, length in pages u64), ascending, not touching
 * </pre>
 */
public final class FreeList {
  static final short MAGIC = 0x4C46;
  static final int HEADER = 32;
  public static final int PER_PAGE = (Pages.PAGE_SIZE - HEADER) / 16;

  private FreeList() {}

  /** Reads the chain at {@code head}, validating each page, into {@code space}; returns its pages. */
  public static List<Long> load(Pages pages, long head, long storeEnd, SpaceMap space) throws IOException {
    List<Long> chain = new ArrayList<>();
    long p = head;
    long lastEnd = 0;
    while (p != 0) {
      if (p < Pages.FIRST_DATA_PAGE || p >= storeEnd || chain.size() > storeEnd) {
        throw new CorruptionException(pages.name() + ": free list page " + p + " out of bounds");
      }
      ByteBuffer b = pages.readPage(p);
      String at = pages.name() + ": free list page " + p + ": ";
      if (b.getInt(0) != Pages.crc(b, 4, Pages.PAGE_SIZE - 4)) {
        throw new CorruptionException(at + "checksum mismatch");
      }
      if (b.getShort(4) != MAGIC || b.getLong(8) != p) {
        throw new CorruptionException(at + "bad magic or misdirected write");
      }
      int n = b.getShort(6) & 0xffff;
      if (n > PER_PAGE) {
        throw new CorruptionException(at + "entry count " + n + " > " + PER_PAGE);
      }
      for (int i = 0; i < n; i++) {
        long s = b.getLong(HEADER + i * 16);
        long len = b.getLong(HEADER + i * 16 + 8);
        // len > storeEnd - s, not s + len > storeEnd: a damaged length near 2^63 must not wrap around
        if (s < lastEnd || len <= 0 || s < Pages.FIRST_DATA_PAGE || s >= storeEnd || len > storeEnd - s) {
          throw new CorruptionException(at + "extent " + i + " (" + s + "+" + len + ") out of order or bounds");
        }
        lastEnd = s + len + 1;
        space.addFree(s, len);
      }
      chain.add(p);
      p = b.getLong(16);
    }
    return chain;
  }

  /**
   * Writes the free list for a commit. Pages for the list itself come from {@code space}; the
   * extents recorded are taken after those allocations, so the list never lists itself.
   * Returns the chain's pages (first = head), empty when there is nothing free.
   */
  public static List<Long> write(SpaceMap space, long seq, BTree.PageWriter out) throws IOException {
    List<Long> chain = new ArrayList<>();
    List<long[]> extents = space.snapshotForCommit();
    while ((long) chain.size() * PER_PAGE < extents.size()) {
      chain.add(space.allocate(1));
      extents = space.snapshotForCommit();
    }
    int idx = 0;
    for (int c = 0; c < chain.size(); c++) {
      long p = chain.get(c);
      ByteBuffer b = Pages.newPage();
      int n = Math.min(PER_PAGE, extents.size() - idx);
      b.putShort(4, MAGIC);
      b.putShort(6, (short) n);
      b.putLong(8, p);
      b.putLong(16, c + 1 < chain.size() ? chain.get(c + 1) : 0);
      b.putLong(24, seq);
      for (int i = 0; i < n; i++) {
        long[] e = extents.get(idx++);
        b.putLong(HEADER + i * 16, e[0]);
        b.putLong(HEADER + i * 16 + 8, e[1]);
      }
      b.putInt(0, Pages.crc(b, 4, Pages.PAGE_SIZE - 4));
      out.write(p, b);
    }
    assert idx == extents.size();
    return chain;
  }
}
