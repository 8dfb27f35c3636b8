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

  @Test
  void writeSnapshotReadDiffRestoreRoundTrip() throws Exception {
    Cli.ok("init", vol(), "--size", "1M", "--chunk-size", "4K");
    byte[] a = new byte[10_000];
    new Random(1).nextBytes(a);
    Cli.ok(a, "write", vol(), "--offset", "5000");
    assertEquals("1", Cli.ok("snapshot", "create", vol(), "--name", "one").out().strip());
    byte[] b = new byte[3];
    Cli.ok(b, "write", vol(), "--offset", "8K");
    byte[] snap = Cli.ok("read", vol(), "--snapshot", "1", "--offset", "5000", "--length", "10000").stdout();
    assertArrayEquals(a, snap);
    byte[] origin = Cli.ok("read", vol(), "--offset", "8192", "--length", "3").stdout();
    assertArrayEquals(b, origin);
    assertEquals(1 << 20, Cli.ok("read", vol()).stdout().length);

    String json = Cli.ok("snapshot", "create", vol(), "--json").out();
    assertTrue(json.contains("\"id\": 2") && json.contains("\"writable\": false"), json);
    String diff = Cli.ok("diff", vol(), "--base", "1", "--snapshot", "2", "--json").out();
    assertTrue(diff.contains("\"offset\": 8192") && diff.contains("\"length\": 4096"), diff);
    assertTrue(diff.contains("\"nodesVisited\""), diff);

    Cli.ok("restore", vol(), "--snapshot", "1");
    assertArrayEquals(Arrays.copyOfRange(a, 8192 - 5000, 8192 - 5000 + 3),
        Cli.ok("read", vol(), "--offset", "8192", "--length", "3").stdout());
    // the restore kept snapshot 2 as it was
    assertArrayEquals(b, Cli.ok("read", vol(), "--snapshot", "2", "--offset", "8192", "--length", "3").stdout());

    String list = Cli.ok("snapshot", "list", vol(), "--json").out();
    for (String f : new String[] {"\"id\"", "\"uuid\"", "\"name\"", "\"created\"", "\"writable\""}) {
      assertTrue(list.contains(f), list);
    }
    String status = Cli.ok("status", vol(), "--json").out();
    for (String f : new String[] {"\"size\": 1048576", "\"chunkSize\": 4096", "\"snapshots\": 2", "\"exceptions\"",
        "\"storeBytes\"", "\"freeBytes\"", "\"pendingDeletions\"", "\"hits\"", "\"misses\""}) {
      assertTrue(status.contains(f), status);
    }
    Cli.ok("snapshot", "delete", vol(), "1");
    Cli.refused("read", vol(), "--snapshot", "1");
    assertTrue(Cli.ok("snapshot", "list", vol(), "--json").out().contains("\"id\": 2"));
  }

  @Test
  void writableSnapshotsTakeWritesAndReadOnlyOnesRefuse() {
    Cli.ok("init", vol(), "--size", "256K", "--chunk-size", "4K");
    Cli.ok("snapshot", "create", vol(), "--writable");
    Cli.ok("snapshot", "create", vol());
    Cli.ok("hello".getBytes(), "write", vol(), "--snapshot", "1", "--offset", "10");
    assertEquals("hello", Cli.ok("read", vol(), "--snapshot", "1", "--offset", "10", "--length", "5").out());
    assertArrayEquals(new byte[5], Cli.ok("read", vol(), "--offset", "10", "--length", "5").stdout());
    Cli.Result r = Cli.run("x".getBytes(), "write", vol(), "--snapshot", "2", "--offset", "0");
    assertEquals(1, r.exit());
    assertTrue(r.stderr().contains("read-only"), r.stderr());
  }

  @Test
  void stdinRunningPastTheEndWritesNothingEvenAfterManyPieces() throws Exception {
    Cli.ok("init", vol(), "--size", "40M", "--chunk-size", "64K");
    byte[] before = Files.readAllBytes(tmp.resolve("vol/origin"));
    byte[] tooLong = Cli.random(48 << 20, 3); // more than one 32 MiB piece, more than fits, within the lookahead
    Cli.Result r = Cli.run(tooLong, "write", vol(), "--offset", "0");
    assertEquals(1, r.exit());
    assertTrue(r.stderr().startsWith("deltasnap: ") && r.stderr().contains("nothing was written"), r.stderr());
    assertArrayEquals(before, Files.readAllBytes(tmp.resolve("vol/origin")), "origin untouched");
    byte[] fits = Cli.random(40 << 20, 4);
    Cli.ok(fits, "write", vol(), "--offset", "0");
    assertArrayEquals(fits, Files.readAllBytes(tmp.resolve("vol/origin")));
  }

  @Test
  void badInputIsRefusedWithOneLineAndChangesNothing() throws Exception {
    Cli.ok("init", vol(), "--size", "64K", "--chunk-size", "4K");
    Cli.ok(new byte[] {7}, "write", vol(), "--offset", "0");
    byte[] before = Files.readAllBytes(tmp.resolve("vol/store"));
    Cli.refused("read", vol(), "--snapshot", "5");
    Cli.refused("read", vol(), "--offset", "65K");
    Cli.refused("write", vol(), "--offset", "1M");
    Cli.refused("diff", vol(), "--snapshot", "3");
    Cli.refused("restore", vol(), "--snapshot", "3");
    Cli.refused("snapshot", "delete", vol(), "3");
    Cli.refused("init", vol(), "--size", "1M");
    Cli.refused("status", tmp.resolve("nothing").toString());
    Cli.refused("init", tmp.resolve("v2").toString(), "--size", "1M", "--chunk-size", "3K");
    assertFalse(Files.exists(tmp.resolve("v2")), "a failed init leaves nothing behind");
    Cli.Result big = Cli.run(new byte[70_000], "write", vol(), "--offset", "0");
    assertEquals(1, big.exit());
    assertTrue(big.stderr().contains("nothing was written"), big.stderr());
    assertArrayEquals(before, Files.readAllBytes(tmp.resolve("vol/store")), "store untouched");
    assertArrayEquals(new byte[] {7}, Cli.ok("read", vol(), "--length", "1").stdout());
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
    Cli.ok("init", vol(), "--origin", img.toString(), "--chunk-size", "4K");
    Cli.ok("snapshot", "create", vol());
    Cli.ok(new byte[4096], "write", vol(), "--offset", "0");
    assertArrayEquals(data, Cli.ok("read", vol(), "--snapshot", "1").stdout());
    assertArrayEquals(new byte[4096], Arrays.copyOf(Files.readAllBytes(img), 4096));
  }
}
