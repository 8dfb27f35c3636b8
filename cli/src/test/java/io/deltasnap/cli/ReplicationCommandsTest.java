package io.deltasnap.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.deltasnap.delta.Keys;
import io.deltasnap.engine.DirectoryStorage;
import io.deltasnap.engine.Volume;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code send} and {@code receive} through the real command: the receiver as a real process,
 * killed with SIGKILL or stopped with SIGTERM; the sender in process, or as a process killed
 * mid-transfer. A completing resend moves only what the receiver did not hold durably.
 */
@Timeout(120)
class ReplicationCommandsTest {
  static final int SIZE = 24 << 20;

  @TempDir
  Path tmp;
  Path vol;
  Path key;
  Path trust;
  final List<Process> processes = new ArrayList<>();

  @BeforeEach
  void setUp() throws Exception {
    vol = tmp.resolve("vol");
    Keys.writeKeyPair(tmp.resolve("k"), Keys.generate(), "test");
    key = tmp.resolve("k.key");
    trust = tmp.resolve("k.pub");
    ok(Cli.run("init", vol.toString(), "--size", "24M", "--chunk-size", "64K"));
    byte[] d = new byte[SIZE];
    new Random(1).nextBytes(d);
    ok(Cli.run(d, "write", vol.toString(), "--offset", "0"));
    ok(Cli.run("snapshot", "create", vol.toString(), "--name", "one"));
    byte[] w = new byte[1 << 20];
    new Random(2).nextBytes(w);
    ok(Cli.run(w, "write", vol.toString(), "--offset", "5M"));
    ok(Cli.run("snapshot", "create", vol.toString(), "--name", "two"));
  }

  @AfterEach
  void stopAll() throws InterruptedException {
    for (Process p : processes) {
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
    }
  }

  static Cli.Result ok(Cli.Result r) {
    assertEquals(0, r.exit(), r.stderr());
    return r;
  }

  Process java(Path stderr, String... args) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"), "io.deltasnap.cli.Main"));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectError(stderr.toFile()).start();
    processes.add(p);
    return p;
  }

  record Receiver(Process process, int port, Path log) {
    String to() {
      return "127.0.0.1:" + port;
    }
  }

  Receiver receive(Path replica, String... extra) throws IOException {
    List<String> a = new ArrayList<>(List.of("receive", replica.toString(), "--listen", "127.0.0.1:0", "--trust",
        trust.toString(), "--json"));
    a.addAll(List.of(extra));
    Path log = tmp.resolve("receive-" + processes.size() + ".log");
    Process p = java(log, a.toArray(String[]::new));
    BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    String line = r.readLine();
    assertTrue(line != null, "receive printed nothing: " + Files.readString(log));
    Matcher m = Pattern.compile("\"port\": (\\d+)").matcher(line);
    assertTrue(m.find(), line);
    return new Receiver(p, Integer.parseInt(m.group(1)), log);
  }

  static long field(String json, String name) {
    Matcher m = Pattern.compile("\"" + name + "\": (\\d+)").matcher(json);
    assertTrue(m.find(), name + " in " + json);
    return Long.parseLong(m.group(1));
  }

  Cli.Result send(String to, long snapshot, String... extra) {
    List<String> a = new ArrayList<>(List.of("send", vol.toString(), "--snapshot", Long.toString(snapshot), "--key",
        key.toString(), "--to", to, "--json", "--no-progress"));
    a.addAll(List.of(extra));
    return Cli.run(a.toArray(String[]::new));
  }

  /** Waits until the receiver durably staged at least {@code bytes} (the offset in REPLICA/receive-staged). */
  static void awaitStaged(Path replica, long bytes) throws Exception {
    Path f = replica.resolve("receive-staged");
    for (int i = 0; i < 600; i++) {
      try {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(f)).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        if (b.capacity() > 16 && b.getLong(12 + b.getInt(8) + 40) >= bytes) {
          return;
        }
      } catch (IOException e) {
        // not there yet
      }
      Thread.sleep(25);
    }
    throw new AssertionError("nothing staged in " + replica);
  }

  static void stop(Receiver r) throws InterruptedException {
    r.process().destroy(); // SIGTERM
    assertTrue(r.process().waitFor(60, TimeUnit.SECONDS), "receive did not stop on SIGTERM");
  }

  void assertReplicaHas(Path replica, long... ids) throws IOException {
    try (Volume src = Volume.open(new DirectoryStorage(vol)); Volume rep = Volume.open(new DirectoryStorage(replica))) {
      assertEquals(src.uuid(), rep.uuid());
      for (long id : ids) {
        assertEquals(src.snapshot(id).uuid(), rep.snapshot(id).uuid());
        ByteBuffer a = ByteBuffer.allocate(SIZE);
        ByteBuffer b = ByteBuffer.allocate(SIZE);
        src.read(id, 0, a);
        rep.read(id, 0, b);
        assertArrayEquals(a.array(), b.array(), "snapshot " + id);
      }
    }
  }

  @Test
  void sendFindsTheCommonBaseDryRunsExactlyAndTheReceiverServesControlCommands() throws Exception {
    Path rep = tmp.resolve("rep");
    Receiver r = receive(rep);
    Cli.Result dry = ok(send(r.to(), 1, "--dry-run"));
    assertEquals(SIZE, field(dry.out(), "changedBytes"));
    assertTrue(dry.out().contains("\"base\": null"), dry.out());
    Cli.Result full = ok(send(r.to(), 1));
    assertEquals(0, field(full.out(), "resumedFrom") > 0 && field(full.out(), "bytesSent") < SIZE ? 1 : 0, full.out());
    assertTrue(field(full.out(), "wireBytes") >= field(full.out(), "bytesSent"));
    // dry run with --base needs no receiver; without, it asks the receiver
    Cli.Result local = ok(Cli.run("send", vol.toString(), "--base", "1", "--snapshot", "2", "--dry-run", "--json"));
    Cli.Result asked = ok(send(r.to(), 2, "--dry-run"));
    assertEquals(1 << 20, field(local.out(), "changedBytes"));
    assertEquals(local.out(), asked.out());
    Cli.Result inc = ok(send(r.to(), 2));
    assertEquals(1, field(inc.out(), "base"));
    assertTrue(field(inc.out(), "bytesSent") < (2 << 20), inc.out());
    // the replica is locked by the receiver: list goes through its control socket
    Cli.Result list = ok(Cli.run("snapshot", "list", rep.toString(), "--json"));
    assertTrue(list.out().contains("\"one\"") && list.out().contains("\"two\""), list.out());
    stop(r);
    assertReplicaHas(rep, 1, 2);
  }

  /**
   * send plans the increment from the newest older snapshot while it connects; when the receiver
   * holds only an older one, the plan is dropped and the increment from the common base is sent.
   */
  @Test
  void aSendWhoseLikelyBaseTheReceiverLacksSendsFromTheCommonOne() throws Exception {
    byte[] w = new byte[1 << 20];
    new Random(3).nextBytes(w);
    ok(Cli.run(w, "write", vol.toString(), "--offset", "9M"));
    ok(Cli.run("snapshot", "create", vol.toString(), "--name", "three"));
    Path rep = tmp.resolve("rep");
    Receiver r = receive(rep);
    ok(send(r.to(), 1));
    Cli.Result inc = ok(send(r.to(), 3)); // planned from 2 while connecting; the replica holds only 1
    assertEquals(1, field(inc.out(), "base"), inc.out());
    assertTrue(field(inc.out(), "bytesSent") < (3 << 20), inc.out());
    Cli.Result none = send("127.0.0.1:" + freePort(), 3); // the plan is dropped when the connection fails
    assertEquals(1, none.exit());
    assertTrue(none.stderr().startsWith("deltasnap: ") && none.stderr().strip().lines().count() == 1, none.stderr());
    stop(r);
    assertReplicaHas(rep, 1, 3);
  }

  static int freePort() throws IOException {
    try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  @Test
  void killingTheReceiverMidTransferThenResendingMovesOnlyTheRest() throws Exception {
    Path rep = tmp.resolve("rep");
    Receiver r = receive(rep);
    Thread sender = new Thread(() -> send(r.to(), 1, "--limit", "4M"));
    sender.start();
    awaitStaged(rep, 4 << 20);
    r.process().destroyForcibly(); // kill -9
    r.process().waitFor(10, TimeUnit.SECONDS);
    sender.join(30_000);
    Receiver again = receive(rep);
    Cli.Result rest = ok(send(again.to(), 1));
    long from = field(rest.out(), "resumedFrom");
    long sent = field(rest.out(), "bytesSent");
    long total = field(rest.out(), "deltaBytes");
    assertTrue(from > (2 << 20), rest.out());
    assertTrue(sent < total - (2 << 20), "resent only the rest: " + rest.out());
    stop(again);
    assertReplicaHas(rep, 1);
  }

  @Test
  void killingTheSenderMidTransferThenResendingMovesOnlyTheRestAndStagedDataCanBeDiscarded() throws Exception {
    Path rep = tmp.resolve("rep");
    Receiver r = receive(rep);
    Process s = java(tmp.resolve("send.log"), "send", vol.toString(), "--snapshot", "1", "--key", key.toString(), "--to",
        r.to(), "--limit", "4M", "--json");
    awaitStaged(rep, 4 << 20);
    s.destroyForcibly();
    s.waitFor(10, TimeUnit.SECONDS);
    Thread.sleep(500);
    Cli.Result rest = ok(send(r.to(), 1));
    long sent = field(rest.out(), "bytesSent");
    long total = field(rest.out(), "deltaBytes");
    assertTrue(field(rest.out(), "resumedFrom") > (2 << 20), rest.out());
    assertTrue(sent < total - (2 << 20), rest.out());

    // interrupt snapshot 2 as well, then discard what was staged
    Process s2 = java(tmp.resolve("send2.log"), "send", vol.toString(), "--snapshot", "2", "--base", "1", "--key",
        key.toString(), "--to", r.to(), "--limit", "256K", "--json");
    awaitStaged(rep, 300);
    s2.destroyForcibly();
    s2.waitFor(10, TimeUnit.SECONDS);
    Thread.sleep(500);
    stop(r);
    assertTrue(Files.exists(rep.resolve("receive-staged")));
    // nothing else may change the origin the transfer staged its records in
    byte[] staged = Files.readAllBytes(rep.resolve("origin"));
    Path data = tmp.resolve("data");
    Files.write(data, new byte[4096]);
    Path delta = tmp.resolve("full.delta");
    ok(Cli.run("delta", "create", vol.toString(), "--snapshot", "1", "--key", key.toString(), "--output", delta.toString()));
    for (String[] cmd : List.of(
        new String[] {"write", rep.toString(), "--offset", "0", "--input", data.toString()},
        new String[] {"snapshot", "create", rep.toString()},
        new String[] {"restore", rep.toString(), "--snapshot", "1"},
        new String[] {"delta", "apply", rep.toString(), delta.toString(), "--trust", trust.toString()})) {
      Cli.Result no = Cli.refused(cmd);
      assertTrue(no.stderr().contains("staged incoming transfer") && no.stderr().contains("--discard-staged"), no.stderr());
    }
    assertArrayEquals(staged, Files.readAllBytes(rep.resolve("origin")), "the staged origin is untouched");
    Cli.Result d = ok(Cli.run("receive", rep.toString(), "--discard-staged"));
    assertTrue(d.out().contains("discarded"), d.out());
    assertTrue(!Files.exists(rep.resolve("receive-staged")));
    assertReplicaHas(rep, 1);
  }

  @Test
  void aReplicaHeldByItsReceiverIsTheSourceOfAFurtherSend() throws Exception {
    Path b = tmp.resolve("b");
    Path c = tmp.resolve("c");
    Receiver rb = receive(b);
    Receiver rc = receive(c);
    ok(send(rb.to(), 1));
    ok(send(rb.to(), 2));
    // B is locked by its receiver: send B goes through B's control socket and runs in that process
    Cli.Result first = ok(Cli.run("send", b.toString(), "--snapshot", "1", "--key", key.toString(), "--to", rc.to(),
        "--json", "--no-progress"));
    assertTrue(first.out().contains("\"base\": null"), first.out());
    Cli.Result second = ok(Cli.run("send", b.toString(), "--snapshot", "2", "--key", key.toString(), "--to", rc.to(),
        "--json", "--no-progress"));
    assertEquals(1, field(second.out(), "base"));
    stop(rb);
    stop(rc);
    assertReplicaHas(b, 1, 2);
    assertReplicaHas(c, 1, 2);
  }

  @Test
  void aRefusedSendToAFreshPathLeavesNoReplicaThereOnceTheReceiverStops() throws Exception {
    Path rep = tmp.resolve("fresh").resolve("rep");
    Files.createDirectories(rep.getParent());
    Keys.writeKeyPair(tmp.resolve("other"), Keys.generate(), "other");
    Receiver r = receive(rep);
    Cli.Result bad = Cli.run("send", vol.toString(), "--snapshot", "1", "--key", tmp.resolve("other.key").toString(),
        "--to", r.to());
    assertEquals(1, bad.exit(), bad.stderr());
    Cli.Result inc = send(r.to(), 2, "--base", "1"); // an increment the fresh replica has no base for
    assertEquals(1, inc.exit(), inc.stderr());
    try (java.util.stream.Stream<Path> in = Files.list(rep)) {
      assertEquals(List.of(ControlSocket.NAME), in.map(p -> p.getFileName().toString()).toList(),
          "while it runs, only the receiver's control socket");
    }
    stop(r);
    assertTrue(!Files.exists(rep), "the directory receive made goes with it: " + Files.readString(r.log()));
    assertTrue(Files.isDirectory(rep.getParent()), "what was there before stays");
    Receiver again = receive(rep); // and the path still takes a good delta
    ok(send(again.to(), 1));
    stop(again);
    assertReplicaHas(rep, 1);
  }

  @Test
  void aWrongKeyAndATlsReceiverAreHandled() throws Exception {
    Path rep = tmp.resolve("rep");
    Keys.writeKeyPair(tmp.resolve("other"), Keys.generate(), "other");
    Receiver r = receive(rep);
    Cli.Result bad = Cli.run("send", vol.toString(), "--snapshot", "1", "--key", tmp.resolve("other.key").toString(),
        "--to", r.to());
    assertEquals(1, bad.exit());
    assertTrue(bad.stderr().startsWith("deltasnap: receiver 127.0.0.1:" + r.port() + " refused (untrusted): key SHA256:"),
        bad.stderr());
    stop(r);
    assertTrue(Files.readString(r.log()).contains("not in the trust file"));

    assumeTrue(ServeTest.have("openssl"), "openssl is not installed");
    Path cert = tmp.resolve("cert.pem");
    Path pk = tmp.resolve("key.pem");
    ServeTest.run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
        "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", pk.toString(), "-out", cert.toString());
    Receiver t = receive(rep, "--tls-cert", cert.toString(), "--tls-key", pk.toString());
    Path known = tmp.resolve("known");
    ok(send(t.to(), 1, "--tls", "--tls-known", known.toString()));
    assertTrue(Files.readString(known).startsWith("127.0.0.1:" + t.port() + " SHA256:"));
    Cli.Result viaCa = ok(send(t.to(), 2, "--tls-ca", cert.toString()));
    assertNotEquals(0, field(viaCa.out(), "wireBytes"));
    Cli.Result plain = Cli.run("send", vol.toString(), "--snapshot", "2", "--key", key.toString(), "--to", t.to(),
        "--timeout", "5");
    assertEquals(1, plain.exit(), "plain text to a TLS receiver fails");
    stop(t);
    assertReplicaHas(rep, 1, 2);
  }
}
