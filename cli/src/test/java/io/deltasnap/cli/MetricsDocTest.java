package io.deltasnap.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --metrics} through the real command, as real processes: a {@code receive} and a
 * {@code job daemon} replicating to it, scraped over HTTP on 127.0.0.1 while they work, and
 * docs/metrics.md held against what they serve.
 */
class MetricsDocTest {
  private static final Pattern URL = Pattern.compile("metrics on (http://\\S+/metrics)");
  private static final Pattern ROW = Pattern.compile("\\| `(deltasnap_[a-z_]+)` \\| (gauge|counter) \\|.*");

  @TempDir
  Path tmp;
  final List<Process> processes = new ArrayList<>();

  @BeforeEach
  void volumeAndKeys() throws IOException {
    Cli.ok("init", tmp.resolve("src").toString(), "--size", "1M", "--chunk-size", "4K");
    Cli.ok(Cli.random(300_000, 1), "write", tmp.resolve("src").toString(), "--offset", "0");
    Cli.ok("keygen", "--output", tmp.resolve("job").toString());
    Cli.writeTrustFile(tmp.resolve("trust"), Files.readString(tmp.resolve("job.pub")));
  }

  @AfterEach
  void stop() throws InterruptedException {
    for (Process p : processes) {
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
    }
  }

  Process java(Path log, String... args) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"),
        "io.deltasnap.cli.Main"));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectError(log.toFile()).start();
    processes.add(p);
    return p;
  }

  /** The metrics URL the process printed on stderr. */
  static String metricsUrl(Path log) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      Matcher m = URL.matcher(Files.readString(log));
      if (m.find()) {
        return m.group(1);
      }
      Thread.sleep(50);
    }
    throw new AssertionError("no metrics URL in: " + Files.readString(log));
  }

  /** Scrapes until {@code ready} holds (a daemon's pass runs on its own time). */
  static Exposition scrapeUntil(String url, Predicate<Exposition> ready) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    Exposition e = Exposition.scrape(url);
    while (!ready.test(e) && System.nanoTime() < deadline) {
      Thread.sleep(100);
      e = Exposition.scrape(url);
    }
    Exposition last = e;
    assertTrue(ready.test(e), () -> "never ready:\n" + last.text());
    return e;
  }

  int receiver(Path log) throws IOException {
    Process p = java(log, "receive", tmp.resolve("replica").toString(), "--listen", "127.0.0.1:0", "--trust",
        tmp.resolve("trust").toString(), "--json", "--metrics", "127.0.0.1:0");
    String line = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)).readLine();
    assertTrue(line != null, () -> "receive printed nothing: " + read(log));
    Matcher m = Pattern.compile("\"port\": (\\d+)").matcher(line);
    assertTrue(m.find(), line);
    return Integer.parseInt(m.group(1));
  }

  static String read(Path p) {
    try {
      return Files.readString(p);
    } catch (IOException e) {
      return e.toString();
    }
  }

  @Test
  void aDaemonAndItsReceiverServeEveryDocumentedMetricAndLagFallsToZeroAsBytesRise() throws Exception {
    Path rlog = tmp.resolve("receive.log");
    int port = receiver(rlog);
    String rurl = metricsUrl(rlog);
    String replica = tmp.resolve("replica").toString();
    Exposition before = Exposition.scrape(rurl);
    assertEquals(0, before.value("deltasnap_receiver_transfers_applied_total", "volume", replica));
    assertFalse(before.has("deltasnap_volume_snapshots"), "a replica with no volume yet has no volume metrics");

    Path job = tmp.resolve("job.yaml");
    Files.writeString(job, "name: nightly\nvolume: src\nschedule: 1d\nkey: job.key\ntargets:\n"
        + "  - name: backup\n    to: 127.0.0.1:" + port + "\n");
    Path dlog = tmp.resolve("daemon.log");
    java(dlog, "job", "daemon", job.toString(), "--metrics", "127.0.0.1:0");
    String durl = metricsUrl(dlog);
    // the daemon's first pass runs at start: one snapshot, sent in full
    Exposition d1 = scrapeUntil(durl, e -> e.has("deltasnap_job_last_success_timestamp_seconds"));
    String[] backup = {"job", "nightly", "target", "backup"};
    assertEquals(0, d1.value("deltasnap_job_lag_snapshots", backup), d1::text);
    assertEquals(0, d1.value("deltasnap_job_lag_seconds", backup));
    assertEquals(0, d1.value("deltasnap_job_transfer_active", backup));
    double sent1 = d1.value("deltasnap_job_sent_bytes_total", backup);
    assertTrue(sent1 > 0, "bytes sent: " + sent1);
    assertTrue(d1.value("deltasnap_job_sent_records_total", backup) > 0);
    assertEquals(0, d1.value("deltasnap_job_failures_total", "job", "nightly", "target", "backup", "cause", "unreachable"));
    assertEquals(1, d1.value("deltasnap_volume_snapshots", "volume", tmp.resolve("src").toString()));

    Exposition r1 = Exposition.scrape(rurl);
    assertEquals(1, r1.value("deltasnap_receiver_transfers_applied_total", "volume", replica));
    double received1 = r1.value("deltasnap_receiver_received_bytes_total", "volume", replica);
    assertTrue(received1 > 0);
    assertEquals(1, r1.value("deltasnap_volume_snapshots", "volume", replica));

    // a sender the receiver does not trust is refused, and counted under its reason
    Cli.ok("keygen", "--output", tmp.resolve("stranger").toString());
    Cli.Result stranger = Cli.run("send", tmp.resolve("src").toString(), "--snapshot", "1", "--key",
        tmp.resolve("stranger.key").toString(), "--to", "127.0.0.1:" + port, "--no-progress");
    assertEquals(1, stranger.exit(), stranger.stderr());
    Exposition r2 = scrapeUntil(rurl,
        e -> e.value("deltasnap_receiver_refused_total", "volume", replica, "reason", "untrusted") == 1);

    // a second pass (forwarded to the daemon, which holds the volume) sends one increment: bytes
    // rise, lag is 0 again
    Thread.sleep(1100); // snapshot names are to the second
    Cli.ok("job", "run", job.toString());
    Exposition d2 = Exposition.scrape(durl);
    assertEquals(0, d2.value("deltasnap_job_lag_snapshots", backup));
    assertTrue(d2.value("deltasnap_job_sent_bytes_total", backup) > sent1);
    Exposition r3 = Exposition.scrape(rurl);
    assertEquals(2, r3.value("deltasnap_receiver_transfers_applied_total", "volume", replica));
    assertTrue(r3.value("deltasnap_receiver_received_bytes_total", "volume", replica) > received1);

    checkAgainstTheDocument(List.of(d2, r2, r3));
  }

  /** Every documented name is served, every served deltasnap_ name documented, with the same type. */
  static void checkAgainstTheDocument(List<Exposition> scrapes) throws IOException, InterruptedException {
    Map<String, String> documented = new TreeMap<>();
    for (String line : Files.readAllLines(docs().resolve("metrics.md"))) {
      Matcher m = ROW.matcher(line);
      if (m.matches()) {
        assertEquals(null, documented.put(m.group(1), m.group(2)), "listed twice: " + m.group(1));
      }
    }
    assertTrue(documented.size() >= 20, "the document lists " + documented.keySet());
    Map<String, String> served = new TreeMap<>();
    for (Exposition e : scrapes) {
      e.types().forEach((name, type) -> {
        if (name.startsWith("deltasnap_")) {
          served.put(name, type);
        }
      });
      for (Exposition.Sample s : e.samples()) {
        if (s.name().startsWith("deltasnap_")) {
          assertTrue(e.types().containsKey(s.name()), "a sample without a TYPE: " + s.name());
        }
      }
      e.promtoolAccepts();
    }
    assertEquals(documented, served, "docs/metrics.md against what is served");
  }

  static Path docs() {
    for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
      if (Files.isRegularFile(p.resolve("docs").resolve("metrics.md"))) {
        return p.resolve("docs");
      }
    }
    throw new AssertionError("no docs/metrics.md above " + Path.of("").toAbsolutePath());
  }
}
