package io.deltasnap.receiver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.deltasnap.delta.Keys;
import io.deltasnap.delta.SignerKey;
import io.deltasnap.delta.TrustedKeys;
import io.deltasnap.engine.CreateOptions;
import io.deltasnap.engine.DirectoryStorage;
import io.deltasnap.engine.Volume;
import io.deltasnap.sender.DeltaProducer;
import io.deltasnap.sender.ReplicationClient;
import io.deltasnap.wire.Protocol;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Connections from anyone, before they authenticate: idle and half-sent handshakes beyond the
 * limits are closed at once, the ones admitted time out, a trusted sender is served meanwhile,
 * and no buffer outlives its connection (Netty's leak detector at PARANOID watches every one).
 */
@Timeout(60)
class HostileConnectionsTest {
  static final int CHUNK = 64 * 1024;
  static final int SIZE = 4 << 20;

  @TempDir
  Path tmp;
  Ed25519PrivateKeyParameters key;
  TrustedKeys trust;
  final List<String> log = Collections.synchronizedList(new ArrayList<>());
  final List<String> leaks = Collections.synchronizedList(new ArrayList<>());
  final List<AutoCloseable> closing = new ArrayList<>();
  Replica replica;
  ResourceLeakDetector.Level levelBefore;
  final Logger leakLogger = Logger.getLogger(ResourceLeakDetector.class.getName());
  final Handler leakHandler = new Handler() {
    @Override
    public void publish(LogRecord r) {
      if (r.getMessage() != null && r.getMessage().contains("LEAK")) {
        leaks.add(r.getMessage());
      }
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  };

  @BeforeEach
  void setUp() {
    key = Keys.generate();
    trust = TrustedKeys.of(new SignerKey(Keys.publicKey(key), "test"));
    levelBefore = ResourceLeakDetector.getLevel();
    ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
    leakLogger.addHandler(leakHandler);
  }

  @AfterEach
  void tearDown() throws Exception {
    Collections.reverse(closing);
    for (AutoCloseable c : closing) {
      c.close();
    }
    leakLogger.removeHandler(leakHandler);
    ResourceLeakDetector.setLevel(levelBefore);
  }

  ReplicationServer receiver(ReplicationServer.Admission admission) throws IOException {
    Replica rep = Replica.open(tmp.resolve("rep"), 16 << 20);
    replica = rep;
    ReplicationServer srv = ReplicationServer.start(new InetSocketAddress("127.0.0.1", 0), rep, trust, Optional.empty(),
        ReplicationServer.Settings.defaults().withAdmission(admission), log::add);
    closing.add(rep);
    closing.add(srv);
    return srv;
  }

  Volume source() throws IOException {
    Volume v = Volume.create(new DirectoryStorage(tmp.resolve("src")), CreateOptions.of(SIZE).withChunkSize(CHUNK));
    closing.add(v);
    byte[] d = new byte[SIZE];
    new Random(1).nextBytes(d);
    v.write(Volume.ORIGIN, 0, ByteBuffer.wrap(d));
    v.createSnapshot("one", false);
    return v;
  }

  void send(Volume src, ReplicationServer to) throws IOException {
    try (ReplicationClient c = ReplicationClient.connect(new InetSocketAddress("127.0.0.1", to.port()), key, src.uuid(),
        ReplicationClient.Options.defaults().withTimeout(Duration.ofSeconds(20)))) {
      c.send(src, 0, 1, key, DeltaProducer.Options.defaults(), Volume.Progress.NONE);
    }
  }

  /** Opens {@code n} connections from {@code from}; every other one sends half a handshake frame. */
  List<ReplicationTest.Raw> flood(ReplicationServer to, String from, int n) throws IOException {
    List<ReplicationTest.Raw> raws = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      ReplicationTest.Raw r = new ReplicationTest.Raw(new InetSocketAddress("127.0.0.1", to.port()), InetAddress.getByName(from));
      closing.add(r);
      raws.add(r);
      if (i % 2 == 1) {
        try {
          r.out.writeInt(HandshakeHandler.MAX_FRAME - 4); // the largest frame allowed, half of it sent
          r.out.write(new byte[HandshakeHandler.MAX_FRAME / 2]);
          r.out.flush();
        } catch (IOException closedAlready) {
          // refused at once: what the counting below expects of some of them
        }
      }
    }
    return raws;
  }

  /** How many of {@code raws} the server closed; waits until {@code expected} are, or 10 s. */
  static int closedByServer(List<ReplicationTest.Raw> raws, int expected) throws Exception {
    List<ReplicationTest.Raw> open = new ArrayList<>(raws);
    int closed = 0;
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (closed < expected && System.nanoTime() < deadline) {
      for (var it = open.iterator(); it.hasNext(); ) {
        ReplicationTest.Raw r = it.next();
        if (isClosed(r)) {
          it.remove();
          closed++;
        }
      }
    }
    for (ReplicationTest.Raw r : open) {
      if (isClosed(r)) { // one more look: a connection closed later than expected is counted
        closed++;
      }
    }
    return closed;
  }

  /** Open: a read neither ends nor fails within 50 ms. */
  static boolean stillOpen(ReplicationTest.Raw r) {
    try {
      return !isClosed(r);
    } catch (IOException e) {
      return false;
    }
  }

  static boolean isClosed(ReplicationTest.Raw r) throws IOException {
    r.s.setSoTimeout(50);
    try {
      return r.in.read() < 0;
    } catch (SocketTimeoutException stillOpen) {
      return false;
    } catch (IOException reset) {
      return true;
    }
  }

  static void await(String what, java.util.function.BooleanSupplier done) throws InterruptedException {
    for (int i = 0; i < 400 && !done.getAsBoolean(); i++) {
      Thread.sleep(25);
    }
    assertTrue(done.getAsBoolean(), what);
  }

  /** Lets the leak detector see collected buffers: it reports them on a later allocation. */
  void assertNoLeaks() throws InterruptedException {
    for (int i = 0; i < 5; i++) {
      System.gc();
      Thread.sleep(50);
      for (int j = 0; j < 100; j++) {
        ByteBufAllocator.DEFAULT.directBuffer(64).release();
        ByteBufAllocator.DEFAULT.heapBuffer(64).release();
      }
    }
    assertEquals(List.of(), leaks, "buffers never released");
  }

  @Test
  void connectionsBeyondTheLimitsAreClosedAtOnceWhileATrustedSenderIsServed() throws Exception {
    Volume src = source();
    ReplicationServer r = receiver(new ReplicationServer.Admission(8, 3, Duration.ofSeconds(30)));
    List<ReplicationTest.Raw> fromA = flood(r, "127.0.0.2", 10);
    assertEquals(7, closedByServer(fromA, 7), "one host keeps 3 unauthenticated connections");
    List<ReplicationTest.Raw> fromB = flood(r, "127.0.0.3", 10);
    assertEquals(7, closedByServer(fromB, 7));
    assertEquals(6, r.pendingHandshakes());
    send(src, r);
    Volume rep = replica.volume();
    ByteBuffer a = ByteBuffer.allocate(SIZE);
    ByteBuffer b = ByteBuffer.allocate(SIZE);
    src.read(1, 0, a);
    rep.read(1, 0, b);
    assertArrayEquals(a.array(), b.array(), "the trusted sender's snapshot arrived whole");
    assertEquals(3, fromA.stream().filter(HostileConnectionsTest::stillOpen).count(),
        "the 3 admitted ones still wait for their 30 s timeout");
    // the global limit: 2 more from a third host fit, then nobody else gets in, whatever the host
    List<ReplicationTest.Raw> fromC = flood(r, "127.0.0.4", 3);
    assertEquals(1, closedByServer(fromC, 1));
    List<ReplicationTest.Raw> fromD = flood(r, "127.0.0.5", 2);
    assertEquals(2, closedByServer(fromD, 2), "8 unauthenticated connections at most");
    assertTrue(log.stream().anyMatch(l -> l.contains("closing new connections at once")), log.toString());
    for (List<ReplicationTest.Raw> raws : List.of(fromA, fromB, fromC, fromD)) {
      for (ReplicationTest.Raw raw : raws) {
        raw.close();
      }
    }
    await("every place is given back once its connection closed", () -> r.pendingHandshakes() == 0);
    try (ReplicationTest.Raw again = new ReplicationTest.Raw(new InetSocketAddress("127.0.0.1", r.port()),
        InetAddress.getByName("127.0.0.5"))) {
      again.handshake(key, src.uuid()); // admitted and welcomed: the gate is open again
    }
    assertNoLeaks();
  }

  @Test
  void silentAndHalfSentHandshakesTimeOutAndOversizedOnesAreRefusedAtOnce() throws Exception {
    Volume src = source();
    ReplicationServer r = receiver(new ReplicationServer.Admission(8, 8, Duration.ofMillis(500)));
    List<ReplicationTest.Raw> idle = flood(r, "127.0.0.2", 4);
    for (ReplicationTest.Raw raw : idle) {
      Protocol.Error e = (Protocol.Error) raw.receive();
      assertEquals(Protocol.Code.TIMEOUT, e.code());
      assertTrue(e.message().contains("no handshake within 0.5 s"), e.message());
      assertEquals(-1, raw.in.read(), "closed after the error");
    }
    try (ReplicationTest.Raw big = new ReplicationTest.Raw(new InetSocketAddress("127.0.0.1", r.port()))) {
      big.out.writeInt(HandshakeHandler.MAX_FRAME - 3); // fine once authenticated, too long before
      big.out.flush();
      Protocol.Error e = (Protocol.Error) big.receive();
      assertEquals(Protocol.Code.PROTOCOL, e.code());
      assertTrue(e.message().contains("exceeds"), e.message());
    }
    await("timed-out connections leave the count", () -> r.pendingHandshakes() == 0);
    send(src, r);
    assertEquals(1, replica.volume().snapshots().size());
    assertNoLeaks();
  }
}
