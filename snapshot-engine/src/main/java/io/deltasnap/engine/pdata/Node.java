package io.deltasnap.engine.pdata;

import java.util.Arrays;

/**
 * One B-tree node in memory. Keys are pairs of longs {@code (a, b)} ordered by a, then b.
 * A leaf holds values and the birth epoch of each entry; an internal node holds, per child,
 * the child's smallest key, its page (or the in-memory child while it is dirty) and the newest
 * birth epoch anywhere below it.
 *
 * <p>A node with {@code page != 0} is clean: it is on disk at that page, may be shared through
 * the cache, and is never modified. Changing it means copying it first ({@link #copy()}).
 */
final class Node {
  final boolean leaf;
  final int level;
  final int treeId;
  int n;
  long[] ka;
  long[] kb;
  /** leaf: the entry's birth epoch; internal: the newest birth epoch below the child. */
  long[] birth;
  /** leaf only. */
  byte[][] vals;
  /** internal only: the child's page, 0 while the child is dirty. */
  long[] child;
  /** internal only: the dirty in-memory child, or null. */
  Node[] kids;
  /** page on disk, 0 while dirty. */
  long page;
  /** serialized size in bytes, header included. */
  int bytes;

  Node(boolean leaf, int level, int treeId, int capacity) {
    this.leaf = leaf;
    this.level = level;
    this.treeId = treeId;
    ka = new long[capacity];
    kb = new long[capacity];
    birth = new long[capacity];
    if (leaf) {
      vals = new byte[capacity][];
    } else {
      child = new long[capacity];
      kids = new Node[capacity];
    }
    bytes = NodeCodec.HEADER_BYTES;
  }

  boolean dirty() {
    return page == 0;
  }

  /** A dirty copy of this node, sharing the (immutable) value arrays. */
  Node copy() {
    Node c = new Node(leaf, level, treeId, Math.max(4, n + 4));
    c.n = n;
    System.arraycopy(ka, 0, c.ka, 0, n);
    System.arraycopy(kb, 0, c.kb, 0, n);
    System.arraycopy(birth, 0, c.birth, 0, n);
    if (leaf) {
      System.arraycopy(vals, 0, c.vals, 0, n);
    } else {
      System.arraycopy(child, 0, c.child, 0, n);
      if (kids != null) {
        System.arraycopy(kids, 0, c.kids, 0, n);
      }
    }
    c.bytes = bytes;
    return c;
  }

  static int compare(long a1, long b1, long a2, long b2) {
    int c = Long.compare(a1, a2);
    return c != 0 ? c : Long.compare(b1, b2);
  }

  /** Index of the greatest key ≤ (a, b), or -1. */
  int floorIndex(long a, long b) {
    int lo = 0;
    int hi = n - 1;
    int found = -1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      if (compare(ka[mid], kb[mid], a, b) <= 0) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }

  long maxBirth() {
    long m = 0;
    for (int i = 0; i < n; i++) {
      m = Math.max(m, birth[i]);
    }
    return m;
  }

  int entryBytes(int i) {
    return leaf ? NodeCodec.LEAF_ENTRY_FIXED + vals[i].length : NodeCodec.INTERNAL_ENTRY;
  }

  private void ensureCapacity() {
    if (n < ka.length) {
      return;
    }
    int cap = ka.length * 2;
    ka = Arrays.copyOf(ka, cap);
    kb = Arrays.copyOf(kb, cap);
    birth = Arrays.copyOf(birth, cap);
    if (leaf) {
      vals = Arrays.copyOf(vals, cap);
    } else {
      child = Arrays.copyOf(child, cap);
      kids = Arrays.copyOf(kids, cap);
    }
  }

  private void openGap(int i) {
    ensureCapacity();
    int m = n - i;
    System.arraycopy(ka, i, ka, i + 1, m);
    System.arraycopy(kb, i, kb, i + 1, m);
    System.arraycopy(birth, i, birth, i + 1, m);
    if (leaf) {
      System.arraycopy(vals, i, vals, i + 1, m);
    } else {
      System.arraycopy(child, i, child, i + 1, m);
      System.arraycopy(kids, i, kids, i + 1, m);
    }
    n++;
  }

  void insertLeaf(int i, long a, long b, long bth, byte[] v) {
    assert leaf && dirty();
    openGap(i);
    ka[i] = a;
    kb[i] = b;
    birth[i] = bth;
    vals[i] = v;
    bytes += NodeCodec.LEAF_ENTRY_FIXED + v.length;
  }

  void replaceLeaf(int i, long bth, byte[] v) {
    assert leaf && dirty();
    bytes += v.length - vals[i].length;
    birth[i] = bth;
    vals[i] = v;
  }

  void insertChild(int i, Node kid) {
    assert !leaf && dirty();
    openGap(i);
    ka[i] = kid.ka[0];
    kb[i] = kid.kb[0];
    birth[i] = kid.maxBirth();
    child[i] = kid.page;
    kids[i] = kid.dirty() ? kid : null;
    bytes += NodeCodec.INTERNAL_ENTRY;
  }

  void remove(int i) {
    assert dirty();
    bytes -= entryBytes(i);
    int m = n - i - 1;
    System.arraycopy(ka, i + 1, ka, i, m);
    System.arraycopy(kb, i + 1, kb, i, m);
    System.arraycopy(birth, i + 1, birth, i, m);
    if (leaf) {
      System.arraycopy(vals, i + 1, vals, i, m);
      vals[n - 1] = null;
    } else {
      System.arraycopy(child, i + 1, child, i, m);
      System.arraycopy(kids, i + 1, kids, i, m);
      kids[n - 1] = null;
    }
    n--;
  }

  /** Appends every entry of {@code r}, whose keys all follow this dirty node's, to this node. */
  void absorb(Node r) {
    assert dirty() && leaf == r.leaf && level == r.level;
    for (int j = 0; j < r.n; j++) {
      openGap(n);
      int i = n - 1;
      ka[i] = r.ka[j];
      kb[i] = r.kb[j];
      birth[i] = r.birth[j];
      if (leaf) {
        vals[i] = r.vals[j];
      } else {
        child[i] = r.child[j];
        kids[i] = r.kids == null ? null : r.kids[j];
      }
      bytes += r.entryBytes(j);
    }
  }

  /** Moves the upper half (by bytes) of this dirty node into a new dirty node and returns it. */
  Node splitHalf() {
    assert dirty() && n >= 2;
    int half = bytes / 2;
    int acc = NodeCodec.HEADER_BYTES;
    int cut = 1;
    for (int i = 0; i < n - 1; i++) {
      acc += entryBytes(i);
      cut = i + 1;
      if (acc >= half) {
        break;
      }
    }
    Node r = new Node(leaf, level, treeId, Math.max(4, n - cut + 4));
    for (int i = cut; i < n; i++) {
      int j = i - cut;
      r.bytes += entryBytes(i);
      r.ka[j] = ka[i];
      r.kb[j] = kb[i];
      r.birth[j] = birth[i];
      if (leaf) {
        r.vals[j] = vals[i];
        vals[i] = null;
      } else {
        r.child[j] = child[i];
        r.kids[j] = kids[i];
        kids[i] = null;
      }
    }
    r.n = n - cut;
    bytes -= r.bytes - NodeCodec.HEADER_BYTES;
    n = cut;
    return r;
  }

  /** Approximate heap footprint, for the cache's byte budget. */
  int heapBytes() {
    return 96 + ka.length * (leaf ? 24 + 16 : 40) + (leaf ? bytes : 0);
  }
}
