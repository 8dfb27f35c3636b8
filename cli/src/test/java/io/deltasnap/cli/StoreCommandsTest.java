package io.deltasnap.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** check, set, snapshot delete --wait and the full-store policy, through the command line. */
class StoreCommandsTest {
  @TempDir
  Path tmp;

  Cli.Result ok(byte[] in, String... args) {
    Cli.Result r = Cli.run(in, args);
    assertEquals(0, r.exit(), () -> String.join(" ", args) + " failed: " + r.stderr());
    return r;
  }

  static byte[] random(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  @Test
  void statusShowsPendingDeletionsAndReclaimableBytes() {
    String v = tmp.resolve("v").toString();
    ok(null, "init", v, "--size", "4M", "--chunk-size", "4K");
    ok(null, "snapshot", "create", v);
    ok(random(4 << 20, 1), "write", v, "--offset", "0");
    String before = ok(null, "status", v, "--json").out();
    assertTrue(before.contains("\"exceptions\": 1024"), before);
    ok(null, "snapshot", "delete", v, "1");
    String pending = ok(null, "status", v, "--json").out();
    assertTrue(pending.contains("\"pendingDeletions\": 1") && pending.contains("\"reclaimableBytes\": 4194304"), pending);
  }

  @Test
  void waitReclaimsAndStatusShowsIt() {
    String v = tmp.resolve("v").toString();
    ok(null, "init", v, "--size", "4M", "--chunk-size", "4K");
    ok(null, "snapshot", "create", v);
    ok(random(4 << 20, 1), "write", v, "--offset", "0");
    String r = ok(null, "snapshot", "delete", v, "1", "--wait", "--json").out();
    assertTrue(r.contains("\"bytesFreed\": 4194304"), r);
    String after = ok(null, "status", v, "--json").out();
    assertTrue(after.contains("\"exceptions\": 0") && after.contains("\"pendingDeletions\": 0"), after);
    String check = ok(null, "check", v, "--json").out();
    assertTrue(check.contains("\"healthy\": true") && check.contains("\"leakedPages\": 0"), check);
  }

  @Test
  void checkReportsDamageWithItsLocationAndExitsOne() throws Exception {
    String v = tmp.resolve("v").toString();
    ok(null, "init", v, "--size", "1M", "--chunk-size", "4K");
    ok(null, "snapshot", "create", v);
    ok(random(1 << 20, 2), "write", v, "--offset", "0");
    assertTrue(ok(null, "check", v).out().contains("store is healthy"));
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
    ok(null, "init", v, "--size", "16M", "--chunk-size", "64K");
    ok(random(16 << 20, 3), "write", v, "--offset", "0");
    ok(null, "set", v, "--capacity", "12M");
    ok(null, "snapshot", "create", v);
    Cli.Result full = Cli.run(random(16 << 20, 4), "write", v, "--offset", "0");
    assertEquals(1, full.exit());
    assertTrue(full.stderr().contains("full"), full.stderr());
    assertTrue(ok(null, "status", v, "--json").out().contains("\"snapshots\": 1"));
    ok(null, "set", v, "--on-full", "drop-oldest");
    assertTrue(ok(null, "status", v).out().contains("drop the oldest"));
    ok(random(16 << 20, 5), "write", v, "--offset", "0");
    assertTrue(ok(null, "status", v, "--json").out().contains("\"snapshots\": 0"), "the oldest snapshot went");
    assertEquals(1, Cli.run("set", v, "--on-full", "sometimes").exit());
    assertEquals(1, Cli.run("init", tmp.resolve("w").toString(), "--size", "1M", "--on-full", "maybe").exit());
  }
}
