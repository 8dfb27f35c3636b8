package io.deltasnap.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where read, delta create and delta merge may write: never onto a volume, an input, or (without --force) a file. */
class OutputPathsTest {
  @TempDir
  Path tmp;

  Path vol;
  String key;
  String pub;

  @BeforeEach
  void setUp() {
    vol = tmp.resolve("vol");
    key = tmp.resolve("k.key").toString();
    pub = tmp.resolve("k.pub").toString();
    Cli.ok("keygen", "--output", tmp.resolve("k").toString());
    Cli.ok("init", vol.toString(), "--size", "1M", "--chunk-size", "64K");
    Cli.ok(Cli.random(1 << 20, 1), "write", vol.toString(), "--offset", "0");
    Cli.ok("snapshot", "create", vol.toString());
    Cli.ok(Cli.random(70_000, 2), "write", vol.toString(), "--offset", "0");
    Cli.ok("snapshot", "create", vol.toString());
  }

  @Test
  void readAndDeltaCreateRefuseToWriteOverTheVolumesOwnFiles() throws Exception {
    Files.createSymbolicLink(tmp.resolve("link-to-store"), vol.resolve("store"));
    Files.createLink(tmp.resolve("hardlink-to-origin"), vol.resolve("origin"));
    Map<String, String> before = ReplicaCreationTest.contents(vol);
    byte[] one = Cli.ok("read", vol.toString(), "--snapshot", "1").stdout();
    for (Path out : new Path[] {vol.resolve("store"), vol.resolve("origin"), vol.resolve("lock"),
        tmp.resolve("link-to-store"), tmp.resolve("hardlink-to-origin"), vol.resolve("receive-staged"),
        vol.resolve("receive-staged.tmp"), vol.resolve("control.sock"), vol.resolve("../vol/./receive-staged")}) {
      String why = Cli.refused("read", vol.toString(), "--output", out.toString()).stderr();
      assertTrue(why.contains("file of volume"), why);
      Cli.refused("delta", "create", vol.toString(), "--snapshot", "1", "--key", key, "--output", out.toString());
      Cli.refused("delta", "create", vol.toString(), "--snapshot", "1", "--key", key, "--output", out.toString(),
          "--force");
      assertEquals(before, ReplicaCreationTest.contents(vol), out.toString());
    }
    assertArrayEquals(one, Cli.ok("read", vol.toString(), "--snapshot", "1").stdout());
    Cli.ok("check", vol.toString());
  }

  @Test
  void anExternalOriginIsOneOfTheVolumesFiles() throws Exception {
    Path origin = tmp.resolve("disk.img");
    Files.write(origin, Cli.random(1 << 20, 3));
    Path ext = tmp.resolve("ext");
    Cli.ok("init", ext.toString(), "--origin", origin.toString());
    byte[] before = Files.readAllBytes(origin);
    Cli.refused("read", ext.toString(), "--output", origin.toString());
    assertArrayEquals(before, Files.readAllBytes(origin));
  }

  @Test
  void deltaCreateReplacesAnExistingFileOnlyWithForceAndNeverItsKey() throws Exception {
    Path out = tmp.resolve("1.delta");
    Files.writeString(out, "precious");
    String why = Cli.refused("delta", "create", vol.toString(), "--snapshot", "1", "--key", key, "--output",
        out.toString()).stderr();
    assertTrue(why.contains("--force"), why);
    assertEquals("precious", Files.readString(out));
    Cli.ok("delta", "create", vol.toString(), "--snapshot", "1", "--key", key, "--output", out.toString(), "--force");
    Cli.ok("delta", "inspect", out.toString(), "--trust", pub);
    byte[] keyBytes = Files.readAllBytes(Path.of(key));
    Cli.refused("delta", "create", vol.toString(), "--snapshot", "1", "--key", key, "--output", key, "--force");
    assertArrayEquals(keyBytes, Files.readAllBytes(Path.of(key)));
    assertNoPartFiles();
  }

  @Test
  void deltaMergeNeverWritesOverAnInputAndReplacesOtherFilesOnlyWithForce() throws Exception {
    Path f1 = tmp.resolve("1.delta");
    Path f12 = tmp.resolve("1-2.delta");
    Cli.ok("delta", "create", vol.toString(), "--snapshot", "1", "--key", key, "--output", f1.toString());
    Cli.ok("delta", "create", vol.toString(), "--base", "1", "--snapshot", "2", "--key", key, "--output", f12.toString());
    byte[] b1 = Files.readAllBytes(f1);
    byte[] b12 = Files.readAllBytes(f12);
    for (Path in : new Path[] {f1, f12, Path.of(pub)}) {
      String why = Cli.refused("delta", "merge", f1.toString(), f12.toString(), "--output", in.toString(), "--key", key,
          "--trust", pub, "--force").stderr();
      assertTrue(why.contains("input"), why);
    }
    assertArrayEquals(b1, Files.readAllBytes(f1));
    assertArrayEquals(b12, Files.readAllBytes(f12));
    Path m = tmp.resolve("merged.delta");
    Files.writeString(m, "precious");
    Cli.refused("delta", "merge", f1.toString(), f12.toString(), "--output", m.toString(), "--key", key, "--trust", pub);
    assertEquals("precious", Files.readString(m));
    Cli.ok("delta", "merge", f1.toString(), f12.toString(), "--output", m.toString(), "--key", key, "--trust", pub,
        "--force");
    String info = Cli.ok("delta", "inspect", m.toString(), "--json", "--trust", pub).out();
    assertTrue(info.contains("\"base\": null") && info.contains("\"id\": 2"), info);
    assertNoPartFiles();
  }

  private void assertNoPartFiles() throws Exception {
    try (var s = Files.list(tmp)) {
      assertFalse(s.anyMatch(p -> p.getFileName().toString().endsWith(".part")), "a temporary file was left behind");
    }
  }
}
