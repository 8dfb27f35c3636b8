package io.deltasnap.engine.pdata;

import io.deltasnap.engine.NoSpaceException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Which pages of the store are free. Three sets, all in pages:
 * <ul>
 *   <li>free: reusable now — no durable commit references them;</li>
 *   <li>pending: released in the open transaction; the last durable commit may still reference
 *       them, so they become free only once the next commit is durable;</li>
 *   <li>reserved: allocated for data whose key is not yet in the tree. A commit records them as
 *       free, since the state it makes durable does not reference them.</li>
 * </ul>
 * Pages at or above {@code end} were never allocated. Not thread-safe: the caller holds the
 * tree lock.
 */
public final class SpaceMap {
  private final TreeMap<Long, Long> free = new TreeMap<>();
  private final TreeMap<Long, Long> reserved = new TreeMap<>();
  private List<long[]> pending = new ArrayList<>();
  private long end;
  private long limitPages;
  private long freePages;

  public SpaceMap(long end, long limitPages) {
    this.end = Math.max(end, Pages.FIRST_DATA_PAGE);
    this.limitPages = limitPages;
  }

  public long end() {
    return end;
  }

  public long freePages() {
    return freePages;
  }

  public long pendingPages() {
    long n = 0;
    for (long[] e : pending) {
      n += e[1];
    }
    return n;
  }

  public void setLimitPages(long limitPages) {
    this.limitPages = limitPages;
  }

  /** Adds an extent known to be free (when loading the persisted free list). */
  public void addFree(long start, long len) {
    if (start < Pages.FIRST_DATA_PAGE || len <= 0 || start + len > end) {
      throw new IllegalArgumentException("free extent " + start + "+" + len + " outside [2, " + end + ")");
    }
    insertFree(start, len);
  }

  /** Allocates {@code n} contiguous pages: first fit among free extents, else at the end. */
  public long allocate(long n) throws NoSpaceException {
    for (Map.Entry<Long, Long> e : free.entrySet()) {
      long len = e.getValue();
      if (len >= n) {
        long start = e.getKey();
        free.remove(start); // (a removed TreeMap entry may take its successor's value: read it first)
        if (len > n) {
          free.put(start + n, len - n);
        }
        freePages -= n;
        return start;
      }
    }
    if (end + n > limitPages) {
      throw new NoSpaceException("exception store is full (" + end * Pages.PAGE_SIZE
          + " bytes in use, limit " + limitPages * Pages.PAGE_SIZE + ")");
    }
    long start = end;
    end += n;
    return start;
  }

  /**
   * Pages kept back from data so that commits (tree nodes, the free list) always find room
   * even when a capacity limit has been reached: a full store refuses new copies, never a commit.
   */
  public static final long METADATA_RESERVE = 1024;

  /** Pages that can still be allocated: free ones and those below the capacity limit. */
  public long available() {
    return freePages + Math.max(0, limitPages - end);
  }

  /** Allocates pages for data whose key will be inserted later; see class comment. */
  public long reserve(long n) throws NoSpaceException {
    if (limitPages != Long.MAX_VALUE && available() - n < METADATA_RESERVE) {
      throw new NoSpaceException("exception store is full: " + n + " pages needed, " + available()
          + " available of a " + limitPages * Pages.PAGE_SIZE + "-byte capacity (keeping "
          + METADATA_RESERVE + " for metadata)");
    }
    long start = allocate(n);
    reserved.put(start, n);
    return start;
  }

  /** The reserved data is now referenced by a key in the open transaction. */
  public void claim(long start) {
    Long n = reserved.remove(start);
    assert n != null : "claim of unreserved page " + start;
  }

  /** Gives a reservation back unused (the data write failed). */
  public void unreserve(long start) {
    Long n = reserved.remove(start);
    if (n != null) {
      insertFree(start, n);
    }
  }

  /** Releases pages the last durable commit may reference: free after the next commit. */
  public void release(long start, long n) {
    assert start >= Pages.FIRST_DATA_PAGE && start + n <= end;
    pending.add(new long[] {start, n});
  }

  /** Everything a commit must record as free: free ∪ pending ∪ reserved, coalesced. */
  public List<long[]> snapshotForCommit() {
    TreeMap<Long, Long> all = new TreeMap<>(free);
    for (long[] e : pending) {
      merge(all, e[0], e[1]);
    }
    for (Map.Entry<Long, Long> e : reserved.entrySet()) {
      merge(all, e.getKey(), e.getValue());
    }
    List<long[]> out = new ArrayList<>(all.size());
    for (Map.Entry<Long, Long> e : all.entrySet()) {
      out.add(new long[] {e.getKey(), e.getValue()});
    }
    return out;
  }

  /** Takes the pending list of the transaction being committed; call before the next changes. */
  public List<long[]> takePending() {
    List<long[]> p = pending;
    pending = new ArrayList<>();
    return p;
  }

  /** The commit that released {@code released} is durable: those pages are free now. */
  public void commitDurable(List<long[]> released) {
    for (long[] e : released) {
      insertFree(e[0], e[1]);
    }
  }

  /**
   * Gives back the free pages at the end of the store, so the file can shrink. Returns the new
   * end, or -1 if the last pages are in use.
   */
  public long shrinkTail() {
    Map.Entry<Long, Long> last = free.lastEntry();
    if (last == null || last.getKey() + last.getValue() != end) {
      return -1;
    }
    free.remove(last.getKey());
    freePages -= last.getValue();
    end = last.getKey();
    return end;
  }

  /** Whether every page of [start, start+n) is free now. */
  public boolean isFree(long start, long n) {
    Map.Entry<Long, Long> e = free.floorEntry(start);
    return e != null && e.getKey() + e.getValue() >= start + n;
  }

  private void insertFree(long start, long len) {
    freePages += len;
    merge(free, start, len);
  }

  private static void merge(TreeMap<Long, Long> map, long start, long len) {
    Map.Entry<Long, Long> lo = map.floorEntry(start);
    if (lo != null) {
      assert lo.getKey() + lo.getValue() <= start : "double free of page " + start;
      if (lo.getKey() + lo.getValue() == start) {
        start = lo.getKey();
        len += lo.getValue();
        map.remove(lo.getKey());
      }
    }
    Map.Entry<Long, Long> hi = map.ceilingEntry(start + 1);
    if (hi != null) {
      assert start + len <= hi.getKey() : "double free of page " + hi.getKey();
      if (start + len == hi.getKey()) {
        len += hi.getValue();
        map.remove(hi.getKey());
      }
    }
    map.put(start, len);
  }
}
