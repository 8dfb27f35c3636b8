package io.deltasnap.engine.pdata;

import io.deltasnap.engine.CorruptionException;
import java.io.IOException;
import java.util.Arrays;

/**
 * A copy-on-write B-tree of {@code (a, b) → value} with a birth epoch per entry, stored in pages.
 * Clean nodes are never modified: a change copies the path from the root down to the leaf,
 * releasing the old pages to the {@link SpaceMap} (free once the next commit is durable), and
 * {@link #flush} writes the dirty nodes bottom-up at commit time.
 *
 * <p>Invariants: keys ascend strictly across the whole tree; an internal entry's key is the
 * smallest key of its child, and its birth is the newest birth anywhere below that child.
 * Not thread-safe: callers hold the volume's tree lock (shared for reads, exclusive for changes).
 *
 * <p>After a delete, a node that has fallen below a quarter of a page is merged with a neighbour
 * when the two fit in one page, and an empty node is removed from its parent; so a tree that has
 * lost most of its entries shrinks back towards the size of a freshly built one instead of
 * keeping one sparse page per key range it ever held.
 */
public final class BTree {
  private final int treeId;
  private final String name;
  private final NodeCache cache;
  private final SpaceMap space;
  private Node root; // null when empty
  private long count;

  public BTree(int treeId, String name, NodeCache cache, SpaceMap space) {
    this.treeId = treeId;
    this.name = name;
    this.cache = cache;
    this.space = space;
  }

  /** Opens the tree whose root is at {@code rootPage} (0 = empty) holding {@code count} entries. */
  public void load(long rootPage, long count) throws IOException {
    this.root = rootPage == 0 ? null : cache.get(rootPage, treeId, -1, name + " root");
    this.count = count;
  }

  public String name() {
    return name;
  }

  public long count() {
    return count;
  }

  public int height() {
    return root == null ? 0 : root.level + 1;
  }

  /** A stored entry. {@code value} must not be modified. */
  public record Entry(long a, long b, long birth, byte[] value) {}

  /** The greatest entry with key ≤ (a, b), or null. */
  public Entry floor(long a, long b) throws IOException {
    Node x = root;
    if (x == null) {
      return null;
    }
    long[] path = new long[x.level + 1];
    int depth = 0;
    while (!x.leaf) {
      path[depth++] = x.page;
      int i = x.floorIndex(a, b);
      if (i < 0) {
        return null;
      }
      x = child(x, i, path, depth);
    }
    int i = x.floorIndex(a, b);
    return i < 0 ? null : new Entry(x.ka[i], x.kb[i], x.birth[i], x.vals[i]);
  }

  /** The entry with exactly this key, or null. */
  public Entry get(long a, long b) throws IOException {
    Entry e = floor(a, b);
    return e != null && e.a == a && e.b == b ? e : null;
  }

  /** The least entry with key ≥ (a, b), or null. */
  public Entry ceiling(long a, long b) throws IOException {
    Entry[] out = new Entry[1];
    walkFrom(a, b, (e) -> {
      out[0] = e;
      return false;
    });
    return out[0];
  }

  /** Visits entries in key order from (a, b) on while the visitor returns true. */
  public interface EntryVisitor {
    boolean visit(Entry e) throws IOException;
  }

  public void walkFrom(long a, long b, EntryVisitor v) throws IOException {
    if (root != null) {
      walkRec(root, a, b, v, new long[root.level + 1], 0);
    }
  }

  private boolean walkRec(Node x, long a, long b, EntryVisitor v, long[] path, int depth) throws IOException {
    if (x.leaf) {
      int i = Math.max(0, x.floorIndex(a, b));
      for (; i < x.n; i++) {
        if (Node.compare(x.ka[i], x.kb[i], a, b) >= 0
            && !v.visit(new Entry(x.ka[i], x.kb[i], x.birth[i], x.vals[i]))) {
          return false;
        }
      }
      return true;
    }
    path[depth] = x.page;
    for (int i = Math.max(0, x.floorIndex(a, b)); i < x.n; i++) {
      if (!walkRec(child(x, i, path, depth + 1), a, b, v, path, depth + 1)) {
        return false;
      }
    }
    return true;
  }

  /** Inserts or replaces the entry at (a, b). */
  public void put(long a, long b, byte[] value, long birth) throws IOException {
    if (value.length > NodeCodec.MAX_VALUE) {
      throw new IllegalArgumentException("value of " + value.length + " bytes exceeds " + NodeCodec.MAX_VALUE);
    }
    if (root == null) {
      root = new Node(true, 0, treeId, 8);
      root.insertLeaf(0, a, b, birth, value);
      count++;
      return;
    }
    root = mutable(root);
    Node split = putRec(root, a, b, value, birth, new long[root.level + 1], 0);
    if (split != null) {
      Node r = new Node(false, root.level + 1, treeId, 8);
      r.insertChild(0, root);
      r.insertChild(1, split);
      root = r;
    }
  }

  private Node putRec(Node x, long a, long b, byte[] value, long birth, long[] path, int depth) throws IOException {
    if (x.leaf) {
      int i = x.floorIndex(a, b);
      if (i >= 0 && x.ka[i] == a && x.kb[i] == b) {
        x.replaceLeaf(i, birth, value);
      } else {
        x.insertLeaf(i + 1, a, b, birth, value);
        count++;
      }
      return x.bytes > Pages.PAGE_SIZE ? x.splitHalf() : null;
    }
    path[depth] = x.page;
    int i = Math.max(0, x.floorIndex(a, b));
    Node c = mutable(child(x, i, path, depth + 1));
    setChild(x, i, c);
    Node split = putRec(c, a, b, value, birth, path, depth + 1);
    refresh(x, i, c);
    if (split != null) {
      x.insertChild(i + 1, split);
      if (x.bytes > Pages.PAGE_SIZE) {
        return x.splitHalf();
      }
    }
    return null;
  }

  /** Removes the entry at (a, b); returns whether it existed. */
  public boolean remove(long a, long b) throws IOException {
    if (get(a, b) == null) {
      return false;
    }
    root = mutable(root);
    removeRec(root, a, b, new long[root.level + 1], 0);
    count--;
    while (root != null && !root.leaf && root.n == 1) {
      root = child(root, 0, new long[] {root.page}, 1);
    }
    if (root != null && root.n == 0) {
      if (!root.dirty()) {
        release(root);
      }
      root = null;
    }
    return true;
  }

  private void removeRec(Node x, long a, long b, long[] path, int depth) throws IOException {
    if (x.leaf) {
      int i = x.floorIndex(a, b);
      assert i >= 0 && x.ka[i] == a && x.kb[i] == b;
      x.remove(i);
      return;
    }
    path[depth] = x.page;
    int i = x.floorIndex(a, b);
    Node c = mutable(child(x, i, path, depth + 1));
    setChild(x, i, c);
    removeRec(c, a, b, path, depth + 1);
    if (c.n == 0) {
      x.remove(i);
    } else {
      refresh(x, i, c);
      if (c.bytes < MERGE_BELOW && x.n > 1) {
        mergeWithNeighbour(x, i, path, depth);
      }
    }
  }

  /** A node smaller than this after a delete is merged with a neighbour when both fit a page. */
  static final int MERGE_BELOW = Pages.PAGE_SIZE / 4;

  /**
   * Merges child {@code i} of the dirty node {@code x} with its right neighbour (or its left one,
   * for the last child) when their entries fit in one page. The survivor is the left of the pair;
   * the right one's page, if it had one, is released like any node replaced by a change.
   */
  private void mergeWithNeighbour(Node x, int i, long[] path, int depth) throws IOException {
    int l = i + 1 < x.n ? i : i - 1;
    Node left = child(x, l, path, depth + 1);
    Node right = child(x, l + 1, path, depth + 1);
    if (left.bytes + right.bytes - NodeCodec.HEADER_BYTES > Pages.PAGE_SIZE) {
      return;
    }
    left = mutable(left);
    setChild(x, l, left);
    left.absorb(right);
    if (!right.dirty()) {
      release(right);
    }
    x.remove(l + 1);
    refresh(x, l, left);
  }

  /** Writes every dirty node (children first); returns the root page (0 if empty). */
  public long flush(long seq, PageWriter out) throws IOException {
    if (root == null) {
      return 0;
    }
    if (root.dirty()) {
      flushRec(root, seq, out);
    }
    return root.page;
  }

  /** Where flushed pages go. */
  public interface PageWriter {
    void write(long page, java.nio.ByteBuffer buf) throws IOException;
  }

  private void flushRec(Node x, long seq, PageWriter out) throws IOException {
    if (!x.leaf) {
      for (int i = 0; i < x.n; i++) {
        Node k = x.kids[i];
        if (k != null) {
          flushRec(k, seq, out);
          x.child[i] = k.page;
          x.kids[i] = null;
        }
      }
      Arrays.fill(x.kids, null);
    }
    long page = space.allocate(1);
    out.write(page, NodeCodec.encode(x, page, seq));
    x.page = page;
    cache.put(x);
  }

  public boolean dirty() {
    return root != null && root.dirty();
  }

  public long rootPage() {
    return root == null ? 0 : root.page;
  }

  // ---- walking with birth pruning (used by the diff and restore walkers) ----

  /** Visitor for {@link #walkNewerThan}. */
  public interface BirthVisitor {
    void visit(Entry e) throws IOException;
  }

  /**
   * Visits, in key order, every entry born after {@code sinceEpoch}, skipping each subtree whose
   * newest birth is not after it. Returns the number of nodes visited.
   */
  public long walkNewerThan(long sinceEpoch, BirthVisitor v) throws IOException {
    if (root == null) {
      return 0;
    }
    long[] visited = new long[1];
    walkBirth(root, sinceEpoch, v, visited, new long[root.level + 1], 0);
    return visited[0];
  }

  private void walkBirth(Node x, long since, BirthVisitor v, long[] visited, long[] path, int depth)
      throws IOException {
    visited[0]++;
    if (x.leaf) {
      for (int i = 0; i < x.n; i++) {
        if (x.birth[i] > since) {
          v.visit(new Entry(x.ka[i], x.kb[i], x.birth[i], x.vals[i]));
        }
      }
      return;
    }
    path[depth] = x.page;
    for (int i = 0; i < x.n; i++) {
      if (x.birth[i] > since) {
        walkBirth(child(x, i, path, depth + 1), since, v, visited, path, depth + 1);
      }
    }
  }

  /** Visits every node page of the tree (for checks and space accounting). */
  public interface NodeVisitor {
    void visit(long page, int level, int entries) throws IOException;
  }

  public void walkNodes(NodeVisitor v) throws IOException {
    if (root != null) {
      walkNodesRec(root, v, new long[root.level + 1], 0);
    }
  }

  private void walkNodesRec(Node x, NodeVisitor v, long[] path, int depth) throws IOException {
    v.visit(x.page, x.level, x.n);
    if (!x.leaf) {
      path[depth] = x.page;
      for (int i = 0; i < x.n; i++) {
        walkNodesRec(child(x, i, path, depth + 1), v, path, depth + 1);
      }
    }
  }

  /**
   * Checks what a single node cannot: each internal entry's key equals its child's smallest key,
   * its birth equals the newest birth below, keys ascend across leaves, and all leaves are at
   * level 0. Returns the first problem with its node path, or null.
   */
  public String verifyStructure() throws IOException {
    if (root == null) {
      return null;
    }
    long[] last = {Long.MIN_VALUE, Long.MIN_VALUE};
    boolean[] first = {true};
    return verifyRec(root, "root " + root.page, last, first);
  }

  private String verifyRec(Node x, String path, long[] last, boolean[] first) throws IOException {
    if (x.leaf) {
      for (int i = 0; i < x.n; i++) {
        if (!first[0] && Node.compare(last[0], last[1], x.ka[i], x.kb[i]) >= 0) {
          return path + ": key (" + x.ka[i] + ", " + x.kb[i] + ") not above the previous leaf's last key";
        }
        first[0] = false;
        last[0] = x.ka[i];
        last[1] = x.kb[i];
      }
      return null;
    }
    if (x.n == 0) {
      return path + ": empty internal node";
    }
    for (int i = 0; i < x.n; i++) {
      Node c = child(x, i, new long[] {x.page}, 1);
      String at = path + " > " + c.page;
      if (c.level != x.level - 1) {
        return at + ": level " + c.level + " under level " + x.level;
      }
      if (c.n == 0) {
        return at + ": empty node";
      }
      if (c.ka[0] != x.ka[i] || c.kb[0] != x.kb[i]) {
        return at + ": parent key (" + x.ka[i] + ", " + x.kb[i] + ") is not the child's first key ("
            + c.ka[0] + ", " + c.kb[0] + ")";
      }
      if (c.maxBirth() != x.birth[i]) {
        return at + ": parent records birth " + x.birth[i] + ", newest below is " + c.maxBirth();
      }
      String p = verifyRec(c, at, last, first);
      if (p != null) {
        return p;
      }
    }
    return null;
  }

  // ---- helpers ----

  private Node child(Node x, int i, long[] path, int depth) throws IOException {
    Node k = x.kids == null ? null : x.kids[i];
    if (k != null) {
      return k;
    }
    try {
      return cache.get(x.child[i], treeId, x.level - 1, name);
    } catch (CorruptionException e) {
      StringBuilder sb = new StringBuilder(name).append(" path: root");
      for (int d = 0; d < depth; d++) {
        sb.append(d == 0 ? " " : " > ").append(path[d] == 0 ? "(new)" : Long.toString(path[d]));
      }
      throw new CorruptionException(sb + " > entry " + i + ": " + e.getMessage());
    }
  }

  private Node mutable(Node x) {
    if (x.dirty()) {
      return x;
    }
    Node c = x.copy();
    release(x);
    return c;
  }

  private void release(Node x) {
    space.release(x.page, 1);
    cache.evict(x.page);
  }

  private static void setChild(Node x, int i, Node c) {
    x.kids[i] = c;
    x.child[i] = 0;
  }

  private static void refresh(Node x, int i, Node c) {
    x.ka[i] = c.ka[0];
    x.kb[i] = c.kb[0];
    x.birth[i] = c.maxBirth();
  }
}
