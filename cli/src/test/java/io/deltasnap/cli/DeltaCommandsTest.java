package io.deltasnap.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
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

  @BeforeEach
  void setUp() throws Exception {
    src = tmp.resolve("src").toString();
    key = tmp.resolve("site").toString() + ".key";
    pub = tmp.resolve("site").toString() + ".pub";
    Cli.ok("keygen", "--output", tmp.resolve("site").toString());
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(Path.of(key))));
    Cli.ok("init", src, "--size", "2M", "--chunk-size", "64K");
    Cli.ok(Cli.random(300_000, 1), "write", src, "--offset", "100000");
    Cli.ok("snapshot", "create", src, "--name", "one");
    Cli.ok(Cli.random(5000, 2), "write", src, "--offset", "700000");
    Cli.ok("snapshot", "create", src, "--name", "two");
    Cli.ok(Cli.random(70_000, 3), "write", src, "--offset", "1500000");
    Cli.ok("snapshot", "create", src, "--name", "three");
  }

  @Test
  void deltaFilesRebuildAReplicaAndInspectShowsThem() throws Exception {
    String rep = tmp.resolve("rep").toString();
    String f1 = tmp.resolve("1.delta").toString();
    String f12 = tmp.resolve("1-2.delta").toString();
    Cli.ok("delta", "create", src, "--snapshot", "1", "--key", key, "--output", f1);
    Cli.ok("delta", "create", src, "--base", "1", "--snapshot", "2", "--key", key, "--output", f12);
    String info = Cli.ok("delta", "inspect", f12, "--json", "--trust", pub).out();
    assertTrue(info.contains("\"signature\": \"verified\"") && info.contains("\"id\": 2"), info);
    Cli.ok("delta", "apply", rep, f1, "--trust", pub);
    Cli.ok("delta", "apply", rep, f12, "--trust", pub);
    // stdout → stdin, as through ssh
    byte[] d23 = Cli.ok("delta", "create", src, "--base", "2", "--snapshot", "3", "--key", key, "--output", "-").stdout();
    Cli.ok(d23, "delta", "apply", rep, "-", "--trust", pub);
    for (String id : new String[] {"1", "2", "3"}) {
      assertArrayEquals(Cli.ok("read", src, "--snapshot", id).stdout(), Cli.ok("read", rep, "--snapshot", id).stdout(), id);
    }
    String list = Cli.ok("snapshot", "list", rep, "--json").out();
    String srcList = Cli.ok("snapshot", "list", src, "--json").out();
    assertEquals(srcList, list, "IDs, UUIDs, names and times are the source's");
  }

  @Test
  void badDeltasAreRefusedWithOneLineAndTheReplicaIsUntouched() throws Exception {
    String rep = tmp.resolve("rep").toString();
    Path f1 = tmp.resolve("1.delta");
    Path f12 = tmp.resolve("1-2.delta");
    Cli.ok("delta", "create", src, "--snapshot", "1", "--key", key, "--output", f1.toString());
    Cli.ok("delta", "create", src, "--base", "1", "--snapshot", "2", "--key", key, "--output", f12.toString());
    // a tampered full delta into a new replica leaves nothing behind
    byte[] bad = Files.readAllBytes(f1);
    bad[bad.length / 2] ^= 4;
    Path badFile = tmp.resolve("bad.delta");
    Files.write(badFile, bad);
    Cli.refused("delta", "apply", rep, badFile.toString(), "--trust", pub);
    assertFalse(Files.exists(Path.of(rep)), "no half-made replica");
    Cli.ok("delta", "apply", rep, f1.toString(), "--trust", pub);
    byte[] store = Files.readAllBytes(Path.of(rep, "store"));
    byte[] bad2 = Files.readAllBytes(f12);
    bad2[bad2.length - 10] ^= 1; // inside the signature
    Files.write(badFile, bad2);
    Cli.refused("delta", "apply", rep, badFile.toString(), "--trust", pub);
    Files.write(badFile, new byte[0]);
    Cli.refused("delta", "apply", rep, badFile.toString(), "--trust", pub);
    Cli.ok("keygen", "--output", tmp.resolve("other").toString());
    String r = Cli.refused("delta", "apply", rep, f12.toString(), "--trust", tmp.resolve("other.pub").toString()).stderr();
    assertTrue(r.contains("trust"), r);
    Cli.refused("delta", "apply", rep, f1.toString(), "--trust", pub); // already applied
    Cli.refused("delta", "apply", rep, tmp.resolve("missing").toString(), "--trust", pub);
    String snaps = Cli.ok("snapshot", "list", rep, "--json").out();
    assertTrue(snaps.contains("\"id\": 1") && !snaps.contains("\"id\": 2"), snaps);
    assertArrayEquals(Cli.ok("read", src, "--snapshot", "1").stdout(), Cli.ok("read", rep, "--snapshot", "1").stdout());
    assertTrue(store.length > 0);
    Cli.refused("delta", "create", src, "--snapshot", "9", "--key", key, "--output", tmp.resolve("x").toString());
    assertFalse(Files.exists(tmp.resolve("x")), "no partial delta file");
  }

  @Test
  void mergedDeltasApplyLikeTheChain() throws Exception {
    Path f1 = tmp.resolve("1.delta");
    Path f12 = tmp.resolve("1-2.delta");
    Path f23 = tmp.resolve("2-3.delta");
    Path m = tmp.resolve("merged.delta");
    Cli.ok("delta", "create", src, "--snapshot", "1", "--key", key, "--output", f1.toString());
    Cli.ok("delta", "create", src, "--base", "1", "--snapshot", "2", "--key", key, "--output", f12.toString(), "--no-patch");
    Cli.ok("delta", "create", src, "--base", "2", "--snapshot", "3", "--key", key, "--output", f23.toString());
    // full 1 + 1→2 + 2→3 = a full delta of 3
    Cli.ok("delta", "merge", f1.toString(), f12.toString(), f23.toString(), "--output", m.toString(), "--key", key,
        "--trust", pub);
    String rep = tmp.resolve("rep").toString();
    Cli.ok("delta", "apply", rep, m.toString(), "--trust", pub);
    assertArrayEquals(Cli.ok("read", src, "--snapshot", "3").stdout(), Cli.ok("read", rep, "--snapshot", "3").stdout());
    // 1→2 + 2→3 = 1→3 on top of a replica holding 1: 2→3's patches of chunks 1→2 did not touch
    // pass through unchanged (they patch 1's content), the others are decoded against 1→2
    Path m13 = tmp.resolve("m13.delta");
    Cli.ok("delta", "merge", f12.toString(), f23.toString(), "--output", m13.toString(), "--key", key, "--trust", pub);
    assertTrue(Cli.ok("delta", "inspect", m13.toString(), "--json").out().matches("(?s).*\"patchRecords\": [1-9].*"),
        "patches passed through");
    String rep2 = tmp.resolve("rep2").toString();
    Cli.ok("delta", "apply", rep2, f1.toString(), "--trust", pub);
    Cli.ok("delta", "apply", rep2, m13.toString(), "--trust", pub);
    assertArrayEquals(Cli.ok("read", src, "--snapshot", "3").stdout(), Cli.ok("read", rep2, "--snapshot", "3").stdout());
    Path unmade = tmp.resolve("unmade.delta");
    String order = Cli.refused("delta", "merge", f23.toString(), f12.toString(), "--output", unmade.toString(), "--key", key,
        "--trust", pub).stderr();
    assertFalse(order.contains("exists"), order);
    // both deltas patch the same chunk: refused, clearly
    Path p12 = tmp.resolve("p12.delta");
    Path p23 = tmp.resolve("p23.delta");
    Cli.ok(new byte[100], "write", src, "--offset", "700000");
    Cli.ok("snapshot", "create", src);
    Cli.ok("delta", "create", src, "--base", "1", "--snapshot", "2", "--key", key, "--output", p12.toString());
    Cli.ok("delta", "create", src, "--base", "2", "--snapshot", "4", "--key", key, "--output", p23.toString());
    String both = Cli.refused("delta", "merge", p12.toString(), p23.toString(), "--output", unmade.toString(), "--key", key,
        "--trust", pub).stderr();
    assertTrue(both.contains("--no-patch"), both);
  }
}
