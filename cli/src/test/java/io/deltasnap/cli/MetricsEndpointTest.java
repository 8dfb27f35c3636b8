package io.deltasnap.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --metrics} on {@code serve}, a bad address, and what a command without it loads. */
class MetricsEndpointTest {
  @TempDir
  Path tmp;
  final List<Process> processes = new ArrayList<>();

  @AfterEach
  void stop() throws InterruptedException {
    for (Process p : processes) {
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
    }
  }

  Process java(Path log, String... args) throws java.io.IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd = new ArrayList<>(List.of(java));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectError(log.toFile()).start();
    processes.add(p);
    return p;
  }

  @Test
  void serveExposesItsVolumeSnapshotsAndCapacity() throws Exception {
    String vol = tmp.resolve("vol").toString();
    Cli.ok("init", vol, "--size", "1M");
    Cli.ok("snapshot", "create", vol);
    Cli.ok("snapshot", "create", vol);
    Cli.ok("set", vol, "--capacity", "64M");
    Path log = tmp.resolve("serve.log");
    java(log, "-cp", System.getProperty("java.class.path"), "io.deltasnap.cli.Main", "serve", vol, "--listen",
        "127.0.0.1:0", "--metrics", "127.0.0.1:0");
    Exposition e = Exposition.scrape(MetricsDocTest.metricsUrl(log));
    assertEquals(2, e.value("deltasnap_volume_snapshots", "volume", vol));
    assertEquals(64 << 20, e.value("deltasnap_volume_capacity_bytes", "volume", vol));
    assertEquals(1 << 20, e.value("deltasnap_volume_size_bytes", "volume", vol));
    assertEquals(0, e.value("deltasnap_volume_pending_deletions", "volume", vol));
    assertFalse(e.has("deltasnap_receiver_transfers_applied_total"), "serve runs no receiver");
  }

  @Test
  void aBadMetricsAddressIsRefusedBeforeAnythingStarts() throws Exception {
    Cli.ok("keygen", "--output", tmp.resolve("k").toString());
    Cli.writeTrustFile(tmp.resolve("trust"), Files.readString(tmp.resolve("k.pub")));
    Path replica = tmp.resolve("replica");
    Cli.Result r = Cli.refused("receive", replica.toString(), "--listen", "127.0.0.1:0", "--trust",
        tmp.resolve("trust").toString(), "--metrics", "no-port");
    assertTrue(r.stderr().contains("is not HOST:PORT"), r.stderr());
    assertFalse(Files.exists(replica), "nothing created");
  }

  @Test
  void withoutTheOptionAReceiverNeverLoadsTheMetricsClient() throws Exception {
    Cli.ok("keygen", "--output", tmp.resolve("k").toString());
    Cli.writeTrustFile(tmp.resolve("trust"), Files.readString(tmp.resolve("k.pub")));
    Path classes = tmp.resolve("classes.log");
    Process p = java(tmp.resolve("receive.log"), "-Xlog:class+load=info:file=" + classes, "-cp",
        System.getProperty("java.class.path"), "io.deltasnap.cli.Main", "receive", tmp.resolve("replica").toString(),
        "--listen", "127.0.0.1:0", "--trust", tmp.resolve("trust").toString(), "--json");
    String line = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)).readLine();
    assertTrue(line != null && line.contains("\"port\""), () -> "receive did not start: " + line);
    String loaded = Files.readString(classes);
    assertTrue(loaded.contains("io.deltasnap.cli.ReceiveCommand"), "the log lists our classes");
    assertFalse(loaded.contains("io.prometheus"), "a metrics class was loaded without --metrics");
  }
}
