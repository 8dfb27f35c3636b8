package io.deltasnap.engine.pdata;

import io.deltasnap.engine.CorruptionException;
import java.nio.ByteBuffer;

/**
 * Byte layout of a B-tree node page (4096 bytes, little-endian). Unpacking validates every
 * header field against its bound before anything is used.
 *
 * <pre>
 * offset size field
 *   0     4   crc32c of bytes [4, 4096)
 *   4     2   magic 0x5442 ("BT")
 *   6     1   kind: 1 = leaf, 2 = internal
 *   7     1   level: 0 for leaves, parent level - 1 below an internal node (≤ 32)
 *   8     2   n, entries that follow (a leaf: ≥ 1 unless it is an empty root)
 *  10     1   tree id (1 = exceptions, 2 = snapshots)
 *  11     1   reserved, 0
 *  12     8   page number of this node (a node found at another page was misdirected)
 *  20     8   commit sequence that wrote it
 *  28         entries, keys strictly ascending:
 *   leaf:     a u64 | b u64 | birth u64 | vlen u16 (≤ 512) | value[vlen]
 *   internal: a u64 | b u64 | child page u64 | newest birth below u64
 * rest        zero
 * </pre>
 */
final class NodeCodec {
  static final int HEADER_BYTES = 28;
  static final int LEAF_ENTRY_FIXED = 26;
  static final int INTERNAL_ENTRY = 32;
  static final int MAX_VALUE = 512;
  static final int MAX_LEVEL = 32;
  static final short MAGIC = 0x5442;
  static final byte KIND_LEAF = 1;
  static final byte KIND_INTERNAL = 2;

  private NodeCodec() {}

  static ByteBuffer encode(Node x, long page, long seq) {
    assert x.bytes <= Pages.PAGE_SIZE : "node overflows its page: " + x.bytes;
    ByteBuffer b = Pages.newPage();
    b.position(4);
    b.putShort(MAGIC);
    b.put(x.leaf ? KIND_LEAF : KIND_INTERNAL);
    b.put((byte) x.level);
    b.putShort((short) x.n);
    b.put((byte) x.treeId);
    b.put((byte) 0);
    b.putLong(page);
    b.putLong(seq);
    for (int i = 0; i < x.n; i++) {
      b.putLong(x.ka[i]);
      b.putLong(x.kb[i]);
      if (x.leaf) {
        b.putLong(x.birth[i]);
        b.putShort((short) x.vals[i].length);
        b.put(x.vals[i]);
      } else {
        assert x.child[i] != 0 : "internal node written before its child";
        b.putLong(x.child[i]);
        b.putLong(x.birth[i]);
      }
    }
    b.putInt(0, Pages.crc(b, 4, Pages.PAGE_SIZE - 4));
    b.clear();
    return b;
  }

  /**
   * Decodes and validates the node at {@code page}.
   *
   * @param expectLevel the level the parent implies, or -1 for a root
   * @param where       names the tree and path for error messages
   */
  static Node decode(ByteBuffer b, long page, int treeId, int expectLevel, String where)
      throws CorruptionException {
    int stored = b.getInt(0);
    int actual = Pages.crc(b, 4, Pages.PAGE_SIZE - 4);
    if (stored != actual) {
      throw bad(where, page, String.format("checksum mismatch (stored %08x, computed %08x)", stored, actual));
    }
    if (b.getShort(4) != MAGIC) {
      throw bad(where, page, String.format("bad magic %04x, expected %04x", b.getShort(4), MAGIC));
    }
    byte kind = b.get(6);
    if (kind != KIND_LEAF && kind != KIND_INTERNAL) {
      throw bad(where, page, "unknown node kind " + kind);
    }
    int level = b.get(7) & 0xff;
    if (level > MAX_LEVEL || (kind == KIND_LEAF) != (level == 0)) {
      throw bad(where, page, "level " + level + " does not fit kind " + kind);
    }
    if (expectLevel >= 0 && level != expectLevel) {
      throw bad(where, page, "level " + level + ", parent expects " + expectLevel);
    }
    int n = b.getShort(8) & 0xffff;
    int maxEntries = (Pages.PAGE_SIZE - HEADER_BYTES) / (kind == KIND_LEAF ? LEAF_ENTRY_FIXED : INTERNAL_ENTRY);
    if (n > maxEntries) {
      throw bad(where, page, "nr_entries " + n + " > max_entries " + maxEntries);
    }
    if ((b.get(10) & 0xff) != treeId) {
      throw bad(where, page, "belongs to tree " + b.get(10) + ", expected " + treeId);
    }
    if (b.getLong(12) != page) {
      throw bad(where, page, "written for page " + b.getLong(12) + " (misdirected write)");
    }
    boolean leaf = kind == KIND_LEAF;
    Node x = new Node(leaf, level, treeId, Math.max(4, n));
    int pos = HEADER_BYTES;
    for (int i = 0; i < n; i++) {
      int need = leaf ? LEAF_ENTRY_FIXED : INTERNAL_ENTRY;
      if (pos + need > Pages.PAGE_SIZE) {
        throw bad(where, page, "entry " + i + " runs past the page end");
      }
      x.ka[i] = b.getLong(pos);
      x.kb[i] = b.getLong(pos + 8);
      if (i > 0 && Node.compare(x.ka[i - 1], x.kb[i - 1], x.ka[i], x.kb[i]) >= 0) {
        throw bad(where, page, "keys out of order at entry " + i);
      }
      if (leaf) {
        x.birth[i] = b.getLong(pos + 16);
        int vlen = b.getShort(pos + 24) & 0xffff;
        if (vlen > MAX_VALUE || pos + LEAF_ENTRY_FIXED + vlen > Pages.PAGE_SIZE) {
          throw bad(where, page, "entry " + i + " value length " + vlen + " out of bounds");
        }
        byte[] v = new byte[vlen];
        b.get(pos + LEAF_ENTRY_FIXED, v);
        x.vals[i] = v;
        pos += LEAF_ENTRY_FIXED + vlen;
      } else {
        long c = b.getLong(pos + 16);
        if (c < Pages.FIRST_DATA_PAGE) {
          throw bad(where, page, "entry " + i + " points at reserved page " + c);
        }
        x.child[i] = c;
        x.birth[i] = b.getLong(pos + 24);
        pos += INTERNAL_ENTRY;
      }
    }
    x.n = n;
    x.bytes = pos;
    x.page = page;
    return x;
  }

  private static CorruptionException bad(String where, long page, String what) {
    return new CorruptionException(where + " page " + page + ": " + what);
  }
}
