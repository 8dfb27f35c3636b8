package io.deltasnap.cli.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.deltasnap.engine.DirectoryStorage;
import io.deltasnap.engine.Volume;
import io.deltasnap.sender.ReplicationClient;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real {@code deltasnap receive} process frozen with SIGSTOP mid-transfer: the job's attempt
 * ends by itself once nothing moved for the stall timeout, is reported {@code stalled}, and after
 * SIGCONT the retry in the same pass resumes the transfer; the replica is byte-identical.
 */
@Timeout(120)
class StoppedReceiverTest {
  static final int SIZE = 24 << 20;

  @TempDir
  Path tmp;

  static void signal(Process p, String sig) throws Exception {
    Process k = new ProcessBuilder("kill", "-" + sig, Long.toString(p.pid())).inheritIO().start();
    assertTrue(k.waitFor(30, TimeUnit.SECONDS) && k.exitValue() == 0, "kill -" + sig);
  }

  Process receive(Path replica, Path trust, int[] port) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"), "io.deltasnap.cli.Main",
        "receive", replica.toString(), "--listen", "127.0.0.1:0", "--trust", trust.toString(), "--json"));
    Path log = tmp.resolve("receive.log");
    Process p = new ProcessBuilder(cmd).redirectError(log.toFile()).start();
    String line = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)).readLine();
    assertTrue(line != null, () -> "receive printed nothing: " + read(log));
    Matcher m = Pattern.compile("\"port\": (\\d+)").matcher(line);
    assertTrue(m.find(), line);
    port[0] = Integer.parseInt(m.group(1));
    return p;
  }

  static String read(Path p) {
    try {
      return Files.readString(p);
    } catch (IOException e) {
      return e.toString();
    }
  }

  @Test
  void aReceiverStoppedMidTransferEndsTheAttemptAsStalledAndTheRetryAfterContinueResumes() throws Exception {
    assumeTrue(new java.io.File("/bin/kill").canExecute() || new java.io.File("/usr/bin/kill").canExecute(), "kill(1)");
    try (StallSource s = new StallSource(tmp, SIZE)) {
      Path rep = tmp.resolve("rep");
      int[] port = new int[1];
      Process receiver = receive(rep, s.pub(), port);
      try {
        JobSpec spec = s.job("retry: {initial: 1s, max: 2s}\ntargets:\n  - {name: net, to: '127.0.0.1:" + port[0] + "'}\n");
        // slowed down so that the receiver is frozen well inside the transfer
        ReplicationTarget net = new NetworkTarget("net", "127.0.0.1:" + port[0], s.src.uuid(), s.key,
            ReplicationClient.Options.defaults().withLimit(6 << 20).withStallTimeout(Duration.ofSeconds(2)));
        CountDownLatch underWay = new CountDownLatch(1);
        CountDownLatch stalled = new CountDownLatch(1);
        List<String> causes = new CopyOnWriteArrayList<>();
        JobRunner.Observer seen = new JobRunner.Observer() {
          @Override
          public void sending(String target, long done, long total) {
            if (done >= 6 << 20) {
              underWay.countDown();
            }
          }

          @Override
          public void failed(String target, FailureCause cause) {
            causes.add(cause.label());
            stalled.countDown();
          }
        };
        JobRunner r = new JobRunner(spec, s.src, List.of(net), s.key, Clock.systemUTC(), JobRunner.Hook.NONE, seen);
        FutureTask<PassReport> pass = new FutureTask<>(() -> r.run(true, false, () -> false));
        Thread t = new Thread(pass, "pass");
        t.setDaemon(true);
        t.start();

        assertTrue(underWay.await(60, TimeUnit.SECONDS), "the transfer got under way");
        signal(receiver, "STOP");
        boolean ended = stalled.await(60, TimeUnit.SECONDS);
        signal(receiver, "CONT");
        assertTrue(ended, "the attempt ended by itself while the receiver was stopped");
        assertEquals("stalled", causes.get(0));

        PassReport p = pass.get(60, TimeUnit.SECONDS);
        assertTrue(p.ok(), p.failures());
        PassReport.Send sent = p.targets().get(0).sends().get(0);
        long id = p.snapshot().id();
        long full = s.fullDeltaBytes(id);
        assertEquals(1, sent.stalls(), sent.toString());
        assertEquals(full, sent.resumedFrom() + sent.bytes(), "the retry sent the rest of the stream: " + sent);
        assertTrue(sent.resumedFrom() > (1 << 20), "it resumed past the start: " + sent);
        assertTrue(sent.bytes() < full - (1 << 20), "it did not send the whole delta again: " + sent + " of " + full);
      } finally {
        signal(receiver, "CONT");
        receiver.destroy(); // SIGTERM
        if (!receiver.waitFor(60, TimeUnit.SECONDS)) {
          receiver.destroyForcibly();
        }
      }
      try (Volume v = Volume.open(new DirectoryStorage(rep))) {
        s.assertSame(v, v.snapshots().get(v.snapshots().size() - 1).id());
      }
    }
  }
}
