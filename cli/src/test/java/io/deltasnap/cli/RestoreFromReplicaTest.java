package io.deltasnap.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Getting a volume back from its replica: rebuilding a lost volume from a full delta the replica
 * sends back, and rolling a live volume forward to a snapshot taken on the replica after a
 * failover with only the increment from the newest common snapshot; then restore.
 */
class RestoreFromReplicaTest {
  @TempDir
  Path tmp;

  String src;
  String rep;
  String key;

  String delta(String volume, Integer base, int snapshot) {
    String f = tmp.resolve(volume.hashCode() + "-" + base + "-" + snapshot + ".delta").toString();
    if (base == null) {
      Cli.ok("delta", "create", volume, "--snapshot", "" + snapshot, "--key", key + ".key", "--output", f);
    } else {
      Cli.ok("delta", "create", volume, "--base", "" + base, "--snapshot", "" + snapshot, "--key", key + ".key",
          "--output", f);
    }
    return f;
  }

  @BeforeEach
  void replicate() {
    src = tmp.resolve("src").toString();
    rep = tmp.resolve("rep").toString();
    key = tmp.resolve("k").toString();
    Cli.ok("keygen", "--output", key);
    Cli.ok("init", src, "--size", "8M", "--chunk-size", "64K");
    Cli.ok(Cli.random(8 << 20, 1), "write", src, "--offset", "0");
    Cli.ok("snapshot", "create", src);
    Cli.ok(Cli.random(1 << 20, 2), "write", src, "--offset", "2M");
    Cli.ok("snapshot", "create", src);
    Cli.ok("delta", "apply", rep, delta(src, null, 1), "--trust", key + ".pub");
    Cli.ok("delta", "apply", rep, delta(src, 1, 2), "--trust", key + ".pub");
  }

  @Test
  void aLostVolumeIsRebuiltFromItsReplicaAndReplicationContinuesIncrementally() throws Exception {
    byte[] two = Cli.ok("read", src, "--snapshot", "2").stdout();
    try (var s = Files.walk(Path.of(src))) { // the source is lost
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
    Cli.ok("delta", "apply", src, delta(rep, null, 2), "--trust", key + ".pub");
    Cli.ok("restore", src, "--snapshot", "2");
    assertArrayEquals(two, Cli.ok("read", src).stdout(), "origin rebuilt");
    assertArrayEquals(two, Cli.ok("read", src, "--snapshot", "2").stdout());
    // the rebuilt volume is the same volume: the next delta to the replica is an increment
    Cli.ok(Cli.random(4096, 3), "write", src, "--offset", "5M");
    assertEquals("3", Cli.ok("snapshot", "create", src).out().strip());
    Cli.ok("delta", "apply", rep, delta(src, 2, 3), "--trust", key + ".pub");
    assertArrayEquals(Cli.ok("read", src, "--snapshot", "3").stdout(), Cli.ok("read", rep, "--snapshot", "3").stdout());
  }

  @Test
  void aLiveVolumeRollsForwardToTheReplicasSnapshotWithOnlyTheIncrement() {
    // failover: the replica takes writes and a snapshot of its own
    Cli.ok(Cli.random(100_000, 4), "write", rep, "--offset", "6M");
    assertEquals("3", Cli.ok("snapshot", "create", rep, "--name", "after-failover").out().strip());
    byte[] three = Cli.ok("read", rep, "--snapshot", "3").stdout();
    // the old source comes back: send it only what changed since snapshot 2, the newest in common
    String inc = delta(rep, 2, 3);
    String info = Cli.ok("delta", "inspect", inc, "--json").out();
    assertTrue(info.matches("(?s).*\"dataBytes\": (131072|196608).*"), "only the changed chunks travel: " + info);
    Cli.ok("delta", "apply", src, inc, "--trust", key + ".pub");
    Cli.ok("restore", src, "--snapshot", "3");
    assertArrayEquals(three, Cli.ok("read", src).stdout());
    assertTrue(Cli.ok("snapshot", "list", src).out().contains("after-failover"));
    // a snapshot both sides took independently is refused, clearly
    Cli.ok("snapshot", "create", rep);
    Cli.ok("snapshot", "create", src);
    Cli.Result clash = Cli.run("delta", "apply", src, delta(rep, 3, 4), "--trust", key + ".pub");
    assertEquals(1, clash.exit());
    assertTrue(clash.stderr().contains("already on replica") && clash.stderr().contains("another UUID"), clash.stderr());
  }

  @Test
  void theReplicaSendsTheIncrementBackOverTheNetwork() throws Exception {
    Cli.ok(Cli.random(100_000, 5), "write", rep, "--offset", "1M");
    Cli.ok("snapshot", "create", rep, "--name", "failover");
    byte[] three = Cli.ok("read", rep, "--snapshot", "3").stdout();
    var trust = io.deltasnap.delta.TrustedKeys.load(Path.of(key + ".pub"));
    var signer = io.deltasnap.delta.Keys.readPrivate(Path.of(key + ".key"));
    try (var back = io.deltasnap.receiver.Replica.open(Path.of(src), 16 << 20);
        var server = io.deltasnap.receiver.ReplicationServer.start(new java.net.InetSocketAddress("127.0.0.1", 0), back,
            trust, java.util.Optional.empty(), io.deltasnap.receiver.ReplicationServer.Settings.defaults(), line -> { });
        var replica = io.deltasnap.engine.Volume.open(new io.deltasnap.engine.DirectoryStorage(Path.of(rep)))) {
      try (var c = io.deltasnap.sender.ReplicationClient.connect(server.address(), signer, replica.uuid(),
          io.deltasnap.sender.ReplicationClient.Options.defaults())) {
        long base = io.deltasnap.sender.ReplicationClient.commonBase(replica, 3, c.replicaVolume(), c.replicaSnapshots());
        assertEquals(2, base, "the newest snapshot both hold");
        var o = c.send(replica, base, 3, signer, io.deltasnap.sender.DeltaProducer.Options.defaults(),
            io.deltasnap.engine.Volume.Progress.NONE);
        assertTrue(o.streamBytes() < 400_000, "only the increment travelled: " + o.streamBytes());
      }
    }
    Cli.ok("restore", src, "--snapshot", "3");
    assertArrayEquals(three, Cli.ok("read", src).stdout());
  }
}
