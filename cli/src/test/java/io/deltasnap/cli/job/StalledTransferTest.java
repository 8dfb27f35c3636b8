package io.deltasnap.cli.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.deltasnap.delta.TrustedKeys;
import io.deltasnap.receiver.Replica;
import io.deltasnap.receiver.ReplicationServer;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A network target behind a relay that goes black mid-transfer: the job aborts the transfer once
 * no bytes went out for its {@code stall_timeout}, reports {@code stalled}, and the retry within
 * the same pass resumes where the receiver's durable part ended instead of starting over.
 */
@Timeout(120)
class StalledTransferTest {
  static final int SIZE = 32 << 20;
  static final long STALL_AT = 8 << 20;

  @TempDir
  Path tmp;

  @Test
  void aTransferThatStallsIsAbortedAndItsRetryInTheSamePassResumes() throws Exception {
    try (StallSource s = new StallSource(tmp, SIZE)) {
      Replica rep = Replica.open(tmp.resolve("net"), 16 << 20);
      // the receiver drops the silent connection after 1 s and checkpoints what it holds
      ReplicationServer srv = ReplicationServer.start(new InetSocketAddress("127.0.0.1", 0), rep,
          TrustedKeys.load(s.pub()), Optional.empty(), ReplicationServer.Settings.defaults().withIdle(Duration.ofSeconds(1)),
          line -> { });
      try (StallingRelay relay = new StallingRelay(srv.port())) {
        relay.stallAfter(STALL_AT);
        JobSpec spec = s.job("stall_timeout: 2s\nretry: {initial: 1s, max: 2s}\ntargets:\n"
            + "  - {name: net, to: '127.0.0.1:" + relay.port() + "'}\n");
        assertEquals(Duration.ofSeconds(2), spec.targets().get(0).stallTimeout());
        List<String> causes = new CopyOnWriteArrayList<>();
        JobRunner.Observer seen = new JobRunner.Observer() {
          @Override
          public void failed(String target, FailureCause cause) {
            causes.add(target + ":" + cause.label());
          }
        };
        JobRunner r = new JobRunner(spec, s.src, JobRunner.targets(spec, s.key, s.src), s.key, Clock.systemUTC(),
            JobRunner.Hook.NONE, seen);

        PassReport p = r.run(true, false, () -> false);

        assertTrue(p.ok(), p.failures());
        assertNotNull(relay.stalled(), "the relay stalled a connection");
        assertEquals(STALL_AT, relay.stalled().forwarded.get());
        assertTrue(causes.size() >= 1 && causes.get(0).equals("net:stalled"), "the first try stalled: " + causes);
        PassReport.Send sent = p.targets().get(0).sends().get(0);
        long id = p.snapshot().id();
        long full = s.fullDeltaBytes(id);
        assertEquals(1, sent.stalls(), sent.toString());
        assertEquals(full, sent.resumedFrom() + sent.bytes(), "the retry sent the rest of the stream: " + sent);
        assertTrue(sent.resumedFrom() > (2 << 20), "it resumed well past the start: " + sent);
        assertTrue(sent.bytes() < full - (2 << 20), "it did not send the whole delta again: " + sent + " of " + full);
        s.assertSame(rep.volume(), id);
        JobState st = new StateFile(spec.state()).load();
        assertEquals(id, st.target("net").base().id());
      } finally {
        srv.close();
        rep.close();
      }
    }
  }
}
