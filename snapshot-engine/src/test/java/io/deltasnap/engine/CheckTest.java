package io.deltasnap.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.deltasnap.engine.pdata.Pages;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@code check} passes a healthy store of any history and names the damage in a broken one. */
class CheckTest {
  static MemStorage busyStore(long seed) throws IOException {
    MemStorage st = new MemStorage();
    Random r = new Random(seed);
    int chunk = 4096;
    int size = chunk * 40 + 123;
    Volume v = Volume.create(st, CreateOptions.of(size).withChunkSize(chunk));
    for (int i = 0; i < 400; i++) {
      int k = r.nextInt(10);
      var live = v.snapshots();
      if (k < 5) {
        int off = r.nextInt(size);
        v.write(Volume.ORIGIN, off, ByteBuffer.wrap(new byte[1 + r.nextInt(Math.min(size - off, chunk * 3))]));
      } else if (k < 7) {
        v.createSnapshot("", r.nextBoolean());
      } else if (k < 8 && !live.isEmpty()) {
        SnapshotInfo s = live.get(r.nextInt(live.size()));
        if (s.writable()) {
          int off = r.nextInt(size);
          v.write(s.id(), off, ByteBuffer.wrap(new byte[1 + r.nextInt(Math.min(size - off, chunk))]));
        }
      } else if (k < 9 && !live.isEmpty()) {
        v.deleteSnapshot(live.get(r.nextInt(live.size())).id());
        if (r.nextBoolean()) {
          v.reclaimDeleted();
        }
      } else {
        v.flush();
      }
    }
    v.close();
    return st;
  }

  @Test
  void aHealthyStoreChecksCleanAfterAnyHistory() throws IOException {
    for (long seed = 1; seed <= 10; seed++) {
      MemStorage st = busyStore(seed);
      try (Volume v = Volume.open(st.reopened())) {
        CheckReport r = v.check();
        assertFalse(r.damaged(), "seed " + seed + ": " + r.damage());
        assertTrue(r.nodes() > 0 && r.snapshots() > 0, r.toString());
      }
    }
  }

  @Test
  void damageIsReportedWithItsLocation() throws IOException {
    MemStorage st = busyStore(3);
    long pages = st.store.size() / Pages.PAGE_SIZE;
    int found = 0;
    for (long p = 2; p < pages; p++) {
      MemStorage bad = st.reopened();
      bad.store.poke(p * Pages.PAGE_SIZE + 100, (byte) 0x20);
      try (Volume v = Volume.open(bad)) {
        CheckReport r = v.check();
        if (r.damaged()) {
          found++;
          assertTrue(r.damage().get(0).matches(".*(page|pages) \\d+.*"), r.damage().get(0));
        }
      } catch (CorruptionException e) {
        found++; // a damaged root or free list stops the open itself, with its location
        assertTrue(e.getMessage().matches(".*page \\d+.*"), e.getMessage());
      }
    }
    assertTrue(found > 10, "damage found in " + found + " of " + pages + " pages");
  }

  @Test
  void checkChangesNothing() throws IOException {
    MemStorage st = busyStore(4);
    MemStorage copy = st.reopened();
    byte[] before = copy.store.image();
    try (Volume v = Volume.open(copy)) {
      v.check();
    }
    assertEquals(java.util.Arrays.hashCode(before), java.util.Arrays.hashCode(copy.store.image()));
  }
}
