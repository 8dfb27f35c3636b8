package io.deltasnap.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.deltasnap.engine.pdata.Pages;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Random;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A damage campaign over every kind of page a store holds: both superblock slots, the mirror,
 * exception-tree nodes at every level, snapshot records, the free list, preserved copies and free
 * space, each hit by a one-byte flip, a 512-byte burst and a two-page burst. The store has several
 * commits since its last snapshot (so the newest commit holds preserves the origin has outrun) and
 * an exception tree three levels high. After each hit, every read of every snapshot and of the
 * origin returns the model's bytes or a {@link CorruptionException}; every error names a damaged
 * page, and so does {@code check} whenever a read failed. One damaged superblock copy loses no
 * commit.
 */
class DamageCampaignTest {
  static final int CHUNK = 4096;
  static final int CHUNKS = 2048;
  static final int SIZE = CHUNK * CHUNKS;
  static final int PAGES_PER_KIND = 3;
  static final Pattern PAGE = Pattern.compile("pages? (\\d+)|byte (\\d+)");

  static VolumeModel model;
  static MemStorage store;
  static long newestCommit;
  static NavigableMap<Long, String> kinds;

  @BeforeAll
  static void buildStore() throws IOException {
    model = new VolumeModel(SIZE);
    store = new MemStorage();
    Random r = new Random(2026);
    try (Volume v = Volume.create(store, CreateOptions.of(SIZE).withChunkSize(CHUNK))) {
      write(v, r, 0, SIZE);
      for (int s = 0; s < 5; s++) {
        SnapshotInfo info = v.createSnapshot("s" + s, false);
        model.snapshot(info.id(), false);
        write(v, r, 0, SIZE); // every chunk preserved once per snapshot: a tall exception tree
      }
      long doomed = new ArrayList<>(model.snaps.keySet()).get(1);
      v.deleteSnapshot(doomed);
      model.delete(doomed);
      v.reclaimDeleted(); // its copies go back to the free list
      SnapshotInfo last = v.createSnapshot("last", false);
      model.snapshot(last.id(), false);
      for (int k = 0; k < 4; k++) { // commits after the last snapshot, each preserving and overwriting
        write(v, r, r.nextInt(CHUNKS - 64) * CHUNK, 64 * CHUNK);
        v.flush();
      }
      kinds = v.pageKinds();
    }
    newestCommit = CorruptionTest.newestCommit(store);
  }

  static void write(Volume v, Random r, int off, int len) throws IOException {
    for (int at = off; at < off + len; at += 1 << 20) {
      byte[] d = new byte[Math.min(1 << 20, off + len - at)];
      r.nextBytes(d);
      v.write(Volume.ORIGIN, at, ByteBuffer.wrap(d));
      model.write(Volume.ORIGIN, at, d);
    }
  }

  /** Up to {@link #PAGES_PER_KIND} pages of each kind, spread over the store. */
  static Map<String, List<Long>> targets() {
    Map<String, List<Long>> all = new TreeMap<>();
    for (Map.Entry<Long, String> e : kinds.entrySet()) {
      all.computeIfAbsent(e.getValue(), k -> new ArrayList<>()).add(e.getKey());
    }
    Map<String, List<Long>> out = new LinkedHashMap<>();
    all.forEach((kind, pages) -> {
      List<Long> pick = new ArrayList<>();
      for (int i = 0; i < PAGES_PER_KIND && i < pages.size(); i++) {
        pick.add(pages.get((int) ((long) i * pages.size() / Math.min(PAGES_PER_KIND, pages.size()))));
      }
      out.put(kind, pick);
    });
    return out;
  }

  @Test
  void theStoreHasEveryKindOfPage() {
    Map<String, List<Long>> t = targets();
    for (String kind : List.of("superblock slot", "superblock mirror", "exception tree node, level 0",
        "exception tree node, level 1", "exception tree node, level 2", "snapshot tree node, level 0",
        "free-list page", "preserved copy", "free extent")) {
      assertTrue(t.containsKey(kind), "no " + kind + " in " + t.keySet());
    }
  }

  @Test
  void everyDamagedPageIsReadCorrectlyOrReportedAtItsPlace() throws IOException {
    Random r = new Random(14);
    Map<String, int[]> outcome = new TreeMap<>(); // kind -> {exact, reported}
    for (Map.Entry<String, List<Long>> t : targets().entrySet()) {
      for (long page : t.getValue()) {
        for (int mode = 0; mode < 3; mode++) {
          MemStorage d = store.reopened();
          long first = page * Pages.PAGE_SIZE;
          long span = mode == 2 ? 2L * Pages.PAGE_SIZE : mode == 1 ? 512 : 1;
          long at = mode == 0 ? first + r.nextInt(Pages.PAGE_SIZE) : mode == 1 ? first + 512L * r.nextInt(8) : first;
          for (long b = at; b < at + span && b < d.store.size(); b++) {
            d.store.poke(b, (byte) (1 + r.nextInt(255)));
          }
          String what = t.getKey() + " at page " + page + (mode == 0 ? ", one byte" : mode == 1 ? ", 512-byte burst"
              : ", two-page burst");
          boolean reported = hit(d, page, mode == 2 ? page + 1 : page, t.getKey(), what);
          outcome.computeIfAbsent(t.getKey(), k -> new int[2])[reported ? 1 : 0]++;
        }
      }
    }
    // checksummed pages are always caught; free space never matters
    for (String kind : List.of("exception tree node, level 0", "exception tree node, level 2", "preserved copy",
        "snapshot tree node, level 0", "free-list page")) {
      assertEquals(0, outcome.get(kind)[0], kind + ": damage went unnoticed: " + describe(outcome));
    }
  }

  static String describe(Map<String, int[]> o) {
    StringBuilder b = new StringBuilder();
    o.forEach((k, v) -> b.append(k).append(": ").append(v[0]).append(" exact, ").append(v[1]).append(" reported; "));
    return b.toString();
  }

  /** Opens and reads everything; returns whether the damage was reported (it was never returned as data). */
  static boolean hit(MemStorage d, long lo, long hi, String kind, String what) throws IOException {
    Volume v;
    try {
      v = Volume.open(d);
    } catch (CorruptionException e) {
      assertNamesDamage(e.getMessage(), lo, hi, what + ": open");
      return true;
    }
    boolean reported = false;
    try {
      if (kind.startsWith("superblock")) {
        assertEquals(newestCommit, v.openedCommit(), what + ": one damaged superblock copy lost a commit");
      }
      for (long id : new ArrayList<>(model.snaps.keySet())) {
        reported |= readsAsModel(v, id, lo, hi, what);
      }
      reported |= readsAsModel(v, Volume.ORIGIN, lo, hi, what);
      CheckReport c = v.check();
      if (reported) {
        assertTrue(c.damaged(), what + ": a read failed but check found nothing");
      }
      if (c.damaged()) {
        assertNamesDamage(String.join("; ", c.damage()), lo, hi, what + ": check");
        reported = true;
      }
      if (!v.repairedAtOpen().isEmpty()) {
        assertNamesDamage(String.join("; ", v.repairedAtOpen()), lo, hi, what + ": repair");
        reported = true;
      }
    } finally {
      v.close();
    }
    return reported;
  }

  static boolean readsAsModel(Volume v, long id, long lo, long hi, String what) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(SIZE);
    try {
      v.read(id, 0, b);
    } catch (CorruptionException e) {
      assertNamesDamage(e.getMessage(), lo, hi, what + ": read of " + id);
      return true;
    }
    assertArrayEquals(model.view(id), b.array(), what + ": read of " + (id == Volume.ORIGIN ? "origin" : id)
        + " returned wrong data");
    return false;
  }

  /** The message names a page in [lo, hi] (as "page N" or a byte offset inside one). */
  static void assertNamesDamage(String msg, long lo, long hi, String what) {
    Matcher m = PAGE.matcher(msg);
    while (m.find()) {
      long p = m.group(1) != null ? Long.parseLong(m.group(1)) : Long.parseLong(m.group(2)) / Pages.PAGE_SIZE;
      if (p >= lo && p <= hi) {
        return;
      }
    }
    throw new AssertionError(what + ": the error does not name page " + lo + (hi > lo ? ".." + hi : "") + ": " + msg);
  }
}
