package io.deltasnap.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** check, set, snapshot delete --wait and the full-store policy, through the command line. */
class StoreCommandsTest {
  @TempDir
  Path tmp;

  @Test
  void statusShowsPendingDeletionsAndReclaimableBytes() {
    String v = tmp.resolve("v").toString();
    Cli.ok("init", v, "--size", "4M", "--chunk-size", "4K");
    Cli.ok("snapshot", "create", v);
    Cli.ok(Cli.random(4 << 20, 1), "write", v, "--offset", "0");
    String before = Cli.ok("status", v, "--json").out();
    assertTrue(before.contains("\"exceptions\": 1024"), before);
    Cli.ok("snapshot", "delete", v, "1");
    String pending = Cli.ok("status", v, "--json").out();
    assertTrue(pending.contains("\"pendingDeletions\": 1") && pending.contains("\"reclaimableBytes\": 4194304"), pending);
  }

  @Test
  void waitReclaimsAndStatusShowsIt() {
    String v = tmp.resolve("v").toString();
    Cli.ok("init", v, "--size", "4M", "--chunk-size", "4K");
    Cli.ok("snapshot", "create", v);
    Cli.ok(Cli.random(4 << 20, 1), "write", v, "--offset", "0");
    String r = Cli.ok("snapshot", "delete", v, "1", "--wait", "--json").out();
    assertTrue(r.contains("\"bytesFreed\": 4194304"), r);
    String after = Cli.ok("status", v, "--json").out();
    assertTrue(after.contains("\"exceptions\": 0") && after.contains("\"pendingDeletions\": 0"), after);
    String check = Cli.ok("check", v, "--json").out();
    assertTrue(check.contains("\"healthy\": true") && check.contains("\"leakedPages\": 0"), check);
  }

  @Test
  void checkReportsDamageWithItsLocationAndExitsOne() throws Exception {
    String v = tmp.resolve("v").toString();
    Cli.ok("init", v, "--size", "1M", "--chunk-size", "4K");
    Cli.ok("snapshot", "create", v);
    Cli.ok(Cli.random(1 << 20, 2), "write", v, "--offset", "0");
    assertTrue(Cli.ok("check", v).out().contains("store is healthy"));
    // flip a byte in the middle of the preserved copies
    try (RandomAccessFile f = new RandomAccessFile(tmp.resolve("v/store").toFile(), "rw")) {
      long pos = Files.size(tmp.resolve("v/store")) / 2 + 100;
      f.seek(pos);
      int b = f.read();
      f.seek(pos);
      f.write(b ^ 0x55);
    }
    Cli.Result r = Cli.run("check", v);
    assertEquals(1, r.exit(), r.out());
    assertTrue(r.out().contains("DAMAGE") && r.out().matches("(?s).*page \\d+.*"), r.out());
    assertTrue(r.stderr().startsWith("deltasnap: "), r.stderr());
  }

  /** Flips a byte of store page {@code page}. */
  static void damagePage(Path store, long page) throws Exception {
    try (RandomAccessFile f = new RandomAccessFile(store.toFile(), "rw")) {
      f.seek(page * 4096 + 60);
      int b = f.read();
      f.seek(page * 4096 + 60);
      f.write(b ^ 0x21);
    }
  }

  /** The slot (0 or 1) holding the newer commit, read straight from the superblocks. */
  static long newestSlot(Path store) throws Exception {
    try (RandomAccessFile f = new RandomAccessFile(store.toFile(), "r")) {
      long[] seq = new long[2];
      for (int s = 0; s < 2; s++) {
        f.seek(s * 4096L + 16);
        seq[s] = Long.reverseBytes(f.readLong());
      }
      return seq[0] > seq[1] ? 0 : 1;
    }
  }

  @Test
  void aDamagedNewestSuperblockLosesNothingAndTwoDamagedCopiesWaitForRecover() throws Exception {
    String v = tmp.resolve("v").toString();
    Path store = tmp.resolve("v/store");
    byte[] data = Cli.random(1 << 20, 8);
    Cli.ok("init", v, "--size", "1M", "--chunk-size", "4K");
    Cli.ok(data, "write", v, "--offset", "0");
    Cli.ok("snapshot", "create", v);
    Cli.ok(Cli.random(256 << 10, 9), "write", v, "--offset", "0");
    // the reproduction: one flipped byte in the newest superblock
    damagePage(store, newestSlot(store));
    Cli.Result first = Cli.ok("read", v, "--snapshot", "1");
    assertTrue(java.util.Arrays.equals(data, first.stdout()), "snapshot 1 reads its own data");
    assertTrue(first.stderr().startsWith("deltasnap: warning: ") && first.stderr().contains("rewrote superblock slot"),
        first.stderr());
    String healthy = Cli.ok("check", v, "--json").out();
    assertTrue(healthy.contains("\"healthy\": true") && healthy.contains("superblock"), healthy);
    // a write whose commit preserves 64 chunks, then the mirror and the newest slot damaged:
    // refused, never rolled back silently
    Cli.ok(Cli.random(256 << 10, 10), "write", v, "--offset", "524288");
    damagePage(store, 2);
    damagePage(store, newestSlot(store));
    byte[] before = Files.readAllBytes(store);
    Cli.Result read = Cli.run("read", v, "--snapshot", "1");
    assertEquals(1, read.exit());
    assertTrue(read.stderr().startsWith("deltasnap: ") && read.stderr().contains("newest commit is unreadable")
        && read.stderr().contains("page 2"), read.stderr());
    Cli.Result check = Cli.run("check", v);
    assertEquals(1, check.exit());
    assertTrue(check.out().contains("recover " + v + " --rollback") && check.out().contains("chunks"), check.out());
    Cli.Result plan = Cli.run("recover", v, "--json");
    assertEquals(1, plan.exit());
    assertTrue(plan.out().contains("\"canRollBack\": true")
        && plan.out().matches("(?s).*\"chunksAtRiskCount\": [1-9].*"), plan.out());
    assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(store)), "check and recover changed the store");
    String done = Cli.ok("recover", v, "--rollback", "--json").out();
    assertTrue(done.contains("\"rolledBackTo\""), done);
    assertTrue(Cli.ok("check", v).out().contains("store is healthy"));
    assertEquals(0, Cli.run("recover", v).exit(), "nothing left to recover");
  }

  @Test
  void aFullStoreRefusesOrDropsTheOldestAsConfigured() {
    String v = tmp.resolve("v").toString();
    Cli.ok("init", v, "--size", "16M", "--chunk-size", "64K");
    Cli.ok(Cli.random(16 << 20, 3), "write", v, "--offset", "0");
    Cli.ok("set", v, "--capacity", "12M");
    Cli.ok("snapshot", "create", v);
    Cli.Result full = Cli.run(Cli.random(16 << 20, 4), "write", v, "--offset", "0");
    assertEquals(1, full.exit());
    assertTrue(full.stderr().contains("full"), full.stderr());
    assertTrue(Cli.ok("status", v, "--json").out().contains("\"snapshots\": 1"));
    Cli.ok("set", v, "--on-full", "drop-oldest");
    assertTrue(Cli.ok("status", v).out().contains("drop the oldest"));
    // the only snapshot is the newest, which drop-oldest never drops (FullStoreTest: what it does drop)
    Cli.Result kept = Cli.run(Cli.random(16 << 20, 5), "write", v, "--offset", "0");
    assertEquals(1, kept.exit());
    assertTrue(kept.stderr().contains("never drops the newest"), kept.stderr());
    assertTrue(Cli.ok("status", v, "--json").out().contains("\"snapshots\": 1"), "the newest snapshot stays");
    assertEquals(1, Cli.run("set", v, "--on-full", "sometimes").exit());
    assertEquals(1, Cli.run("init", tmp.resolve("w").toString(), "--size", "1M", "--on-full", "maybe").exit());
  }
}
