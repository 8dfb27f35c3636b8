package io.deltasnap.engine;

import io.deltasnap.engine.pdata.BTree;
import io.deltasnap.engine.pdata.MetaStore;
import io.deltasnap.engine.pdata.Pages;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.function.LongToIntFunction;

/**
 * Verifies a whole store, reading only: every node (checksum, bounds, ordering, its parent's
 * key and birth), every exception (range bounds, no overlap within a chunk, the copy's checksum),
 * every snapshot record, and that each page of the store is exactly one of: a superblock, a tree
 * node, a free-list page, free, or (part of) a copy named by keys of one chunk. Pages claimed twice
 * are damage; pages claimed by nothing are leaks.
 */
final class StoreChecker {
  private static final int MAX_REPORTED = 100;

  private final MetaStore meta;
  private final SnapshotTable snaps;
  private final LongToIntFunction chunkLength;
  private final long chunkCount;
  private final List<String> damage = new ArrayList<>();
  private final List<String> leaks = new ArrayList<>();
  private BitSet used;
  private CheckReport report;
  private final java.util.TreeMap<Long, String> kinds = new java.util.TreeMap<>();
  private long nodes;
  private long copies;

  StoreChecker(MetaStore meta, SnapshotTable snaps, LongToIntFunction chunkLength, long chunkCount) {
    this.meta = meta;
    this.snaps = snaps;
    this.chunkLength = chunkLength;
    this.chunkCount = chunkCount;
  }

  CheckReport check() throws IOException {
    long end = meta.space().end();
    used = new BitSet((int) Math.min(Integer.MAX_VALUE, end));
    used.set(0, 2);
    if (meta.mirrorPage() != 0) {
      claim(meta.mirrorPage(), 1, "superblock mirror");
    }
    long exceptions = checkExceptions();
    checkTree(meta.snapshots(), "snapshot tree");
    long snapshots = checkSnapshots();
    // free-list pages and free extents
    long free = 0;
    for (long[] e : meta.space().snapshotForCommit()) {
      claim(e[0], e[1], "free extent");
      free += e[1];
    }
    for (long p : meta.freeListPages()) {
      claim(p, 1, "free-list page");
    }
    long leaked = 0;
    for (long p = used.nextClearBit(2); p < end; p = used.nextClearBit((int) p + 1)) {
      long q = used.nextSetBit((int) p);
      long stop = q < 0 ? end : Math.min(end, q);
      leaked += stop - p;
      report(leaks, "pages " + p + ".." + (stop - 1) + " are neither free nor referenced");
      p = stop - 1;
    }
    report = new CheckReport(nodes, exceptions, copies, snapshots, end, free, leaked, List.copyOf(damage),
        List.copyOf(leaks), meta.openedFrom().describe(), meta.healed());
    return report;
  }

  CheckReport report() {
    return report;
  }

  /** After {@link #check()}: what each claimed page holds (for damage campaigns in tests). */
  java.util.NavigableMap<Long, String> pageKinds() {
    java.util.TreeMap<Long, String> all = new java.util.TreeMap<>(kinds);
    all.put(0L, "superblock slot");
    all.put(1L, "superblock slot");
    return all;
  }

  private long checkTree(BTree tree, String what) throws IOException {
    long[] count = {0};
    try {
      tree.walkNodes((page, level, entries) -> {
        nodes++;
        claim(page, 1, what + " node");
        kinds.put(page, what + " node, level " + level);
      });
      tree.walkFrom(Long.MIN_VALUE, Long.MIN_VALUE, e -> {
        count[0]++;
        return true;
      });
      if (count[0] != tree.count()) {
        report(damage, what + ": " + count[0] + " entries found, the superblock says " + tree.count());
      }
      String problem = tree.verifyStructure();
      if (problem != null) {
        report(damage, what + ": " + problem);
      }
    } catch (CorruptionException e) {
      report(damage, e.getMessage());
    }
    return count[0];
  }

  /** The snapshot records and the table's summary and deleted runs; returns the number of records. */
  private long checkSnapshots() throws IOException {
    long[] n = {0};
    try {
      for (String p : snaps.verify()) {
        report(damage, p);
      }
      meta.snapshots().walkFrom(1, 0, e -> {
        n[0]++;
        return true;
      });
    } catch (CorruptionException e) {
      report(damage, e.getMessage());
    }
    return n[0];
  }

  private long checkExceptions() throws IOException {
    long n = checkTree(meta.exceptions(), "exception tree");
    long[] prev = {-1, -1, -1}; // chunk, to, unused
    List<long[]> chunkPages = new ArrayList<>();
    try {
      meta.exceptions().walkFrom(Long.MIN_VALUE, Long.MIN_VALUE, e -> {
        long c = e.a();
        String at = "exception (" + c + ", " + e.b() + ")";
        ExceptionValue v;
        try {
          v = ExceptionValue.decode(c, e.b(), e.value(), "exception tree");
        } catch (CorruptionException x) {
          report(damage, x.getMessage());
          return true;
        }
        if (c < 0 || c >= chunkCount) {
          report(damage, at + ": chunk outside the volume (" + chunkCount + " chunks)");
          return true;
        }
        if (e.b() < 1 || v.to() >= meta.nextSnapshotId()) {
          report(damage, at + ": range " + e.b() + ".." + v.to() + " names snapshot IDs never handed out");
        }
        if (c != prev[0]) {
          chunkPages.clear();
        } else if (e.b() <= prev[1]) {
          report(damage, at + ": overlaps the previous range, which ends at " + prev[1]);
        }
        prev[0] = c;
        prev[1] = v.to();
        boolean seen = false;
        for (long[] cp : chunkPages) {
          if (cp[0] == v.page()) {
            seen = true;
            if (!v.isShared()) {
              report(damage, at + ": copy at page " + v.page() + " is named twice but not marked shared");
            }
          }
        }
        if (!seen) {
          chunkPages.add(new long[] {v.page()});
          int len = chunkLength.applyAsInt(c);
          claim(v.page(), Pages.pagesFor(len), "copy of chunk " + c);
          verifyCopy(c, e.b(), v, len);
        }
        return true;
      });
    } catch (CorruptionException e) {
      report(damage, e.getMessage());
    }
    return n;
  }

  private void verifyCopy(long c, long from, ExceptionValue v, int len) throws IOException {
    if (v.page() + Pages.pagesFor(len) > meta.space().end()) {
      report(damage, "exception (" + c + ", " + from + "): copy at page " + v.page() + " lies past the store end");
      return;
    }
    byte[] b = new byte[len];
    meta.pages().readData(v.page(), ByteBuffer.wrap(b));
    copies++;
    int crc = Pages.crc(b, 0, len);
    if (crc != v.crc()) {
      report(damage, String.format("exception (%d, %d): copy at page %d (byte %d) fails its checksum "
          + "(expected %08x, found %08x)", c, from, v.page(), v.page() * Pages.PAGE_SIZE, v.crc(), crc));
    }
  }

  private void claim(long page, long n, String what) {
    if (page < 2 || page + n > meta.space().end()) {
      report(damage, what + " at pages " + page + ".." + (page + n - 1) + " lies outside the store [2, "
          + meta.space().end() + ")");
      return;
    }
    int from = (int) page;
    int to = (int) (page + n);
    for (long p = page; p < page + n; p++) {
      kinds.putIfAbsent(p, what.startsWith("copy of chunk") ? "preserved copy" : what);
    }
    int twice = used.nextSetBit(from);
    if (twice >= 0 && twice < to) {
      report(damage, what + " at page " + twice + " is also claimed by something else");
    }
    used.set(from, to);
  }

  private static void report(List<String> list, String s) {
    if (list.size() < MAX_REPORTED) {
      list.add(s);
    } else if (list.size() == MAX_REPORTED) {
      list.add("(more not shown)");
    }
  }
}
