package io.deltasnap.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Deletion gives space back; a full store refuses writes before touching the origin. */
class ReclaimTest {
  static final int CHUNK = 4096;

  static byte[] random(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  @Test
  void repeatedSnapshotOverwriteDeleteCyclesDoNotGrowTheStore(@TempDir Path dir) throws IOException {
    int size = CHUNK * 256;
    long firstCycle = 0;
    long maxLater = 0;
    try (Volume v = Volume.create(new DirectoryStorage(dir), CreateOptions.of(size).withChunkSize(CHUNK))) {
      for (int cycle = 0; cycle < 12; cycle++) {
        SnapshotInfo s = v.createSnapshot("c" + cycle, false);
        v.write(Volume.ORIGIN, 0, ByteBuffer.wrap(random(size, cycle)));
        long used = Files.size(dir.resolve("store")); // the cycle's peak: every chunk copied once
        v.deleteSnapshot(s.id());
        Volume.ReclaimResult r = v.reclaimDeleted();
        assertEquals(1, r.snapshots());
        assertEquals(256, r.keysRemoved(), "every copy of the deleted snapshot goes");
        if (cycle == 0) {
          firstCycle = used;
        } else {
          maxLater = Math.max(maxLater, used);
        }
        assertEquals(0, v.status().exceptions());
        assertEquals(0, v.status().pendingDeletions());
      }
    }
    assertTrue(maxLater <= firstCycle * 1.3, "store grew from " + firstCycle + " to " + maxLater);
  }

  @Test
  void reclaimingKeepsWhatOtherSnapshotsReadAndTrimsSharedRanges() throws IOException {
    MemStorage st = new MemStorage();
    int size = CHUNK * 8;
    Volume v = Volume.create(st, CreateOptions.of(size).withChunkSize(CHUNK));
    byte[] a = random(size, 1);
    v.write(Volume.ORIGIN, 0, ByteBuffer.wrap(a));
    long s1 = v.createSnapshot("1", false).id();
    long s2 = v.createSnapshot("2", true).id();
    long s3 = v.createSnapshot("3", false).id();
    v.write(s2, 0, ByteBuffer.wrap(random(CHUNK, 2))); // splits nothing yet: s2 reads origin
    v.write(Volume.ORIGIN, 0, ByteBuffer.wrap(random(size, 3))); // preserves [1,1] and [3,3] sharing one copy
    v.deleteSnapshot(s1);
    v.reclaimDeleted();
    ByteBuffer b = ByteBuffer.allocate(size);
    v.read(s3, 0, b);
    assertArrayEquals(a, b.array(), "snapshot 3 still reads the shared copy");
    v.deleteSnapshot(s3);
    Volume.ReclaimResult r = v.reclaimDeleted();
    // chunk 0's copy was shared by [1,1] and [3,3] only: now free; the other chunks' copies
    // are still read by snapshot 2, so their keys shrink to [2,2]
    assertEquals(CHUNK, r.bytesFreed(), r.toString());
    assertEquals(7, r.keysTrimmed(), r.toString());
    v.close();
    Volume re = Volume.open(st.reopened());
    assertEquals(1, re.snapshots().size());
    re.close();
  }

  @Test
  void aFullStoreRefusesOriginWritesBeforeTouchingTheOrigin() throws IOException {
    MemStorage st = new MemStorage();
    int size = CHUNK * 2048; // 8 MiB of origin
    Volume v = Volume.create(st, CreateOptions.of(size).withChunkSize(CHUNK));
    v.configure(false, 6L << 20); // room for the metadata reserve and about a MiB of copies
    byte[] before = random(size, 4);
    v.write(Volume.ORIGIN, 0, ByteBuffer.wrap(before));
    SnapshotInfo s = v.createSnapshot("keep", false);
    byte[] after = random(size, 5);
    NoSpaceException e = assertThrows(NoSpaceException.class,
        () -> v.write(Volume.ORIGIN, 0, ByteBuffer.wrap(after)));
    assertTrue(e.getMessage().contains("full"), e.getMessage());
    ByteBuffer snap = ByteBuffer.allocate(size);
    v.read(s.id(), 0, snap);
    assertArrayEquals(before, snap.array(), "the snapshot is intact");
    // the batch that failed did not reach the origin; earlier batches did, with their copies
    ByteBuffer origin = ByteBuffer.allocate(size);
    v.read(Volume.ORIGIN, 0, origin);
    int changed = 0;
    for (int c = 0; c < size / CHUNK; c++) {
      boolean isNew = java.util.Arrays.equals(origin.array(), c * CHUNK, (c + 1) * CHUNK, after, c * CHUNK, (c + 1) * CHUNK);
      boolean isOld = java.util.Arrays.equals(origin.array(), c * CHUNK, (c + 1) * CHUNK, before, c * CHUNK, (c + 1) * CHUNK);
      assertTrue(isNew || isOld, "chunk " + c + " is neither old nor new");
      changed += isNew ? 1 : 0;
    }
    assertTrue(changed < size / CHUNK, "some chunks were refused");
    // work resumes once space is freed
    v.deleteSnapshot(s.id());
    v.reclaimDeleted();
    v.write(Volume.ORIGIN, 0, ByteBuffer.wrap(after));
    v.close();
  }

  @Test
  void dropOldestDeletesTheOldestSnapshotsInsteadOfRefusing() throws IOException {
    MemStorage st = new MemStorage();
    int size = CHUNK * 1024;
    Volume v = Volume.create(st, CreateOptions.of(size).withChunkSize(CHUNK));
    v.configure(true, 14L << 20);
    long first = v.createSnapshot("old", false).id();
    v.write(Volume.ORIGIN, 0, ByteBuffer.wrap(random(size, 6)));
    long second = v.createSnapshot("newer", false).id();
    byte[] kept = new byte[size];
    v.read(second, 0, ByteBuffer.wrap(kept));
    for (int i = 0; i < 3; i++) {
      v.write(Volume.ORIGIN, 0, ByteBuffer.wrap(random(size, 7 + i)));
      v.createSnapshot("n" + i, false);
    }
    assertTrue(v.snapshot(first) == null || !v.snapshot(first).live(), "the oldest was dropped");
    for (SnapshotInfo s : v.snapshots()) {
      v.read(s.id(), 0, ByteBuffer.allocate(size)); // every survivor reads without error
    }
    v.close();
  }

  @Test
  void aFullDiskRefusesTheCopyAndLeavesTheOriginAndSnapshotsIntact() throws IOException {
    MemStorage st = new MemStorage();
    int size = CHUNK * 256;
    Volume v = Volume.create(st, CreateOptions.of(size).withChunkSize(CHUNK));
    byte[] before = random(size, 8);
    v.write(Volume.ORIGIN, 0, ByteBuffer.wrap(before));
    SnapshotInfo s = v.createSnapshot("keep", false);
    st.faults.capacity = st.store.size() + 8 * CHUNK; // the disk under the store fills up
    byte[] after = random(size, 9);
    NoSpaceException e = assertThrows(NoSpaceException.class, () -> v.write(Volume.ORIGIN, 0, ByteBuffer.wrap(after)));
    assertTrue(e.getMessage().contains("full"), e.getMessage());
    ByteBuffer origin = ByteBuffer.allocate(size);
    v.read(Volume.ORIGIN, 0, origin);
    assertArrayEquals(before, origin.array(), "the refused batch never reached the origin");
    ByteBuffer snap = ByteBuffer.allocate(size);
    v.read(s.id(), 0, snap);
    assertArrayEquals(before, snap.array());
    st.faults.capacity = Long.MAX_VALUE; // space comes back: work resumes
    v.write(Volume.ORIGIN, 0, ByteBuffer.wrap(after));
    v.read(s.id(), 0, snap.clear());
    assertArrayEquals(before, snap.array());
    v.close();
    try (Volume re = Volume.open(st.reopened())) {
      assertTrue(!re.check().damaged());
    }
  }
}
