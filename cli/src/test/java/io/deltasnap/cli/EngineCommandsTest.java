package io.deltasnap.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The engine's commands end to end through the real command line, as CLI.md gives them. */
class EngineCommandsTest {
  @TempDir
  Path tmp;

  String vol() {
    return tmp.resolve("vol").toString();
  }

  Cli.Result ok(byte[] in, String... args) {
    Cli.Result r = Cli.run(in, args);
    assertEquals(0, r.exit(), () -> String.join(" ", args) + " failed: " + r.stderr());
    return r;
  }

  Cli.Result ok(String... args) {
    return ok(null, args);
  }

  /** Bad input: one "deltasnap: " line, exit 1, no stack trace. */
  Cli.Result refused(String... args) {
    Cli.Result r = Cli.run(args);
    assertEquals(1, r.exit(), () -> String.join(" ", args) + " should fail: " + r.stderr());
    assertTrue(r.stderr().startsWith("deltasnap: "), r.stderr());
    assertEquals(1, r.stderr().strip().lines().count(), "one line: " + r.stderr());
    assertFalse(r.stderr().contains("\tat "), "no stack trace: " + r.stderr());
    return r;
  }

  @Test
  void writeSnapshotReadDiffRestoreRoundTrip() throws Exception {
    ok("init", vol(), "--size", "1M", "--chunk-size", "4K");
    byte[] a = new byte[10_000];
    new Random(1).nextBytes(a);
    ok(a, "write", vol(), "--offset", "5000");
    assertEquals("1", ok("snapshot", "create", vol(), "--name", "one").out().strip());
    byte[] b = new byte[3];
    ok(b, "write", vol(), "--offset", "8K");
    byte[] snap = ok("read", vol(), "--snapshot", "1", "--offset", "5000", "--length", "10000").stdout();
    assertArrayEquals(a, snap);
    byte[] origin = ok("read", vol(), "--offset", "8192", "--length", "3").stdout();
    assertArrayEquals(b, origin);
    assertEquals(1 << 20, ok("read", vol()).stdout().length);

    String json = ok("snapshot", "create", vol(), "--json").out();
    assertTrue(json.contains("\"id\": 2") && json.contains("\"writable\": false"), json);
    String diff = ok("diff", vol(), "--base", "1", "--snapshot", "2", "--json").out();
    assertTrue(diff.contains("\"offset\": 8192") && diff.contains("\"length\": 4096"), diff);
    assertTrue(diff.contains("\"nodesVisited\""), diff);

    ok("restore", vol(), "--snapshot", "1");
    assertArrayEquals(Arrays.copyOfRange(a, 8192 - 5000, 8192 - 5000 + 3),
        ok("read", vol(), "--offset", "8192", "--length", "3").stdout());
    // the restore kept snapshot 2 as it was
    assertArrayEquals(b, ok("read", vol(), "--snapshot", "2", "--offset", "8192", "--length", "3").stdout());

    String list = ok("snapshot", "list", vol(), "--json").out();
    for (String f : new String[] {"\"id\"", "\"uuid\"", "\"name\"", "\"created\"", "\"writable\""}) {
      assertTrue(list.contains(f), list);
    }
    String status = ok("status", vol(), "--json").out();
    for (String f : new String[] {"\"size\": 1048576", "\"chunkSize\": 4096", "\"snapshots\": 2", "\"exceptions\"",
        "\"storeBytes\"", "\"freeBytes\"", "\"pendingDeletions\"", "\"hits\"", "\"misses\""}) {
      assertTrue(status.contains(f), status);
    }
    ok("snapshot", "delete", vol(), "1");
    refused("read", vol(), "--snapshot", "1");
    assertTrue(ok("snapshot", "list", vol(), "--json").out().contains("\"id\": 2"));
  }

  @Test
  void writableSnapshotsTakeWritesAndReadOnlyOnesRefuse() {
    ok("init", vol(), "--size", "256K", "--chunk-size", "4K");
    ok("snapshot", "create", vol(), "--writable");
    ok("snapshot", "create", vol());
    ok("hello".getBytes(), "write", vol(), "--snapshot", "1", "--offset", "10");
    assertEquals("hello", ok("read", vol(), "--snapshot", "1", "--offset", "10", "--length", "5").out());
    assertArrayEquals(new byte[5], ok("read", vol(), "--offset", "10", "--length", "5").stdout());
    Cli.Result r = Cli.run("x".getBytes(), "write", vol(), "--snapshot", "2", "--offset", "0");
    assertEquals(1, r.exit());
    assertTrue(r.stderr().contains("read-only"), r.stderr());
  }

  @Test
  void badInputIsRefusedWithOneLineAndChangesNothing() throws Exception {
    ok("init", vol(), "--size", "64K", "--chunk-size", "4K");
    ok(new byte[] {7}, "write", vol(), "--offset", "0");
    byte[] before = Files.readAllBytes(tmp.resolve("vol/store"));
    refused("read", vol(), "--snapshot", "5");
    refused("read", vol(), "--offset", "65K");
    refused("write", vol(), "--offset", "1M");
    refused("diff", vol(), "--snapshot", "3");
    refused("restore", vol(), "--snapshot", "3");
    refused("snapshot", "delete", vol(), "3");
    refused("init", vol(), "--size", "1M");
    refused("status", tmp.resolve("nothing").toString());
    refused("init", tmp.resolve("v2").toString(), "--size", "1M", "--chunk-size", "3K");
    assertFalse(Files.exists(tmp.resolve("v2")), "a failed init leaves nothing behind");
    Cli.Result big = Cli.run(new byte[70_000], "write", vol(), "--offset", "0");
    assertEquals(1, big.exit());
    assertTrue(big.stderr().contains("nothing was written"), big.stderr());
    assertArrayEquals(before, Files.readAllBytes(tmp.resolve("vol/store")), "store untouched");
    assertArrayEquals(new byte[] {7}, ok("read", vol(), "--length", "1").stdout());
  }

  @Test
  void usageErrorsExitTwo() {
    assertEquals(2, Cli.run("frobnicate").exit());
    assertEquals(2, Cli.run("init").exit());
    assertEquals(2, Cli.run("diff", vol()).exit());
    assertEquals(0, Cli.run("--version").exit());
    assertTrue(Cli.run("help", "init").out().contains("--chunk-size"));
  }

  @Test
  void initWithAnExistingOriginKeepsItsContents() throws Exception {
    Path img = tmp.resolve("disk.img");
    byte[] data = new byte[128 * 1024];
    new Random(9).nextBytes(data);
    Files.write(img, data);
    ok("init", vol(), "--origin", img.toString(), "--chunk-size", "4K");
    ok("snapshot", "create", vol());
    ok(new byte[4096], "write", vol(), "--offset", "0");
    assertArrayEquals(data, ok("read", vol(), "--snapshot", "1").stdout());
    assertArrayEquals(new byte[4096], Arrays.copyOf(Files.readAllBytes(img), 4096));
  }
}
