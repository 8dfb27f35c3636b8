package io.deltasnap.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Random;
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

  Cli.Result ok(byte[] in, String... args) {
    Cli.Result r = Cli.run(in, args);
    assertEquals(0, r.exit(), () -> String.join(" ", args) + " failed: " + r.stderr());
    return r;
  }

  static byte[] random(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  String delta(String volume, Integer base, int snapshot) {
    String f = tmp.resolve(volume.hashCode() + "-" + base + "-" + snapshot + ".delta").toString();
    if (base == null) {
      ok(null, "delta", "create", volume, "--snapshot", "" + snapshot, "--key", key + ".key", "--output", f);
    } else {
      ok(null, "delta", "create", volume, "--base", "" + base, "--snapshot", "" + snapshot, "--key", key + ".key",
          "--output", f);
    }
    return f;
  }

  @BeforeEach
  void replicate() {
    src = tmp.resolve("src").toString();
    rep = tmp.resolve("rep").toString();
    key = tmp.resolve("k").toString();
    ok(null, "keygen", "--output", key);
    ok(null, "init", src, "--size", "8M", "--chunk-size", "64K");
    ok(random(8 << 20, 1), "write", src, "--offset", "0");
    ok(null, "snapshot", "create", src);
    ok(random(1 << 20, 2), "write", src, "--offset", "2M");
    ok(null, "snapshot", "create", src);
    ok(null, "delta", "apply", rep, delta(src, null, 1), "--trust", key + ".pub");
    ok(null, "delta", "apply", rep, delta(src, 1, 2), "--trust", key + ".pub");
  }

  @Test
  void aLostVolumeIsRebuiltFromItsReplicaAndReplicationContinuesIncrementally() throws Exception {
    byte[] two = ok(null, "read", src, "--snapshot", "2").stdout();
    try (var s = Files.walk(Path.of(src))) { // the source is lost
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
    ok(null, "delta", "apply", src, delta(rep, null, 2), "--trust", key + ".pub");
    ok(null, "restore", src, "--snapshot", "2");
    assertArrayEquals(two, ok(null, "read", src).stdout(), "origin rebuilt");
    assertArrayEquals(two, ok(null, "read", src, "--snapshot", "2").stdout());
    // the rebuilt volume is the same volume: the next delta to the replica is an increment
    ok(random(4096, 3), "write", src, "--offset", "5M");
    assertEquals("3", ok(null, "snapshot", "create", src).out().strip());
    ok(null, "delta", "apply", rep, delta(src, 2, 3), "--trust", key + ".pub");
    assertArrayEquals(ok(null, "read", src, "--snapshot", "3").stdout(), ok(null, "read", rep, "--snapshot", "3").stdout());
  }

  @Test
  void aLiveVolumeRollsForwardToTheReplicasSnapshotWithOnlyTheIncrement() {
    // failover: the replica takes writes and a snapshot of its own
    ok(random(100_000, 4), "write", rep, "--offset", "6M");
    assertEquals("3", ok(null, "snapshot", "create", rep, "--name", "after-failover").out().strip());
    byte[] three = ok(null, "read", rep, "--snapshot", "3").stdout();
    // the old source comes back: send it only what changed since snapshot 2, the newest in common
    String inc = delta(rep, 2, 3);
    String info = ok(null, "delta", "inspect", inc, "--json").out();
    assertTrue(info.matches("(?s).*\"dataBytes\": (131072|196608).*"), "only the changed chunks travel: " + info);
    ok(null, "delta", "apply", src, inc, "--trust", key + ".pub");
    ok(null, "restore", src, "--snapshot", "3");
    assertArrayEquals(three, ok(null, "read", src).stdout());
    assertTrue(ok(null, "snapshot", "list", src).out().contains("after-failover"));
    // a snapshot both sides took independently is refused, clearly
    ok(null, "snapshot", "create", rep);
    ok(null, "snapshot", "create", src);
    Cli.Result clash = Cli.run("delta", "apply", src, delta(rep, 3, 4), "--trust", key + ".pub");
    assertEquals(1, clash.exit());
    assertTrue(clash.stderr().contains("already on replica") && clash.stderr().contains("another UUID"), clash.stderr());
  }

  @Test
  void theReplicaSendsTheIncrementBackOverTheNetwork() throws Exception {
    ok(random(100_000, 5), "write", rep, "--offset", "1M");
    ok(null, "snapshot", "create", rep, "--name", "failover");
    byte[] three = ok(null, "read", rep, "--snapshot", "3").stdout();
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
    ok(null, "restore", src, "--snapshot", "3");
    assertArrayEquals(three, ok(null, "read", src).stdout());
  }
}
