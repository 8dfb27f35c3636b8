package io.deltasnap.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Snapshot IDs only ever grow on a volume, across deletions and reopenings, and the top of the
 * range is refused rather than wrapped; names are printable UTF-8 of bounded length.
 */
class SnapshotIdsAndNamesTest {
  static final int CHUNK = 64 * 1024;

  @TempDir
  Path tmp;

  Volume create() throws IOException {
    return Volume.create(new DirectoryStorage(tmp.resolve("v")), CreateOptions.of(CHUNK * 4L).withChunkSize(CHUNK));
  }

  Volume reopen() throws IOException {
    return Volume.open(new DirectoryStorage(tmp.resolve("v")));
  }

  static SnapshotInfo received(Volume v, long id) throws IOException {
    return v.createSnapshot(id, UUID.randomUUID(), "from-source", 0, false, SnapshotInfo.LIVE);
  }

  @Test
  void theNextLocalIdIsAboveEveryIdTheVolumeEverHeldEvenAfterDeletionAndReopening() throws IOException {
    try (Volume v = create()) {
      assertEquals(1, v.createSnapshot("a", false).id());
      received(v, 1000);
      v.deleteSnapshot(1000);
      v.reclaimDeleted();
      assertNull(v.snapshot(1000), "reclaimed and forgotten");
    }
    try (Volume v = reopen()) {
      assertEquals(1001, v.createSnapshot("b", false).id());
      InvalidRequestException back = assertThrows(InvalidRequestException.class, () -> received(v, 500));
      assertTrue(back.getMessage().contains("not above every ID"), back.getMessage());
    }
  }

  @Test
  void afterTheHighestIdNoLocalSnapshotCanBeTakenAndNothingWraps() throws IOException {
    try (Volume v = create()) {
      v.createSnapshot("a", false);
      assertEquals(SnapshotInfo.MAX_ID, received(v, SnapshotInfo.MAX_ID).id());
    }
    try (Volume v = reopen()) {
      InvalidRequestException full = assertThrows(InvalidRequestException.class, () -> v.createSnapshot("b", false));
      assertTrue(full.getMessage().contains("used every snapshot ID"), full.getMessage());
      assertThrows(InvalidRequestException.class, () -> v.checkNewSnapshot(0, "b"));
      assertEquals(List.of(1L, SnapshotInfo.MAX_ID), v.snapshots().stream().map(SnapshotInfo::id).toList());
    }
  }

  @Test
  void anIdAtTheTopOfTheRangeIsRefusedAndChangesNothing() throws IOException {
    try (Volume v = create()) {
      InvalidRequestException top = assertThrows(InvalidRequestException.class, () -> received(v, Long.MAX_VALUE));
      assertTrue(top.getMessage().contains("top of the ID range"), top.getMessage());
      assertThrows(InvalidRequestException.class, () -> v.checkNewSnapshot(Long.MAX_VALUE, "x"));
      assertTrue(v.snapshots().isEmpty());
      assertEquals(1, v.createSnapshot("a", false).id(), "the refused ID reserved nothing");
    }
  }

  @Test
  void namesThatCouldBreakOrForgeOutputAreRefused() throws IOException {
    try (Volume v = create()) {
      for (String bad : List.of("a\nb", "tab\there", "\u001b[2Kforged", "rtl\u202eoverride", "zero\u200bwidth",
          "bad\uFFFDbyte", "line\u2028sep", "\ud800", "é".repeat(128))) {
        InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> v.createSnapshot(bad, false),
            bad);
        assertTrue(e.getMessage().startsWith("snapshot name refused"), e.getMessage());
      }
      assertTrue(v.snapshots().isEmpty(), "no refused name made a snapshot");
      for (String good : List.of("", "monday", "日本語 2026-12-04", "x😀y", "a".repeat(255), "é".repeat(127))) {
        assertEquals(good, v.createSnapshot(good, false).name());
      }
    }
  }
}
