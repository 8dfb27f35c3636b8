package io.deltasnap.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.deltasnap.engine.pdata.Pages;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Flipped bytes in the store are reported as corruption with their location, never returned as
 * data: for every sampled byte of the store, a flip either leaves every read exact (the byte was
 * free space or padding) or makes the read fail with a {@link CorruptionException}.
 */
class CorruptionTest {
  static final int CHUNK = 4096;
  static final int SIZE = CHUNK * 64;

  /** A store with several snapshots and preserved copies, and the model of what each reads. */
  static MemStorage build(VolumeModel m) throws IOException {
    MemStorage st = new MemStorage();
    Random r = new Random(5);
    Volume v = Volume.create(st, CreateOptions.of(SIZE).withChunkSize(CHUNK));
    for (int i = 0; i < 30; i++) {
      byte[] d = new byte[CHUNK * 3];
      r.nextBytes(d);
      int off = r.nextInt(SIZE - d.length);
      v.write(Volume.ORIGIN, off, ByteBuffer.wrap(d));
      m.write(Volume.ORIGIN, off, d);
      if (i % 3 == 0) {
        SnapshotInfo s = v.createSnapshot("s" + i, i % 2 == 0);
        m.snapshot(s.id(), s.writable());
      }
    }
    v.close();
    return st;
  }

  @Test
  void everyFlippedStoreByteIsReportedOrHarmless() throws IOException {
    VolumeModel m = new VolumeModel(SIZE);
    MemStorage st = build(m);
    byte[] image = st.store.image();
    Random r = new Random(11);
    int reported = 0;
    int harmless = 0;
    for (int trial = 0; trial < 400; trial++) {
      // skip the superblocks here; they have their own test below
      long pos = 2L * Pages.PAGE_SIZE + (long) r.nextInt(image.length - 2 * Pages.PAGE_SIZE);
      MemStorage damaged = st.reopened();
      damaged.store.poke(pos, (byte) (1 + r.nextInt(255)));
      try (Volume v = Volume.open(damaged, 64 * 1024)) {
        for (long id : new TreeMap<>(m.snaps).keySet()) {
          ByteBuffer b = ByteBuffer.allocate(SIZE);
          v.read(id, 0, b);
          assertArrayEquals(m.view(id), b.array(), "flip at store byte " + pos + " returned wrong data for " + id);
        }
        harmless++;
      } catch (CorruptionException e) {
        assertTrue(e.getMessage().matches(".*(page \\d+|byte \\d+).*"), "message names no location: " + e.getMessage());
        reported++;
      }
    }
    assertTrue(reported > 50, "few flips detected (" + reported + "): the sample missed the data");
    assertTrue(harmless + reported == 400);
  }

  @Test
  void aDamagedNewestSuperblockFallsBackToThePreviousCommit() throws IOException {
    VolumeModel m = new VolumeModel(SIZE);
    MemStorage st = build(m);
    long seq;
    try (Volume v = Volume.open(st.reopened())) {
      seq = v.status().commitSeq();
    }
    MemStorage damaged = st.reopened();
    damaged.store.poke((seq & 1) * Pages.PAGE_SIZE + 50, (byte) 0x40);
    try (Volume v = Volume.open(damaged)) {
      assertEquals(seq - 1, v.status().commitSeq());
    }
  }

  @Test
  void twoDamagedSuperblocksAreReportedAtOpen() throws IOException {
    MemStorage st = build(new VolumeModel(SIZE));
    MemStorage damaged = st.reopened();
    damaged.store.poke(10, (byte) 1);
    damaged.store.poke(Pages.PAGE_SIZE + 10, (byte) 1);
    CorruptionException e = assertThrows(CorruptionException.class, () -> Volume.open(damaged));
    assertTrue(e.getMessage().contains("no valid superblock"), e.getMessage());
  }

  @Test
  void aDamagedPreservedCopyNamesItsChunkAndPage() throws IOException {
    VolumeModel m = new VolumeModel(SIZE);
    MemStorage st = new MemStorage();
    Volume v = Volume.create(st, CreateOptions.of(SIZE).withChunkSize(CHUNK));
    v.write(Volume.ORIGIN, 0, ByteBuffer.wrap(new byte[] {1, 2, 3}));
    SnapshotInfo s = v.createSnapshot("a", false);
    v.write(Volume.ORIGIN, 0, ByteBuffer.wrap(new byte[] {9, 9, 9}));
    v.close();
    long pages = st.store.size() / Pages.PAGE_SIZE;
    int found = 0;
    for (long p = 2; p < pages; p++) {
      MemStorage damaged = st.reopened();
      damaged.store.poke(p * Pages.PAGE_SIZE + 1, (byte) 0x10);
      try (Volume d = Volume.open(damaged)) {
        d.read(s.id(), 0, ByteBuffer.allocate(3));
      } catch (CorruptionException e) {
        if (e.getMessage().contains("preserved copy")) {
          assertTrue(e.getMessage().contains("chunk 0") && e.getMessage().contains("page " + p), e.getMessage());
          found++;
        }
      }
    }
    assertEquals(1, found, "exactly one page holds the preserved copy");
  }
}
