package io.deltasnap.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link Volume#visitSnapshots}: live snapshots from a start ID, in order, across batches, stoppable. */
class VisitSnapshotsTest {
  private static List<Long> visit(Volume v, long from, int max) throws IOException {
    List<Long> ids = new ArrayList<>();
    v.visitSnapshots(from, s -> {
      ids.add(s.id());
      return ids.size() < max;
    });
    return ids;
  }

  @Test
  void visitsLiveSnapshotsFromTheStartIdInOrderAcrossBatches() throws IOException {
    Volume v = Volume.create(new MemStorage(), CreateOptions.of(1 << 16).withChunkSize(4096));
    int n = 3 * Volume.VISIT_BATCH + 7;
    for (int i = 1; i <= n; i++) {
      assertEquals(i, v.createSnapshot("s" + i, false).id());
    }
    // deleted ones are skipped, including a whole batch boundary's worth
    List<Long> want = new ArrayList<>();
    for (long id = 1; id <= n; id++) {
      if (id % 3 == 0 || (id > Volume.VISIT_BATCH - 5 && id < Volume.VISIT_BATCH + 5)) {
        v.deleteSnapshot(id);
      } else {
        want.add(id);
      }
    }
    assertEquals(want, visit(v, 0, Integer.MAX_VALUE));
    assertEquals(v.snapshots().stream().map(SnapshotInfo::id).toList(), visit(v, 0, Integer.MAX_VALUE));
    assertEquals(want.subList(want.indexOf(2000L), want.size()), visit(v, 2000, Integer.MAX_VALUE));
    assertEquals(List.of(1L, 2L, 4L), visit(v, 1, 3), "stops when the visitor says so");
    assertEquals(List.of(), visit(v, n + 1, Integer.MAX_VALUE));
    assertEquals(List.of(), visit(v, SnapshotInfo.MAX_ID, Integer.MAX_VALUE));
    v.close();
  }

  @Test
  void aSnapshotCreatedDuringTheWalkBreaksNoOrder() throws IOException {
    Volume v = Volume.create(new MemStorage(), CreateOptions.of(1 << 16).withChunkSize(4096));
    for (int i = 0; i < Volume.VISIT_BATCH + 1; i++) {
      v.createSnapshot("", false);
    }
    long[] last = {0};
    int[] count = {0};
    v.visitSnapshots(0, s -> {
      assertTrue(s.id() > last[0], s.id() + " after " + last[0]);
      last[0] = s.id();
      if (count[0]++ == 0) {
        v.createSnapshot("during", false); // no lock is held while the visitor runs
      }
      return true;
    });
    assertTrue(count[0] >= Volume.VISIT_BATCH + 1);
    v.close();
  }
}
