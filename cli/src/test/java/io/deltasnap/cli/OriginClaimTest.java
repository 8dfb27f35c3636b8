package io.deltasnap.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** init --origin never makes a second volume on another volume's files or on an origin a volume owns. */
class OriginClaimTest {
  @TempDir
  Path tmp;

  @Test
  void anotherVolumesStoreOrOriginIsRefusedUnderAnyName() throws Exception {
    Path a = tmp.resolve("a");
    Cli.ok("init", a.toString(), "--size", "1M");
    Cli.ok(Cli.random(1 << 20, 1), "write", a.toString(), "--offset", "0");
    Files.createLink(tmp.resolve("copy-of-store"), a.resolve("store"));
    byte[] origin = Files.readAllBytes(a.resolve("origin"));
    byte[] store = Files.readAllBytes(a.resolve("store"));
    for (Path p : new Path[] {a.resolve("origin"), a.resolve("store"), tmp.resolve("copy-of-store")}) {
      String why = Cli.refused("init", tmp.resolve("b").toString(), "--origin", p.toString()).stderr();
      assertTrue(why.contains(p.toString()), why);
      assertFalse(Files.exists(tmp.resolve("b")), "nothing made");
    }
    assertArrayEquals(origin, Files.readAllBytes(a.resolve("origin")));
    assertArrayEquals(store, Files.readAllBytes(a.resolve("store")));
  }

  @Test
  void anAdoptedOriginBelongsToItsVolumeUntilTheVolumeIsGone() throws Exception {
    Path disk = tmp.resolve("disk.img");
    Files.write(disk, Cli.random(1 << 20, 2));
    Path a = tmp.resolve("a");
    Cli.ok("init", a.toString(), "--origin", disk.toString());
    Files.createSymbolicLink(tmp.resolve("disk-link"), disk);
    for (Path p : new Path[] {disk, tmp.resolve("disk-link")}) {
      String why = Cli.refused("init", tmp.resolve("b").toString(), "--origin", p.toString()).stderr();
      assertTrue(why.contains("belongs to volume " + a), why);
    }
    Cli.ok("status", a.toString());
    // the volume is removed the way users do it: its directory goes, the claim goes stale
    try (var s = Files.walk(a)) {
      s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
    Cli.ok("init", tmp.resolve("c").toString(), "--origin", disk.toString());
    String why = Cli.refused("init", tmp.resolve("d").toString(), "--origin", disk.toString()).stderr();
    assertTrue(why.contains("belongs to volume " + tmp.resolve("c")), why);
  }

  @Test
  @Timeout(60)
  void anOriginInUseByAServedVolumeIsRefusedEvenWithoutItsClaimFile() throws Exception {
    Path disk = tmp.resolve("disk.img");
    Files.write(disk, Cli.random(1 << 20, 3));
    Path a = tmp.resolve("a");
    Cli.ok("init", a.toString(), "--origin", disk.toString());
    Files.delete(tmp.resolve(".disk.img" + OriginClaim.SUFFIX)); // say it was lost
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process serve = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), "io.deltasnap.cli.Main",
        "serve", a.toString(), "--listen", "127.0.0.1:0").redirectErrorStream(true).start();
    try {
      BufferedReader r = new BufferedReader(new InputStreamReader(serve.getInputStream(), StandardCharsets.UTF_8));
      String line = r.readLine();
      assertTrue(line != null && line.contains("127.0.0.1"), "serve did not start: " + line);
      String why = Cli.refused("init", tmp.resolve("b").toString(), "--origin", disk.toString()).stderr();
      assertTrue(why.contains("in use by an open volume"), why);
      assertFalse(Files.exists(tmp.resolve("b")));
    } finally {
      serve.destroy();
      assertTrue(serve.waitFor(30, TimeUnit.SECONDS));
    }
  }
}
