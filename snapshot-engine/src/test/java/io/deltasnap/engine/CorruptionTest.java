package io.deltasnap.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.deltasnap.engine.pdata.Pages;
import io.deltasnap.engine.pdata.Superblock;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
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
      // skip the superblocks here; they have their own tests below
      long pos = 3L * Pages.PAGE_SIZE + (long) r.nextInt(image.length - 3 * Pages.PAGE_SIZE);
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

  /** The commit a clean open of {@code st} finds, read without changing {@code st}. */
  static long newestCommit(MemStorage st) throws IOException {
    try (Volume v = Volume.open(st.reopened())) {
      return v.openedCommit();
    }
  }

  static void assertReadsAsModel(Volume v, VolumeModel m) throws IOException {
    for (long id : new TreeMap<>(m.snaps).keySet()) {
      ByteBuffer b = ByteBuffer.allocate(SIZE);
      v.read(id, 0, b);
      assertArrayEquals(m.view(id), b.array(), "snapshot " + id);
    }
    ByteBuffer o = ByteBuffer.allocate(SIZE);
    v.read(Volume.ORIGIN, 0, o);
    assertArrayEquals(m.view(Volume.ORIGIN), o.array(), "origin");
  }

  static MemStorage damaged(MemStorage st, long... pages) {
    MemStorage d = st.reopened();
    for (long p : pages) {
      d.store.poke(p * Pages.PAGE_SIZE + 50, (byte) 0x40);
    }
    return d;
  }

  @Test
  void aDamagedNewestSuperblockSlotLosesNoCommit() throws IOException {
    VolumeModel m = new VolumeModel(SIZE);
    MemStorage st = build(m);
    long seq = newestCommit(st);
    MemStorage d = damaged(st, seq % 2);
    try (Volume v = Volume.open(d)) {
      assertEquals(seq, v.openedCommit());
      assertTrue(v.repairedAtOpen().toString().contains("slot " + (seq % 2)), v.repairedAtOpen().toString());
      assertReadsAsModel(v, m);
    }
    try (Volume v = Volume.open(d.reopened())) {
      assertEquals(List.of(), v.repairedAtOpen(), "the first open healed every copy");
      assertReadsAsModel(v, m);
    }
  }

  @Test
  void aDamagedMirrorOrOlderSlotLosesNoCommit() throws IOException {
    VolumeModel m = new VolumeModel(SIZE);
    MemStorage st = build(m);
    long seq = newestCommit(st);
    for (long page : new long[] {Superblock.NEW_STORE_MIRROR_PAGE, 1 - seq % 2}) {
      try (Volume v = Volume.open(damaged(st, page))) {
        assertEquals(seq, v.openedCommit(), "damage at page " + page);
        assertReadsAsModel(v, m);
      }
    }
  }

  @Test
  void bothSlotsDamagedOpenFromTheMirror() throws IOException {
    VolumeModel m = new VolumeModel(SIZE);
    MemStorage st = build(m);
    long seq = newestCommit(st);
    try (Volume v = Volume.open(damaged(st, 0, 1))) {
      assertEquals(seq, v.openedCommit());
      assertReadsAsModel(v, m);
    }
  }

  /** The reproduction: a completed commit is never lost to damage of one copy, and two refuse. */
  @Test
  void theNewestCommitUnreadableIsRefusedNotRolledBack() throws IOException {
    VolumeModel m = new VolumeModel(SIZE);
    MemStorage st = new MemStorage();
    Random r = new Random(3);
    try (Volume v = Volume.create(st, CreateOptions.of(SIZE).withChunkSize(CHUNK))) {
      byte[] d = new byte[SIZE];
      r.nextBytes(d);
      v.write(Volume.ORIGIN, 0, ByteBuffer.wrap(d));
      m.write(Volume.ORIGIN, 0, d);
      SnapshotInfo s = v.createSnapshot("one", false);
      m.snapshot(s.id(), false);
      byte[] e = new byte[SIZE / 4];
      r.nextBytes(e);
      v.write(Volume.ORIGIN, 0, ByteBuffer.wrap(e)); // preserves snapshot 1's chunks, then overwrites
      m.write(Volume.ORIGIN, 0, e);
    }
    long seq = newestCommit(st);
    MemStorage d = damaged(st, Superblock.NEW_STORE_MIRROR_PAGE, seq % 2);
    UnreadableCommitException ex = assertThrows(UnreadableCommitException.class, () -> Volume.open(d));
    assertTrue(ex.getMessage().contains("page 2") && ex.getMessage().contains("page " + (seq % 2)), ex.getMessage());
    assertEquals(seq - 1, ex.choice().rollback().seq());
    byte[] before = d.store.image();
    Volume.RecoveryPlan plan = Volume.inspectDamaged(d);
    assertArrayEquals(before, d.store.image(), "inspecting changes nothing");
    assertEquals(seq - 1, plan.rollbackCommit());
    assertTrue(plan.lost().newestSeq() >= seq, plan.lost().describe());
    assertTrue(plan.lost().chunkCount() > 0, "the lost commit preserved chunks: " + plan.lost().describe());
    // the documented recovery: roll back, knowingly
    Volume.Recovered rec = Volume.rollBack(d, 1 << 20);
    try (Volume v = rec.volume()) {
      assertEquals(seq - 1, v.openedCommit());
      assertTrue(!v.check().damaged());
      SnapshotInfo next = v.createSnapshot("after", false);
      assertTrue(next.id() > plan.lost().newestSnapshotId() && next.id() > 1, "IDs never go back: " + next.id());
    }
    try (Volume v = Volume.open(d.reopened())) {
      assertEquals(List.of(), v.repairedAtOpen());
    }
  }

  @Test
  void aVersion1StoreOpensAndIsUpgradedToTheMirrorFormat() throws IOException {
    VolumeModel m = new VolumeModel(SIZE);
    MemStorage st = build(m);
    byte[] img = st.store.image();
    for (int slot = 0; slot < 2; slot++) { // as version 1 wrote them; page 2 was then an ordinary page
      ByteBuffer v2 = ByteBuffer.wrap(img, slot * Pages.PAGE_SIZE, Pages.PAGE_SIZE).slice().order(ByteOrder.LITTLE_ENDIAN);
      ByteBuffer v1 = io.deltasnap.engine.pdata.SuperblocksTestAccess.toVersion1(v2);
      System.arraycopy(v1.array(), 0, img, slot * Pages.PAGE_SIZE, Pages.PAGE_SIZE);
    }
    java.util.Arrays.fill(img, 2 * Pages.PAGE_SIZE, 3 * Pages.PAGE_SIZE, (byte) 0);
    MemStorage legacy = new MemStorage(new MemBlockFile.Faults(), img, st.origin.image());
    long seq;
    try (Volume v = Volume.open(legacy)) {
      seq = v.openedCommit();
      assertTrue(v.repairedAtOpen().toString().contains("upgraded"), v.repairedAtOpen().toString());
      assertReadsAsModel(v, m);
    }
    try (Volume v = Volume.open(legacy.reopened())) {
      assertEquals(List.of(), v.repairedAtOpen());
      assertTrue(v.openedCommit() > seq);
      assertTrue(!v.check().damaged(), v.check().damage().toString());
      assertReadsAsModel(v, m);
    }
  }

  @Test
  void allThreeCopiesDamagedAreReportedAtOpen() throws IOException {
    MemStorage st = build(new VolumeModel(SIZE));
    CorruptionException e = assertThrows(CorruptionException.class,
        () -> Volume.open(damaged(st, 0, 1, Superblock.NEW_STORE_MIRROR_PAGE)));
    assertTrue(e.getMessage().contains("no valid superblock") && e.getMessage().contains("page 2"), e.getMessage());
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
