package io.deltasnap.cli.job;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.deltasnap.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** job run / status / daemon through the real command line. */
class JobCommandTest {
  @TempDir
  Path tmp;

  Path job;
  String src;

  record Result(int exit, String out, String err) {}

  static synchronized Result cli(byte[] stdin, String... args) {
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    java.io.InputStream oldIn = System.in;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      System.setIn(new java.io.ByteArrayInputStream(stdin == null ? new byte[0] : stdin));
      int code = Main.run(args);
      return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
      System.setIn(oldIn);
    }
  }

  static Result ok(String... args) {
    Result r = cli(null, args);
    assertEquals(0, r.exit(), () -> String.join(" ", args) + " failed: " + r.err());
    return r;
  }

  static Result fails(String... args) {
    Result r = cli(null, args);
    assertEquals(1, r.exit(), () -> String.join(" ", args) + " should fail: " + r.err());
    assertTrue(r.err().startsWith("deltasnap: ") && r.err().strip().lines().count() == 1, r.err());
    return r;
  }

  /** Snapshot names are to the second: let the wall clock move on before the next pass. */
  static void nextSecond() throws InterruptedException {
    long s = Instant.now().getEpochSecond();
    while (Instant.now().getEpochSecond() == s) {
      Thread.sleep(20);
    }
  }

  void change(long seed) {
    byte[] b = new byte[20_000];
    new Random(seed).nextBytes(b);
    assertEquals(0, cli(b, "write", src, "--offset", Long.toString(seed * 4096 % 900_000)).exit());
  }

  @BeforeEach
  void setUp() throws Exception {
    src = tmp.resolve("src").toString();
    ok("keygen", "--output", tmp.resolve("site").toString());
    ok("init", src, "--size", "1M", "--chunk-size", "16K");
    change(1);
    Files.createDirectories(tmp.resolve("a"));
    Files.createDirectories(tmp.resolve("b"));
    job = tmp.resolve("nightly.yaml");
    Files.writeString(job, """
        volume: src
        schedule: 1h
        key: site.key
        trust: site.pub
        retention: {last: 2}
        targets:
          - {name: a, path: a, retention: {last: 1}}
          - {name: b, path: b}
        """);
  }

  @Test
  void dryRunRunAndStatus() throws Exception {
    Result dry = ok("job", "run", job.toString(), "--dry-run", "--json");
    assertTrue(dry.out().contains("\"dryRun\": true") && dry.out().contains("\"name\": \"nightly-"), dry.out());
    assertEquals("[]", ok("snapshot", "list", src, "--json").out().strip(), "a dry run takes no snapshot");
    assertEquals(0, Files.list(tmp.resolve("a")).count(), "and sends nothing");
    assertFalse(Files.exists(tmp.resolve("nightly.yaml.state")), "and writes no state");

    Result run = ok("job", "run", job.toString());
    assertTrue(run.out().contains("took 1 nightly-") && run.out().contains("send full 1"), run.out());
    nextSecond();
    change(2);
    run = ok("job", "run", job.toString());
    assertTrue(run.out().contains("send 1 → 2") && run.out().contains("target a (" + tmp.resolve("a") + "): send 1 → 2"),
        run.out());
    assertTrue(run.out().contains("prune 1; base 2"), "a keeps the last one: " + run.out());
    nextSecond();
    change(3);
    Result dry2 = ok("job", "run", job.toString(), "--dry-run");
    assertTrue(dry2.out().contains("would take (new) nightly-") && dry2.out().contains("source: would prune 1"),
        dry2.out());
    String list = ok("snapshot", "list", src, "--json").out();
    assertTrue(list.contains("\"id\": 1") && list.contains("\"id\": 2") && !list.contains("\"id\": 3"), list);

    Result status = ok("job", "status", job.toString(), "--json");
    assertTrue(status.out().contains("\"lastSuccess\": \"20") && status.out().contains("\"lagSeconds\": ")
        && status.out().contains("\"nextRun\": \"20"), status.out());
    assertFalse(status.out().contains("\"bytesSent\": 0,"), status.out());
    String text = ok("job", "status", job.toString()).out();
    assertTrue(text.contains("job nightly: volume") && text.contains("TARGET"), text);
    // the replicas read like the source
    for (String id : new String[] {"2"}) {
      assertEquals(ok("read", src, "--snapshot", id).out(), ok("read", tmp.resolve("a").toString(), "--snapshot", id).out());
      assertEquals(ok("read", src, "--snapshot", id).out(), ok("read", tmp.resolve("b").toString(), "--snapshot", id).out());
    }
  }

  @Test
  void aFailingTargetIsReportedAfterTheOthersAreDone() throws Exception {
    ok("job", "run", job.toString());
    Files.move(tmp.resolve("b"), tmp.resolve("b-gone"));
    nextSecond();
    change(2);
    Result r = fails("job", "run", job.toString());
    assertTrue(r.err().contains("job nightly: target b: replica directory") && r.err().contains("missing"), r.err());
    assertTrue(r.out().contains("target a (") && r.out().contains("send 1 → 2"), r.out());
    String status = ok("job", "status", job.toString()).out();
    assertTrue(status.contains("missing"), status);
    Result json = cli(null, "job", "run", job.toString(), "--json", "--dry-run");
    assertEquals(1, json.exit());
    assertTrue(json.out().contains("\"ok\": false") && json.out().contains("\"error\": \"replica directory"), json.out());
  }

  @Test
  void badJobFilesAreRefusedInOneLine() throws Exception {
    Files.writeString(job, "volume: src\nschedule: 1h\nretention: {lats: 2}\n");
    assertTrue(fails("job", "run", job.toString()).err().contains("unknown field \"lats\""));
    assertTrue(fails("job", "status", tmp.resolve("none.yaml").toString()).err().contains("no job file"));
    Files.writeString(job, "volume: src\nschedule: 1h\nkey: k\ntargets: [{to: 'backup:7000', trust: t.pub}]\n");
    assertTrue(fails("job", "run", job.toString()).err().contains("trust: is for local targets"));
  }

  @Test
  void statusCheckIsOneLineAndANagiosExitCode() throws Exception {
    Result never = cli(null, "job", "status", job.toString(), "--check");
    assertEquals(2, never.exit(), never.err());
    assertEquals("CRITICAL: job nightly: 2 targets; a never replicated; b never replicated\n", never.out());
    ok("job", "run", job.toString());
    Result fine = ok("job", "status", job.toString(), "--check");
    assertTrue(fine.out().matches("OK: job nightly: 2 targets, worst lag \\d+s \\([ab]\\)\n"), fine.out());
    assertEquals("", fine.err());
    // snapshot names are to the second: a second later the base is at least 1s old
    Files.writeString(job, Files.readString(job) + "warn_lag: 1s\ncrit_lag: 1h\n");
    nextSecond();
    Result warn = cli(null, "job", "status", job.toString(), "--check");
    assertEquals(1, warn.exit(), warn.out() + warn.err());
    assertTrue(warn.out().startsWith("WARNING: job nightly: 2 targets, worst lag ") && warn.out().contains("warn_lag 1s")
        && warn.out().lines().count() == 1, warn.out());
    // a bad job file is an error as everywhere: nothing on stdout
    Files.writeString(job, Files.readString(job) + "warn_lag: 2h\n");
    Result bad = fails("job", "status", job.toString(), "--check");
    assertEquals("", bad.out());
    Files.writeString(job, Files.readString(job).replace("warn_lag: 1s\ncrit_lag: 1h\nwarn_lag: 2h\n",
        "warn_lag: 2h\ncrit_lag: 1h\n"));
    assertTrue(fails("job", "status", job.toString(), "--check").err().contains("crit_lag (1h) is shorter than warn_lag"));
  }

  @Test
  void pruneDryRunExplainsAndDeletesNothing() throws Exception {
    // b keeps all: three passes leave 2 and 3 on the source (last 2), 3 on a, 1-3 on b
    for (int i = 2; i <= 4; i++) {
      ok("job", "run", job.toString());
      nextSecond();
      change(i);
    }
    Files.writeString(job, Files.readString(job).replace("- {name: b, path: b}", "- {name: b, path: b, retention: {last: 1}}"));
    byte[] state = Files.readAllBytes(tmp.resolve("nightly.yaml.state"));
    String srcList = ok("snapshot", "list", src, "--json").out();
    String bList = ok("snapshot", "list", tmp.resolve("b").toString(), "--json").out();
    Result text = ok("job", "prune", job.toString(), "--dry-run");
    assertTrue(text.out().contains("target b (" + tmp.resolve("b") + "), retention last 1:"), text.out());
    assertTrue(text.out().contains("    delete 1 nightly-") && text.out().contains("    delete 2 nightly-")
        && text.out().contains("    keep   3 nightly-"), text.out());
    assertTrue(text.out().contains("base of target a") && text.out().contains("base (of the next increment)"),
        text.out());
    Result json = ok("job", "prune", job.toString(), "--dry-run", "--json");
    Object doc = new org.snakeyaml.engine.v2.api.Load(org.snakeyaml.engine.v2.api.LoadSettings.builder().build())
        .loadFromString(json.out()); // JSON is YAML 1.2
    java.util.Map<?, ?> m = (java.util.Map<?, ?>) doc;
    assertEquals(true, m.get("dryRun"));
    java.util.Map<?, ?> b = (java.util.Map<?, ?>) ((List<?>) m.get("targets")).get(1);
    assertEquals("b", b.get("name"));
    assertEquals(List.of(1, 2), ((List<?>) b.get("delete")).stream().map(x -> ((java.util.Map<?, ?>) x).get("id"))
        .toList());
    java.util.Map<?, ?> kept = (java.util.Map<?, ?>) ((List<?>) b.get("keep")).get(0);
    assertEquals(3, kept.get("id"));
    assertTrue(((List<?>) kept.get("why")).contains("base (of the next increment)"), kept.toString());
    // nothing changed anywhere
    assertArrayEquals(state, Files.readAllBytes(tmp.resolve("nightly.yaml.state")));
    assertEquals(srcList, ok("snapshot", "list", src, "--json").out());
    assertEquals(bList, ok("snapshot", "list", tmp.resolve("b").toString(), "--json").out());
    assertEquals(2, cli(null, "job", "prune", job.toString()).exit(), "without --dry-run: a usage error");
  }

  @Test
  void aDaemonServesTheVolumeRunsForwardedPassesAndStopsOnSigterm() throws Exception {
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> cmd = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"),
        "io.deltasnap.cli.Main", "job", "daemon", job.toString()));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(tmp.resolve("daemon.log").toFile())
        .start();
    try {
      Path sock = tmp.resolve("src").resolve("control.sock");
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (!(Files.exists(sock) && Files.exists(tmp.resolve("nightly.yaml.state"))) && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertTrue(Files.exists(sock), () -> "daemon did not start: " + log());
      // the daemon's first pass runs at start; then 'snapshot list' and 'job run' go through its control socket
      String list = "";
      while (!list.contains("\"id\": 1") && System.nanoTime() < deadline) {
        list = ok("snapshot", "list", src, "--json").out();
      }
      assertTrue(list.contains("\"id\": 1"), list);
      nextSecond();
      Result r = ok("job", "run", job.toString());
      assertTrue(r.out().contains("took 2 nightly-"), r.out());
      assertTrue(ok("snapshot", "list", src, "--json").out().contains("\"id\": 2"));
    } finally {
      p.destroy(); // SIGTERM
    }
    assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the daemon stops on SIGTERM");
    assertTrue(log().contains("stopped after 1 passes"), log());
    assertFalse(Files.exists(tmp.resolve("src").resolve("control.sock")));
    ok("snapshot", "list", src); // the volume is free again
  }

  String log() {
    try {
      return Files.readString(tmp.resolve("daemon.log"));
    } catch (java.io.IOException e) {
      return e.toString();
    }
  }
}
