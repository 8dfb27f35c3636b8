package io.deltasnap.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.deltasnap.engine.CheckReport;
import io.deltasnap.engine.DirectoryStorage;
import io.deltasnap.engine.Volume;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 of a real {@code delta apply} process at several instants: the replica keeps exactly
 * its earlier snapshots (or has the new one, complete), checks clean, and the same delta then
 * applies from the start.
 */
class ApplyKillTest {
  @TempDir
  Path tmp;

  @Test
  @Timeout(300)
  void killNineDuringApplyLeavesTheReplicaAsItWas() throws Exception {
    String src = tmp.resolve("src").toString();
    String rep = tmp.resolve("rep").toString();
    String key = tmp.resolve("k").toString();
    Cli.ok("keygen", "--output", key);
    Cli.ok("init", src, "--size", "64M", "--chunk-size", "64K");
    Cli.ok(Cli.random(64 << 20, 1), "write", src, "--offset", "0");
    Cli.ok("snapshot", "create", src);
    Cli.ok(Cli.random(48 << 20, 2), "write", src, "--offset", "8M");
    Cli.ok("snapshot", "create", src);
    Path full = tmp.resolve("full.delta");
    Path inc = tmp.resolve("inc.delta");
    Cli.ok("delta", "create", src, "--snapshot", "1", "--key", key + ".key", "--output", full.toString());
    Cli.ok("delta", "create", src, "--base", "1", "--snapshot", "2", "--key", key + ".key", "--output", inc.toString());
    Cli.ok("delta", "apply", rep, full.toString(), "--trust", key + ".pub");
    byte[] one = Cli.ok("read", src, "--snapshot", "1").stdout();
    byte[] two = Cli.ok("read", src, "--snapshot", "2").stdout();
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Random r = new Random(3);
    int killedMidway = 0;
    for (int attempt = 0; attempt < 8; attempt++) {
      Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), "io.deltasnap.cli.Main",
          "delta", "apply", rep, inc.toString(), "--trust", key + ".pub", "--no-progress")
          .redirectErrorStream(true).redirectOutput(tmp.resolve("apply.log").toFile()).start();
      Thread.sleep(300 + r.nextInt(1200));
      p.destroyForcibly(); // SIGKILL
      assertTrue(p.waitFor(30, TimeUnit.SECONDS));
      try (Volume v = Volume.open(new DirectoryStorage(Path.of(rep)))) {
        List<Long> ids = v.snapshots().stream().map(s -> s.id()).toList();
        assertTrue(ids.equals(List.of(1L)) || ids.equals(List.of(1L, 2L)), "snapshots after kill: " + ids);
        CheckReport c = v.check();
        assertFalse(c.damaged(), c.damage().toString());
        if (ids.size() == 2) {
          break; // the apply had finished before the kill
        }
        killedMidway++;
      }
      assertArrayEquals(one, Cli.ok("read", rep, "--snapshot", "1").stdout(), "snapshot 1 untouched");
    }
    assertTrue(killedMidway > 0, "no kill landed during an apply");
    Cli.Result again = Cli.run("delta", "apply", rep, inc.toString(), "--trust", key + ".pub");
    if (again.exit() != 0) {
      assertTrue(again.stderr().contains("already"), again.stderr());
    }
    assertArrayEquals(one, Cli.ok("read", rep, "--snapshot", "1").stdout());
    assertArrayEquals(two, Cli.ok("read", rep, "--snapshot", "2").stdout());
  }
}
