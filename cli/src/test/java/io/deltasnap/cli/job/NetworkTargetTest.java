package io.deltasnap.cli.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.deltasnap.delta.Keys;
import io.deltasnap.delta.SignerKey;
import io.deltasnap.delta.TrustedKeys;
import io.deltasnap.engine.SnapshotInfo;
import io.deltasnap.receiver.Replica;
import io.deltasnap.receiver.ReplicationServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A job with a local target and a network one (a receiver in this process). */
class NetworkTargetTest {
  @TempDir
  Path tmp;

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  @Test
  void aNetworkTargetIsReplicatedLikeALocalOneAndCatchesUpAfterAnOutage() throws Exception {
    int port = freePort();
    String yaml = "schedule: 1h\nretention: {last: 2}\ntargets:\n  - {name: a, path: a}\n"
        + "  - {name: net, to: '127.0.0.1:" + port + "'}\n";
    Instant start = Instant.parse("2026-11-23T00:00:00Z");
    try (JobFixture f = new JobFixture(tmp, start, yaml, "a")) {
      TrustedKeys trust = TrustedKeys.of(new SignerKey(Keys.publicKey(f.key), "job"));
      List<String> log = new ArrayList<>();
      Replica rep = Replica.open(tmp.resolve("net"), 16 << 20);
      ReplicationServer srv = ReplicationServer.start(new InetSocketAddress("127.0.0.1", port), rep, trust,
          Optional.empty(), ReplicationServer.Settings.defaults(), log::add);
      JobRunner r = f.runner(JobRunner.Hook.NONE);
      for (int i = 0; i < 2; i++) {
        f.change();
        PassReport p = f.pass(r);
        assertTrue(p.ok(), p.failures());
        f.clock.advance(Duration.ofHours(1));
      }
      TreeSet<Long> netIds = JobFixture.ids(rep.snapshots());
      assertEquals(new TreeSet<>(List.of(1L, 2L)), netIds);
      srv.close();
      rep.close();

      for (int i = 0; i < 3; i++) {
        f.change();
        PassReport p = f.pass(r);
        assertNotNull(p.targets().get(1).error(), "the receiver is down");
        assertNull(p.targets().get(0).error(), "the local target is not held up");
        assertTrue(f.sourceIds().contains(2L), "the source keeps the receiver's base");
        f.clock.advance(Duration.ofHours(1));
      }

      rep = Replica.open(tmp.resolve("net"), 16 << 20);
      srv = ReplicationServer.start(new InetSocketAddress("127.0.0.1", port), rep, trust, Optional.empty(),
          ReplicationServer.Settings.defaults(), log::add);
      try {
        f.change();
        PassReport p = f.pass(r);
        assertTrue(p.ok(), p.failures());
        List<PassReport.Send> sends = p.targets().get(1).sends();
        assertEquals(2L, sends.get(0).base().id(), "an increment from the receiver's base");
        assertTrue(sends.stream().allMatch(s -> s.bytes() > 0));
        assertEquals(f.sourceIds().last(), JobFixture.ids(rep.snapshots()).last());
        for (SnapshotInfo s : rep.snapshots()) {
          assertEquals(f.hashes.get(s.id()), JobFixture.hash(rep.volume(), s.id()), "snapshot " + s.id());
        }
        assertEquals(2, f.sourceIds().size(), "the old base goes once the receiver has a newer one");
        JobState st = new StateFile(f.spec.state()).load();
        assertTrue(st.target("net").bytesSent() > 0);
      } finally {
        srv.close();
        rep.close();
      }
    }
  }

  @Test
  void retentionOnANetworkTargetPrunesThroughAReceiverThatAllowsIt() throws Exception {
    int port = freePort();
    String yaml = "schedule: 1h\nretention: {last: 2}\ntargets:\n"
        + "  - {name: net, to: '127.0.0.1:" + port + "', retention: {last: 3}}\n";
    Instant start = Instant.parse("2026-11-23T00:00:00Z");
    try (JobFixture f = new JobFixture(tmp, start, yaml, "a")) {
      TrustedKeys trust = TrustedKeys.of(new SignerKey(Keys.publicKey(f.key), "job"));
      Replica rep = Replica.open(tmp.resolve("net"), 16 << 20);
      ReplicationServer srv = ReplicationServer.start(new InetSocketAddress("127.0.0.1", port), rep, trust,
          Optional.empty(), ReplicationServer.Settings.defaults().withAllowPrune(true), line -> { });
      try {
        JobRunner r = f.runner(JobRunner.Hook.NONE);
        for (int i = 0; i < 6; i++) {
          f.change();
          PassReport p = f.pass(r);
          assertTrue(p.ok(), p.failures());
          f.clock.advance(Duration.ofHours(1));
        }
        assertEquals(new TreeSet<>(List.of(4L, 5L, 6L)), JobFixture.ids(rep.snapshots()), "the newest three stay");
        for (SnapshotInfo s : rep.snapshots()) {
          assertEquals(f.hashes.get(s.id()), JobFixture.hash(rep.volume(), s.id()), "snapshot " + s.id());
        }
      } finally {
        srv.close();
        rep.close();
      }
    }
  }

  @Test
  void aReceiverRefusesPruningUnlessAllowedAndTheJobSaysWhy() throws Exception {
    int port = freePort();
    String yaml = "schedule: 1h\ntargets:\n  - {name: net, to: '127.0.0.1:" + port + "', retention: {last: 1}}\n";
    try (JobFixture f = new JobFixture(tmp, Instant.parse("2026-11-23T00:00:00Z"), yaml, "a")) {
      TrustedKeys trust = TrustedKeys.of(new SignerKey(Keys.publicKey(f.key), "job"));
      Replica rep = Replica.open(tmp.resolve("net"), 16 << 20);
      ReplicationServer srv = ReplicationServer.start(new InetSocketAddress("127.0.0.1", port), rep, trust,
          Optional.empty(), ReplicationServer.Settings.defaults(), line -> { });
      try {
        JobRunner r = f.runner(JobRunner.Hook.NONE);
        f.change();
        assertTrue(f.pass(r).ok());
        f.clock.advance(Duration.ofHours(1));
        f.change();
        PassReport p = f.pass(r);
        assertNotNull(p.targets().get(0).error(), "pruning is refused");
        assertTrue(p.targets().get(0).error().contains("--allow-prune"), p.targets().get(0).error());
        assertEquals(new TreeSet<>(List.of(1L, 2L)), JobFixture.ids(rep.snapshots()), "nothing was deleted");
      } finally {
        srv.close();
        rep.close();
      }
    }
  }
}
