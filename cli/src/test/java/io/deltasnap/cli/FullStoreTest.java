package io.deltasnap.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.deltasnap.engine.CheckReport;
import io.deltasnap.engine.DirectoryStorage;
import io.deltasnap.engine.SnapshotInfo;
import io.deltasnap.engine.Volume;
import io.deltasnap.engine.VolumeStatus;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Limits on the store through the real command: a capacity below what the store holds is
 * refused, drop-oldest says what it dropped and never drops the newest snapshot, and a
 * {@code snapshot delete --wait} killed with SIGKILL half-way is finished by the next one, with
 * no leak and the space back.
 */
class FullStoreTest {
  @TempDir
  Path tmp;

  static VolumeStatus status(String v) throws IOException {
    try (Volume vol = Volume.open(new DirectoryStorage(Path.of(v)))) {
      return vol.status();
    }
  }

  static List<Long> ids(String v) throws IOException {
    try (Volume vol = Volume.open(new DirectoryStorage(Path.of(v)))) {
      return vol.snapshots().stream().map(SnapshotInfo::id).toList();
    }
  }

  @Test
  void aCapacityBelowWhatTheStoreHoldsIsRefusedAndChangesNothing() throws Exception {
    String v = tmp.resolve("v").toString();
    Cli.ok("init", v, "--size", "16M", "--chunk-size", "64K");
    Cli.ok(Cli.random(16 << 20, 1), "write", v, "--offset", "0");
    Cli.ok("snapshot", "create", v);
    Cli.ok(Cli.random(8 << 20, 2), "write", v, "--offset", "0"); // 8 MiB of copies
    long seq = status(v).commitSeq();
    Cli.Result r = Cli.refused("set", v, "--capacity", "4M");
    assertTrue(r.stderr().contains("below what") && r.stderr().contains("give at least"), r.stderr());
    assertEquals(seq, status(v).commitSeq(), "nothing committed");
    Cli.ok(Cli.random(8 << 20, 3), "write", v, "--offset", "8M"); // still no limit: 8 MiB more copies
    Cli.ok("set", v, "--capacity", "1G");
    Cli.ok("set", v, "--capacity", "0");
  }

  @Test
  void dropOldestSaysWhatItDroppedAndNeverDropsTheNewest() throws Exception {
    String v = tmp.resolve("v").toString();
    Cli.ok("init", v, "--size", "32M", "--chunk-size", "64K", "--on-full", "drop-oldest");
    Cli.ok(Cli.random(32 << 20, 1), "write", v, "--offset", "0");
    Cli.ok("set", v, "--capacity", "30M");
    Cli.ok("snapshot", "create", v, "--name", "first");
    Cli.ok(Cli.random(12 << 20, 2), "write", v, "--offset", "0"); // 12 MiB of copies that only 1 reads
    Cli.ok("snapshot", "create", v, "--name", "second");
    Cli.Result w = Cli.ok(Cli.random(14 << 20, 3), "write", v, "--offset", "16M", "--json");
    assertTrue(w.stderr().contains("dropped snapshot 1 (\"first\")"), w.stderr());
    assertTrue(w.out().contains("\"droppedSnapshots\": [1]") || w.out().contains("\"droppedSnapshots\": [\n    1\n  ]"),
        w.out());
    assertEquals(List.of(2L), ids(v));
    // only the newest is left: a write that needs more room than there is fails, and keeps it
    Cli.Result full = Cli.run(Cli.random(16 << 20, 4), "write", v, "--offset", "0");
    assertEquals(1, full.exit(), full.stderr());
    assertTrue(full.stderr().contains("never drops the newest, snapshot 2"), full.stderr());
    assertEquals(List.of(2L), ids(v));
  }

  /** The newest commit sequence in the store's superblock slots, read without opening the volume. */
  static long newestCommit(Path store) throws IOException {
    try (java.nio.channels.FileChannel f = java.nio.channels.FileChannel.open(store)) {
      long newest = 0;
      for (int slot = 0; slot < 2; slot++) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        f.read(b, slot * 4096L + 16);
        newest = Math.max(newest, b.getLong(0));
      }
      return newest;
    }
  }

  /** A volume whose snapshot 1 alone reads 16384 copies; returns the number of exceptions. */
  static long withManyCopies(String v) throws IOException {
    Cli.ok("init", v, "--size", "64M", "--chunk-size", "4K");
    Cli.ok(Cli.random(64 << 20, 1), "write", v, "--offset", "0");
    Cli.ok("snapshot", "create", v);
    Cli.ok(Cli.random(64 << 20, 2), "write", v, "--offset", "0");
    Cli.ok("snapshot", "create", v);
    return status(v).exceptions();
  }

  @Test
  @Timeout(300)
  void aDeleteWaitKilledHalfWayIsFinishedByTheNextOneWithNoLeak() throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String v = null;
    long keys = 0;
    VolumeStatus before = null;
    long delay = 800;
    boolean halfWay = false;
    for (int attempt = 0; attempt < 12 && !halfWay; attempt++) {
      if (v == null) {
        v = tmp.resolve("v" + attempt).toString();
        keys = withManyCopies(v);
        before = status(v);
      }
      Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), "io.deltasnap.cli.Main",
          "snapshot", "delete", v, "1", "--wait").redirectErrorStream(true)
          .redirectOutput(tmp.resolve("delete.log").toFile()).start();
      // kill once the reclaimer has committed a few of its batches (it commits every 1024 keys):
      // watched in the store's superblock slots, so machine load does not move the kill point
      Path store = Path.of(v, "store");
      long start = newestCommit(store);
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(30_000 + delay);
      while (p.isAlive() && newestCommit(store) < start + 4 && System.nanoTime() < deadline) {
        Thread.sleep(2);
      }
      p.destroyForcibly(); // SIGKILL
      assertTrue(p.waitFor(30, TimeUnit.SECONDS));
      VolumeStatus s = status(v);
      if (ids(v).contains(1L) || (s.pendingDeletions() == 1 && s.exceptions() == keys)) {
        delay += 250; // too early: nothing reclaimed yet (the next try resumes a deletion already marked)
      } else if (s.pendingDeletions() == 0) {
        delay = delay * 2 / 3; // too late: it finished; start again on a fresh volume
        v = null;
      } else {
        halfWay = true;
      }
    }
    assertTrue(halfWay, "no kill landed half-way through the reclamation");
    assertEquals(List.of(2L), ids(v), "snapshot 1 is gone from the user's view");
    Cli.Result again = Cli.ok("snapshot", "delete", v, "1", "--wait");
    assertTrue(again.stderr().contains("snapshot 1 deletion finished"), again.stderr());
    VolumeStatus s = status(v);
    assertEquals(0, s.pendingDeletions());
    assertEquals(0, s.exceptions(), "snapshot 2 reads the origin: no copy is left");
    long inUseBefore = before.storeBytes() - before.freeBytes();
    long inUse = s.storeBytes() - s.freeBytes();
    assertTrue(inUseBefore - inUse >= 64L << 20, "the copies' space came back: " + inUseBefore + " bytes in use before, "
        + inUse + " after");
    try (Volume vol = Volume.open(new DirectoryStorage(Path.of(v)))) {
      CheckReport c = vol.check();
      assertFalse(c.damaged(), c.damage().toString());
      assertEquals(0, c.leakedPages(), c.leaks().toString());
    }
  }
}
