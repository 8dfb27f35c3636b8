package io.deltasnap.engine.pdata;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Decoded clean nodes by page number, least recently used evicted first, bounded by an
 * approximate heap budget in bytes. Memory use does not grow with the number of exceptions
 * beyond this bound (dirty nodes of the open transaction are held by their parents, not here).
 */
public final class NodeCache {
  /** Default budget: 64 MiB. */
  public static final long DEFAULT_BYTES = 64L << 20;

  private final Pages pages;
  private final long budget;
  private final LinkedHashMap<Long, Node> map = new LinkedHashMap<>(1024, 0.75f, true);
  private long used;
  private final AtomicLong hits = new AtomicLong();
  private final AtomicLong misses = new AtomicLong();

  public NodeCache(Pages pages, long budgetBytes) {
    this.pages = pages;
    this.budget = Math.max(budgetBytes, 64 * 1024);
  }

  /** Loads and validates the node at {@code page}, from memory when it is cached. */
  Node get(long page, int treeId, int expectLevel, String where) throws IOException {
    synchronized (this) {
      Node x = map.get(page);
      if (x != null && x.treeId == treeId) {
        hits.incrementAndGet();
        return x;
      }
    }
    misses.incrementAndGet();
    Node x = NodeCodec.decode(pages.readPage(page), page, treeId, expectLevel, where);
    put(x);
    return x;
  }

  synchronized void put(Node x) {
    assert !x.dirty();
    Node old = map.put(x.page, x);
    if (old != null) {
      used -= old.heapBytes();
    }
    used += x.heapBytes();
    var it = map.entrySet().iterator();
    while (used > budget && it.hasNext()) {
      Map.Entry<Long, Node> e = it.next();
      if (e.getKey() == x.page) {
        continue;
      }
      used -= e.getValue().heapBytes();
      it.remove();
    }
  }

  synchronized void evict(long page) {
    Node old = map.remove(page);
    if (old != null) {
      used -= old.heapBytes();
    }
  }

  public long hits() {
    return hits.get();
  }

  public long misses() {
    return misses.get();
  }

  public synchronized long usedBytes() {
    return used;
  }

  public long budgetBytes() {
    return budget;
  }

  public synchronized int entries() {
    return map.size();
  }
}
