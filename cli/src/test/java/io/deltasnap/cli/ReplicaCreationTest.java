package io.deltasnap.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The first {@code delta apply} to a replica (and {@code init}) creates the volume: a failure
 * removes only what the command made, never a file or directory that was there before, and two
 * commands creating the same replica at once do not undo each other.
 */
class ReplicaCreationTest {
  @TempDir
  Path tmp;

  String src;
  String key;
  String pub;
  Path full;
  Path inc;

  @BeforeEach
  void setUp() {
    src = tmp.resolve("src").toString();
    key = tmp.resolve("site.key").toString();
    pub = tmp.resolve("site.pub").toString();
    Cli.ok("keygen", "--output", tmp.resolve("site").toString());
    Cli.ok("init", src, "--size", "4M", "--chunk-size", "64K");
    Cli.ok(Cli.random(4 << 20, 1), "write", src, "--offset", "0");
    Cli.ok("snapshot", "create", src);
    Cli.ok(Cli.random(100_000, 2), "write", src, "--offset", "1M");
    Cli.ok("snapshot", "create", src);
    full = tmp.resolve("full.delta");
    inc = tmp.resolve("inc.delta");
    Cli.ok("delta", "create", src, "--snapshot", "1", "--key", key, "--output", full.toString());
    Cli.ok("delta", "create", src, "--base", "1", "--snapshot", "2", "--key", key, "--output", inc.toString());
  }

  @Test
  void aFailedApplyToADirectoryOfOtherFilesLeavesEveryFileAsItWas() throws Exception {
    Path home = tmp.resolve("home");
    Files.createDirectories(home.resolve("sub"));
    Files.writeString(home.resolve("notes.txt"), "keep me");
    Files.write(home.resolve("sub/photo.jpg"), Cli.random(5000, 9));
    Map<String, String> before = contents(home);

    Path garbage = tmp.resolve("garbage.delta");
    Files.write(garbage, Cli.random(20_000, 4));
    Cli.refused("delta", "apply", home.toString(), garbage.toString(), "--trust", pub);
    assertEquals(before, contents(home), "a garbage delta");

    Cli.ok("keygen", "--output", tmp.resolve("other").toString());
    Cli.refused("delta", "apply", home.toString(), full.toString(), "--trust", tmp.resolve("other.pub").toString());
    assertEquals(before, contents(home), "an untrusted signer");

    Cli.refused("delta", "apply", home.toString(), inc.toString(), "--trust", pub);
    assertEquals(before, contents(home), "an incremental delta");

    // damaged in its records: the replica's files are made before the damage is found
    byte[] bad = Files.readAllBytes(full);
    bad[bad.length * 3 / 4] ^= 8;
    Path tampered = tmp.resolve("tampered.delta");
    Files.write(tampered, bad);
    Cli.refused("delta", "apply", home.toString(), tampered.toString(), "--trust", pub);
    assertEquals(before, contents(home), "a delta damaged after its header");

    // a good delta then makes the replica beside the files, which stay
    Cli.ok("delta", "apply", home.toString(), full.toString(), "--trust", pub);
    assertArrayEquals(Cli.ok("read", src, "--snapshot", "1").stdout(), Cli.ok("read", home.toString(), "--snapshot", "1").stdout());
    assertEquals("keep me", Files.readString(home.resolve("notes.txt")));
  }

  @Test
  void aNewReplicaDirectoryThatFailsIsRemovedWithTheParentsTheCommandMade() throws Exception {
    Path rep = tmp.resolve("a/b/rep");
    Cli.refused("delta", "apply", rep.toString(), inc.toString(), "--trust", pub);
    assertFalse(Files.exists(tmp.resolve("a")), "no directory left behind");
    byte[] bad = Files.readAllBytes(full);
    bad[bad.length / 2] ^= 8;
    Path tampered = tmp.resolve("tampered.delta");
    Files.write(tampered, bad);
    Cli.refused("delta", "apply", rep.toString(), tampered.toString(), "--trust", pub);
    assertFalse(Files.exists(tmp.resolve("a")), "no directory left behind");
  }

  @Test
  void aFileWhereTheOriginWouldGoIsNeverOverwritten() throws Exception {
    for (String name : new String[] {"origin", "lock"}) {
      Path dir = tmp.resolve("has-" + name);
      Files.createDirectories(dir);
      Files.writeString(dir.resolve(name), "my own " + name + " file");
      Map<String, String> before = contents(dir);
      String why = Cli.refused("delta", "apply", dir.toString(), full.toString(), "--trust", pub).stderr();
      assertTrue(why.contains(dir.resolve(name).toString()), why);
      assertEquals(before, contents(dir));
      Cli.refused("init", dir.toString(), "--size", "1M");
      assertEquals(before, contents(dir));
    }
  }

  @Test
  @Timeout(240)
  void twoFirstAppliesAtOnceLeaveOneCompleteReplica() throws Exception {
    byte[] one = Cli.ok("read", src, "--snapshot", "1").stdout();
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    for (int round = 0; round < 4; round++) {
      Path rep = tmp.resolve("race" + round);
      List<Process> ps = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        ps.add(new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), "io.deltasnap.cli.Main",
            "delta", "apply", rep.toString(), full.toString(), "--trust", pub, "--no-progress")
            .redirectErrorStream(true).redirectOutput(tmp.resolve("apply" + i + ".log").toFile()).start());
      }
      int succeeded = 0;
      for (int i = 0; i < 2; i++) {
        assertTrue(ps.get(i).waitFor(60, TimeUnit.SECONDS));
        String log = Files.readString(tmp.resolve("apply" + i + ".log"));
        if (ps.get(i).exitValue() == 0) {
          succeeded++;
        } else {
          assertEquals(1, ps.get(i).exitValue(), log);
          assertTrue(log.startsWith("deltasnap: ") && (log.contains("in use") || log.contains("applied before")), log);
        }
      }
      assertEquals(1, succeeded, "round " + round + ": exactly one apply makes the replica: " + Files.readString(tmp.resolve("apply0.log")) + " / " + Files.readString(tmp.resolve("apply1.log")));
      assertArrayEquals(one, Cli.ok("read", rep.toString(), "--snapshot", "1").stdout(), "round " + round);
      Cli.ok("check", rep.toString()); // exits 1 on any damage
    }
  }

  /** Every file under {@code dir} (relative path → contents), directories included. */
  static Map<String, String> contents(Path dir) throws IOException {
    Map<String, String> m = new TreeMap<>();
    try (var s = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        String rel = dir.relativize(p).toString();
        m.put(rel, Files.isDirectory(p) ? "<dir>" : java.util.HexFormat.of().formatHex(Files.readAllBytes(p)));
      }
    }
    return m;
  }
}
