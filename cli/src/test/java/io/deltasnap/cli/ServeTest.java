package io.deltasnap.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.deltasnap.engine.CheckReport;
import io.deltasnap.engine.DirectoryStorage;
import io.deltasnap.engine.Volume;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code serve} in a real process, driven by real NBD clients (nbdinfo, nbdcopy, qemu-img), with
 * a snapshot taken through the control socket while serving.
 */
class ServeTest {
  @TempDir
  Path tmp;

  static boolean have(String tool) {
    for (String d : System.getenv("PATH").split(File.pathSeparator)) {
      if (Files.isExecutable(Path.of(d, tool))) {
        return true;
      }
    }
    return false;
  }

  static String run(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "timed out: " + String.join(" ", cmd));
    assertEquals(0, p.exitValue(), String.join(" ", cmd) + " failed: " + out);
    return out;
  }

  static Process serve(Path vol) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    return new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), "io.deltasnap.cli.Main",
        "serve", vol.toString(), "--listen", "127.0.0.1:0", "--json").start();
  }

  static int port(Process p) throws IOException {
    BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    String line = r.readLine();
    assertTrue(line != null, "serve printed nothing");
    Matcher m = Pattern.compile("\"port\": (\\d+)").matcher(line);
    assertTrue(m.find(), line);
    return Integer.parseInt(m.group(1));
  }

  @Test
  @Timeout(180)
  void realClientsReadAndWriteExportsAndSeeNewSnapshotsWithoutARestart() throws Exception {
    assumeTrue(have("nbdinfo") && have("nbdcopy") && have("qemu-img"), "libnbd-bin and qemu-utils are not installed");
    Path vol = tmp.resolve("vol");
    int size = 4 << 20;
    assertEquals(0, Cli.run("init", vol.toString(), "--size", "4M", "--chunk-size", "64K").exit());
    byte[] v1 = new byte[size];
    new Random(1).nextBytes(v1);
    assertEquals(0, Cli.run(v1, "write", vol.toString(), "--offset", "0").exit());
    assertEquals(0, Cli.run("snapshot", "create", vol.toString(), "--name", "one").exit());
    Process server = serve(vol);
    try {
      int port = port(server);
      String base = "nbd://127.0.0.1:" + port + "/";
      String list = run("nbdinfo", "--list", base);
      assertTrue(list.contains("origin") && list.contains("snapshot-1"), list);

      // a snapshot taken while serving goes through the control socket and is exported at once
      Cli.Result created = Cli.run("snapshot", "create", vol.toString(), "--name", "live");
      assertEquals(0, created.exit(), created.stderr());
      assertEquals("2", created.out().strip());
      assertTrue(run("nbdinfo", "--list", base).contains("snapshot-2"));
      assertTrue(Cli.run("snapshot", "list", vol.toString(), "--json").out().contains("\"live\""));

      // write the origin through NBD; the snapshots keep their data
      byte[] v2 = new byte[size];
      new Random(2).nextBytes(v2);
      Path in = tmp.resolve("v2.img");
      Files.write(in, v2);
      run("nbdcopy", in.toString(), base + "origin");
      Path out1 = tmp.resolve("s1.img");
      run("nbdcopy", base + "snapshot-1", out1.toString());
      assertArrayEquals(v1, Files.readAllBytes(out1));
      Path outO = tmp.resolve("o.img");
      run("nbdcopy", base + "origin", outO.toString());
      assertArrayEquals(v2, Files.readAllBytes(outO));
      Path v1img = tmp.resolve("v1.img");
      Files.write(v1img, v1);
      run("qemu-img", "compare", "-f", "raw", "-F", "raw", base + "snapshot-2", v1img.toString());
      String info = run("nbdinfo", base + "snapshot-1");
      assertTrue(info.contains("read_only: true") || info.contains("is_read_only: true"), info);
    } finally {
      server.destroy();
      assertTrue(server.waitFor(30, TimeUnit.SECONDS), "serve did not stop on SIGTERM");
    }
    try (Volume v = Volume.open(new DirectoryStorage(vol))) {
      CheckReport r = v.check();
      assertTrue(!r.damaged(), r.damage().toString());
      assertEquals(List.of(1L, 2L), v.snapshots().stream().map(s -> s.id()).toList());
      ByteBuffer b = ByteBuffer.allocate(size);
      v.read(1, 0, b);
      assertArrayEquals(v1, b.array());
    }
  }
}
