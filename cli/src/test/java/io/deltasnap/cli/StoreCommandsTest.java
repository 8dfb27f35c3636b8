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
