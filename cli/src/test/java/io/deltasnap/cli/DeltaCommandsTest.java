package io.deltasnap.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** keygen and delta create/apply/inspect/merge through the real command line. */
class DeltaCommandsTest {
  @TempDir
  Path tmp;

  String src;
  String key;
  String pub;

  Cli.Result ok(byte[] in, String... args) {
    Cli.Result r = Cli.run(in, args);
    assertEquals(0, r.exit(), () -> String.join(" ", args) + " failed: " + r.stderr());
    return r;
  }

  Cli.Result ok(String... args) {
    return ok(null, args);
  }

  Cli.Result refused(String... args) {
    Cli.Result r = Cli.run(args);
    assertEquals(1, r.exit(), () -> String.join(" ", args) + " should fail: " + r.stderr());
    assertTrue(r.stderr().startsWith("deltasnap: ") && r.stderr().strip().lines().count() == 1, r.stderr());
    return r;
  }

  byte[] random(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  @BeforeEach
  void setUp() throws Exception {
    src = tmp.resolve("src").toString();
    key = tmp.resolve("site").toString() + ".key";
    pub = tmp.resolve("site").toString() + ".pub";
    ok("keygen", "--output", tmp.resolve("site").toString());
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(Path.of(key))));
    ok("init", src, "--size", "2M", "--chunk-size", "64K");
    ok(random(300_000, 1), "write", src, "--offset", "100000");
    ok("snapshot", "create", src, "--name", "one");
    ok(random(5000, 2), "write", src, "--offset", "700000");
    ok("snapshot", "create", src, "--name", "two");
    ok(random(70_000, 3), "write", src, "--offset", "1500000");
    ok("snapshot", "create", src, "--name", "three");
  }

  @Test
  void deltaFilesRebuildAReplicaAndInspectShowsThem() throws Exception {
    String rep = tmp.resolve("rep").toString();
    String f1 = tmp.resolve("1.delta").toString();
    String f12 = tmp.resolve("1-2.delta").toString();
    ok("delta", "create", src, "--snapshot", "1", "--key", key, "--output", f1);
    ok("delta", "create", src, "--base", "1", "--snapshot", "2", "--key", key, "--output", f12);
    String info = ok("delta", "inspect", f12, "--json", "--trust", pub).out();
    assertTrue(info.contains("\"signature\": \"verified\"") && info.contains("\"id\": 2"), info);
    ok("delta", "apply", rep, f1, "--trust", pub);
    ok("delta", "apply", rep, f12, "--trust", pub);
    // stdout → stdin, as through ssh
    byte[] d23 = ok("delta", "create", src, "--base", "2", "--snapshot", "3", "--key", key, "--output", "-").stdout();
    ok(d23, "delta", "apply", rep, "-", "--trust", pub);
    for (String id : new String[] {"1", "2", "3"}) {
      assertArrayEquals(ok("read", src, "--snapshot", id).stdout(), ok("read", rep, "--snapshot", id).stdout(), id);
    }
    String list = ok("snapshot", "list", rep, "--json").out();
    String srcList = ok("snapshot", "list", src, "--json").out();
    assertEquals(srcList, list, "IDs, UUIDs, names and times are the source's");
  }

  @Test
  void badDeltasAreRefusedWithOneLineAndTheReplicaIsUntouched() throws Exception {
    String rep = tmp.resolve("rep").toString();
    Path f1 = tmp.resolve("1.delta");
    Path f12 = tmp.resolve("1-2.delta");
    ok("delta", "create", src, "--snapshot", "1", "--key", key, "--output", f1.toString());
    ok("delta", "create", src, "--base", "1", "--snapshot", "2", "--key", key, "--output", f12.toString());
    // a tampered full delta into a new replica leaves nothing behind
    byte[] bad = Files.readAllBytes(f1);
    bad[bad.length / 2] ^= 4;
    Path badFile = tmp.resolve("bad.delta");
    Files.write(badFile, bad);
    refused("delta", "apply", rep, badFile.toString(), "--trust", pub);
    assertFalse(Files.exists(Path.of(rep)), "no half-made replica");
    ok("delta", "apply", rep, f1.toString(), "--trust", pub);
    byte[] store = Files.readAllBytes(Path.of(rep, "store"));
    byte[] bad2 = Files.readAllBytes(f12);
    bad2[bad2.length - 10] ^= 1; // inside the signature
    Files.write(badFile, bad2);
    refused("delta", "apply", rep, badFile.toString(), "--trust", pub);
    Files.write(badFile, new byte[0]);
    refused("delta", "apply", rep, badFile.toString(), "--trust", pub);
    ok("keygen", "--output", tmp.resolve("other").toString());
    String r = refused("delta", "apply", rep, f12.toString(), "--trust", tmp.resolve("other.pub").toString()).stderr();
    assertTrue(r.contains("trust"), r);
    refused("delta", "apply", rep, f1.toString(), "--trust", pub); // already applied
    refused("delta", "apply", rep, tmp.resolve("missing").toString(), "--trust", pub);
    String snaps = ok("snapshot", "list", rep, "--json").out();
    assertTrue(snaps.contains("\"id\": 1") && !snaps.contains("\"id\": 2"), snaps);
    assertArrayEquals(ok("read", src, "--snapshot", "1").stdout(), ok("read", rep, "--snapshot", "1").stdout());
    assertTrue(store.length > 0);
    refused("delta", "create", src, "--snapshot", "9", "--key", key, "--output", tmp.resolve("x").toString());
    assertFalse(Files.exists(tmp.resolve("x")), "no partial delta file");
  }

  @Test
  void mergedDeltasApplyLikeTheChain() throws Exception {
    Path f1 = tmp.resolve("1.delta");
    Path f12 = tmp.resolve("1-2.delta");
    Path f23 = tmp.resolve("2-3.delta");
    Path m = tmp.resolve("merged.delta");
    ok("delta", "create", src, "--snapshot", "1", "--key", key, "--output", f1.toString());
    ok("delta", "create", src, "--base", "1", "--snapshot", "2", "--key", key, "--output", f12.toString(), "--no-patch");
    ok("delta", "create", src, "--base", "2", "--snapshot", "3", "--key", key, "--output", f23.toString());
    // full 1 + 1→2 + 2→3 = a full delta of 3
    ok("delta", "merge", f1.toString(), f12.toString(), f23.toString(), "--output", m.toString(), "--key", key,
        "--trust", pub);
    String rep = tmp.resolve("rep").toString();
    ok("delta", "apply", rep, m.toString(), "--trust", pub);
    assertArrayEquals(ok("read", src, "--snapshot", "3").stdout(), ok("read", rep, "--snapshot", "3").stdout());
    // 1→2 + 2→3 = 1→3 on top of a replica holding 1: 2→3's patches of chunks 1→2 did not touch
    // pass through unchanged (they patch 1's content), the others are decoded against 1→2
    Path m13 = tmp.resolve("m13.delta");
    ok("delta", "merge", f12.toString(), f23.toString(), "--output", m13.toString(), "--key", key, "--trust", pub);
    assertTrue(ok("delta", "inspect", m13.toString(), "--json").out().matches("(?s).*\"patchRecords\": [1-9].*"),
        "patches passed through");
    String rep2 = tmp.resolve("rep2").toString();
    ok("delta", "apply", rep2, f1.toString(), "--trust", pub);
    ok("delta", "apply", rep2, m13.toString(), "--trust", pub);
    assertArrayEquals(ok("read", src, "--snapshot", "3").stdout(), ok("read", rep2, "--snapshot", "3").stdout());
    refused("delta", "merge", f23.toString(), f12.toString(), "--output", m.toString(), "--key", key, "--trust", pub);
    // both deltas patch the same chunk: refused, clearly
    Path p12 = tmp.resolve("p12.delta");
    Path p23 = tmp.resolve("p23.delta");
    ok(new byte[100], "write", src, "--offset", "700000");
    ok("snapshot", "create", src);
    ok("delta", "create", src, "--base", "1", "--snapshot", "2", "--key", key, "--output", p12.toString());
    ok("delta", "create", src, "--base", "2", "--snapshot", "4", "--key", key, "--output", p23.toString());
    String both = refused("delta", "merge", p12.toString(), p23.toString(), "--output", m.toString(), "--key", key,
        "--trust", pub).stderr();
    assertTrue(both.contains("--no-patch"), both);
  }
}
