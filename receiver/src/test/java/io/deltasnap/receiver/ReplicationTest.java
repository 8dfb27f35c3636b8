package io.deltasnap.receiver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.deltasnap.delta.Keys;
import io.deltasnap.delta.SignerKey;
import io.deltasnap.delta.TrustedKeys;
import io.deltasnap.engine.CreateOptions;
import io.deltasnap.engine.DirectoryStorage;
import io.deltasnap.engine.SnapshotInfo;
import io.deltasnap.engine.Volume;
import io.deltasnap.sender.DeltaProducer;
import io.deltasnap.sender.ReplicationClient;
import io.deltasnap.sender.ReplicationException;
import io.deltasnap.wire.Protocol;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sender and receiver over 127.0.0.1: full, incremental and cascaded sends rebuild replicas
 * exactly; a cut, stalled or corrupted connection and a stopped receiver leave the replica's
 * snapshots untouched and a resend moves only the rest; untrusted keys, replayed handshakes,
 * absurd frames and a second concurrent sender are refused with errors that say why.
 */
@Timeout(60)
class ReplicationTest {
  static final int CHUNK = 64 * 1024;
  static final int SIZE = 24 << 20;

  @TempDir
  Path tmp;
  Ed25519PrivateKeyParameters key;
  TrustedKeys trust;
  final List<String> log = Collections.synchronizedList(new ArrayList<>());
  final List<AutoCloseable> closing = new ArrayList<>();

  @BeforeEach
  void keys() {
    key = Keys.generate();
    trust = TrustedKeys.of(new SignerKey(Keys.publicKey(key), "test"));
  }

  @AfterEach
  void closeAll() throws Exception {
    Collections.reverse(closing);
    for (AutoCloseable c : closing) {
      c.close();
    }
  }

  /** A source volume with random (incompressible) data and {@code snapshots} snapshots, 5% changed between them. */
  Volume source(String name, long seed, int snapshots) throws IOException {
    Random r = new Random(seed);
    Volume v = Volume.create(new DirectoryStorage(tmp.resolve(name)), CreateOptions.of(SIZE).withChunkSize(CHUNK));
    closing.add(v);
    byte[] d = new byte[SIZE - 3 * CHUNK];
    r.nextBytes(d);
    v.write(Volume.ORIGIN, 0, ByteBuffer.wrap(d));
    for (int i = 0; i < snapshots; i++) {
      v.createSnapshot("s" + i, false);
      change(v, r, SIZE / 20);
    }
    return v;
  }

  static void change(Volume v, Random r, int bytes) throws IOException {
    for (int done = 0; done < bytes; done += CHUNK) {
      byte[] w = new byte[CHUNK / 2];
      r.nextBytes(w);
      v.write(Volume.ORIGIN, (long) r.nextInt(SIZE / CHUNK) * CHUNK, ByteBuffer.wrap(w));
    }
  }

  record Receiver(Replica replica, ReplicationServer server) implements AutoCloseable {
    InetSocketAddress address() {
      return new InetSocketAddress("127.0.0.1", server.port());
    }

    @Override
    public void close() throws IOException {
      server.close();
      replica.close();
    }
  }

  Receiver receiver(String name) throws IOException {
    return receiver(name, ReplicationServer.Settings.defaults().withCheckpoints(1 << 20, Duration.ofMillis(100)));
  }

  Receiver receiver(String name, ReplicationServer.Settings s) throws IOException {
    Replica rep = Replica.open(tmp.resolve(name), 16 << 20);
    ReplicationServer srv = ReplicationServer.start(new InetSocketAddress("127.0.0.1", 0), rep, trust, Optional.empty(),
        s, log::add);
    Receiver r = new Receiver(rep, srv);
    closing.add(r);
    return r;
  }

  ReplicationClient.Outcome send(Volume src, long target, InetSocketAddress to, long limit) throws IOException {
    try (ReplicationClient c = ReplicationClient.connect(to, key, src.uuid(),
        ReplicationClient.Options.defaults().withLimit(limit).withTimeout(Duration.ofSeconds(20)))) {
      long base = ReplicationClient.commonBase(src, target, c.replicaVolume(), c.replicaSnapshots());
      return c.send(src, base, target, key, DeltaProducer.Options.defaults(), Volume.Progress.NONE);
    }
  }

  static void assertSame(Volume src, Volume rep, long... ids) throws IOException {
    assertEquals(src.uuid(), rep.uuid());
    for (long id : ids) {
      SnapshotInfo a = src.snapshot(id);
      SnapshotInfo b = rep.snapshot(id);
      assertNotNull(b, "snapshot " + id + " on the replica");
      assertEquals(a.uuid(), b.uuid());
      assertEquals(a.name(), b.name());
      ByteBuffer x = ByteBuffer.allocate(SIZE);
      ByteBuffer y = ByteBuffer.allocate(SIZE);
      src.read(id, 0, x);
      rep.read(id, 0, y);
      assertArrayEquals(x.array(), y.array(), "snapshot " + id);
    }
  }

  @Test
  void fullThenIncrementalSendsRebuildTheReplicaAndPickTheNewestCommonBase() throws Exception {
    Volume src = source("src", 1, 3);
    Receiver r = receiver("rep");
    ReplicationClient.Outcome full = send(src, 1, r.address(), 0);
    assertEquals(0, full.base());
    assertTrue(full.bytesSent() > SIZE * 0.9, "a full delta of random data: " + full.bytesSent());
    ReplicationClient.Outcome inc = send(src, 3, r.address(), 0);
    assertEquals(1, inc.base(), "newest snapshot both hold");
    assertTrue(inc.bytesSent() < SIZE / 5, "increment of 2 x 5%: " + inc.bytesSent());
    assertTrue(inc.wireBytes() >= inc.bytesSent());
    assertSame(src, r.replica().volume(), 1, 3);
    assertNull(r.replica().staged(), "nothing staged after a completed transfer");
    // the same snapshot again is refused by name, and changes nothing
    ReplicationException again = assertThrows(ReplicationException.class, () -> {
      try (ReplicationClient c = ReplicationClient.connect(r.address(), key, src.uuid(), ReplicationClient.Options.defaults())) {
        c.send(src, 1, 3, key, DeltaProducer.Options.defaults(), Volume.Progress.NONE);
      }
    });
    assertTrue(again.getMessage().contains("already on replica"), again.getMessage());
  }

  @Test
  void aCutConnectionResumesFromWhatTheReceiverHoldsAndSendsOnlyTheRest() throws Exception {
    Volume src = source("src", 2, 1);
    Receiver r = receiver("rep");
    try (Relay relay = new Relay(r.address())) {
      relay.cutAt = SIZE / 2;
      ReplicationException cut = assertThrows(ReplicationException.class, () -> send(src, 1, relay.address(), 0));
      assertTrue(cut.getMessage().contains("lost") || cut.getMessage().contains("closed"), cut.getMessage());
      awaitIdle(r);
      assertTrue(r.replica().volume().snapshots().isEmpty(), "no snapshot before the whole delta arrived");
      Replica.StagedInfo staged = r.replica().staged();
      assertNotNull(staged);
      assertTrue(staged.offset() > SIZE / 4, "staged " + staged.offset());
      relay.cutAt = Long.MAX_VALUE;
      ReplicationClient.Outcome rest = send(src, 1, relay.address(), 0);
      assertEquals(staged.offset(), rest.resumedFrom());
      assertTrue(rest.bytesSent() < rest.streamBytes() - SIZE / 4, rest.toString());
      assertTrue(relay.forwarded.get() < SIZE * 3 / 4, "bytes through the relay on resume: " + relay.forwarded.get());
    }
    assertSame(src, r.replica().volume(), 1);
    assertNull(r.replica().staged());
  }

  @Test
  void aStalledConnectionCompletesAndACorruptedOneIsRefusedThenResent() throws Exception {
    Volume src = source("src", 3, 2);
    Receiver r = receiver("rep");
    try (Relay relay = new Relay(r.address())) {
      relay.stallAt = SIZE / 3;
      relay.stallMillis = 1500;
      send(src, 1, relay.address(), 0);
      relay.stallAt = Long.MAX_VALUE;
      relay.corruptAt = 200_000; // inside the first DATA frame of the increment
      ReplicationException bad = assertThrows(ReplicationException.class, () -> send(src, 2, relay.address(), 0));
      assertTrue(bad.getMessage().contains("corrupt"), bad.getMessage());
      assertEquals(List.of(1L), r.replica().volume().snapshots().stream().map(SnapshotInfo::id).toList());
      relay.corruptAt = Long.MAX_VALUE;
      send(src, 2, relay.address(), 0);
    }
    assertSame(src, r.replica().volume(), 1, 2);
  }

  @Test
  void aStoppedReceiverCheckpointsAndTheNextOneResumes() throws Exception {
    Volume src = source("src", 4, 1);
    Receiver r = receiver("rep");
    CompletableFuture<ReplicationClient.Outcome> sending = CompletableFuture.supplyAsync(() -> {
      try {
        return send(src, 1, r.address(), 8 << 20);
      } catch (IOException e) {
        throw new RuntimeException(e);
      }
    });
    awaitStaged(r, 4 << 20);
    r.close(); // what SIGTERM does
    ExecutionException e = assertThrows(ExecutionException.class, sending::get);
    assertTrue(e.getCause().getMessage().contains("stopping") || e.getCause().getMessage().contains("lost"),
        e.getCause().getMessage());
    Receiver again = receiver("rep");
    Replica.StagedInfo staged = again.replica().staged();
    assertNotNull(staged);
    ReplicationClient.Outcome rest = send(src, 1, again.address(), 0);
    assertEquals(staged.offset(), rest.resumedFrom());
    assertTrue(rest.bytesSent() < rest.streamBytes() - (4 << 20), rest.toString());
    assertSame(src, again.replica().volume(), 1);
  }

  @Test
  void anUntrustedKeyIsRefusedOnBothSides() throws Exception {
    Volume src = source("src", 5, 1);
    Receiver r = receiver("rep");
    Ed25519PrivateKeyParameters other = Keys.generate();
    ReplicationException e = assertThrows(ReplicationException.class,
        () -> ReplicationClient.connect(r.address(), other, src.uuid(), ReplicationClient.Options.defaults()).close());
    assertTrue(e.getMessage().contains("not in the trust file") && e.getMessage().contains(Keys.fingerprint(
        Keys.publicKey(other))), e.getMessage());
    assertTrue(log.stream().anyMatch(l -> l.contains("not in the trust file")), log.toString());
    assertNull(r.replica().volume());
  }

  @Test
  void aReplayedHandshakeIsRefused() throws Exception {
    Receiver r = receiver("rep");
    java.util.UUID vol = java.util.UUID.randomUUID();
    byte[] pub = Keys.publicKey(key);
    Protocol.Auth recorded;
    try (Raw a = new Raw(r.address())) {
      a.send(new Protocol.Hello(Protocol.VERSION, vol, pub));
      Protocol.Challenge c = (Protocol.Challenge) a.receive();
      Ed25519Signer s = new Ed25519Signer();
      s.init(true, key);
      byte[] m = Protocol.authMessage(c.nonce(), vol, pub, Protocol.VERSION);
      s.update(m, 0, m.length);
      recorded = new Protocol.Auth(s.generateSignature());
      a.send(recorded);
      assertTrue(a.receive() instanceof Protocol.Welcome);
    }
    try (Raw b = new Raw(r.address())) {
      b.send(new Protocol.Hello(Protocol.VERSION, vol, pub));
      b.receive();
      b.send(recorded);
      Protocol.Error e = (Protocol.Error) b.receive();
      assertEquals(Protocol.Code.AUTH, e.code());
      assertTrue(e.message().contains("replayed or forged"), e.message());
    }
  }

  @Test
  void absurdLengthsAreRefusedBeforeAnythingIsAllocatedAndTheServerGoesOn() throws Exception {
    Volume src = source("src", 6, 1);
    Receiver r = receiver("rep");
    try (Raw a = new Raw(r.address())) {
      a.out.writeInt(0x7FFF_FFF0); // a 2 GiB frame
      a.out.write(new byte[64]);
      a.out.flush();
      Protocol.Error e = (Protocol.Error) a.receive();
      assertEquals(Protocol.Code.PROTOCOL, e.code());
      assertTrue(e.message().contains("exceeds") || e.message().contains("frame"), e.message());
    }
    try (Raw a = new Raw(r.address())) {
      a.handshake(key, src.uuid());
      ByteBuf b = Unpooled.buffer();
      b.writeByte(Protocol.OFFER).writeInt(Integer.MAX_VALUE).writeBytes(new byte[200]);
      a.frame(b);
      Protocol.Error e = (Protocol.Error) a.receive();
      assertTrue(e.message().contains("OFFER header length"), e.message());
    }
    send(src, 1, r.address(), 0);
    assertSame(src, r.replica().volume(), 1);
  }

  @Test
  void anOfferWithAnUnprintableNameOrTheTopIdIsRefusedBeforeAnyDataAndTheReplicaKeepsItsSnapshots() throws Exception {
    Volume src = source("src", 10, 1);
    Receiver r = receiver("rep");
    send(src, 1, r.address(), 0);
    String[] refusals = {"snapshot name refused", "top of the ID range"};
    io.deltasnap.delta.TargetSnapshot[] targets = {
        new io.deltasnap.delta.TargetSnapshot(2, java.util.UUID.randomUUID(), "two\nsignature  verified", 0, false),
        new io.deltasnap.delta.TargetSnapshot(Long.MAX_VALUE, java.util.UUID.randomUUID(), "top", 0, false)};
    for (int i = 0; i < targets.length; i++) {
      io.deltasnap.delta.DeltaHeader h = new io.deltasnap.delta.DeltaHeader(src.uuid(), CHUNK, SIZE, null, targets[i], 1,
          Keys.publicKey(key));
      try (Raw a = new Raw(r.address())) {
        a.handshake(key, src.uuid());
        a.send(new Protocol.Offer(io.deltasnap.delta.DeltaWriter.headerBytes(h)));
        Protocol.Error e = (Protocol.Error) a.receive();
        assertTrue(e.message().contains(refusals[i]), e.message());
      }
    }
    awaitIdle(r);
    assertEquals(List.of(1L), r.replica().volume().snapshots().stream().map(SnapshotInfo::id).toList());
    assertNull(r.replica().staged(), "nothing staged for a refused offer");
  }

  @Test
  void aSecondSenderIsToldTheReplicaIsBusyAndSucceedsLater() throws Exception {
    Volume src = source("src", 7, 2);
    Receiver r = receiver("rep");
    CompletableFuture<ReplicationClient.Outcome> first = CompletableFuture.supplyAsync(() -> {
      try {
        return send(src, 1, r.address(), 16 << 20);
      } catch (IOException e) {
        throw new RuntimeException(e);
      }
    });
    Thread.sleep(500);
    ReplicationException busy = assertThrows(ReplicationException.class, () -> send(src, 1, r.address(), 0));
    assertEquals(io.deltasnap.wire.Protocol.Code.BUSY, busy.code());
    assertTrue(busy.getMessage().contains("busy"), busy.getMessage());
    first.get(30, TimeUnit.SECONDS);
    send(src, 2, r.address(), 0);
    assertSame(src, r.replica().volume(), 1, 2);
    // the log says where an apply's time went: a sender held to 16 MiB/s kept it waiting
    java.util.regex.Matcher m;
    synchronized (log) {
      String applied = log.stream().filter(l -> l.startsWith("applied snapshot 1 ")).findFirst().orElseThrow();
      m = java.util.regex.Pattern.compile(" in ([0-9.]+) s \\(waiting for the stream ([0-9.]+) s, last writes and commit ([0-9.]+) s\\)$")
          .matcher(applied);
      assertTrue(m.find(), applied);
    }
    double total = Double.parseDouble(m.group(1));
    double waiting = Double.parseDouble(m.group(2));
    double finish = Double.parseDouble(m.group(3));
    assertTrue(total >= 1.0, "24 MiB at 16 MiB/s take over a second: " + total);
    assertTrue(waiting > total / 2 && waiting <= total, "mostly waiting for the limited sender: " + waiting + " of " + total);
    assertTrue(finish >= 0 && finish < total, finish + " of " + total);
  }

  @Test
  void aReplicaIsTheSourceOfAFurtherSendAlongACascade() throws Exception {
    Volume a = source("a", 8, 2);
    Receiver b = receiver("b");
    send(a, 1, b.address(), 0);
    send(a, 2, b.address(), 0);
    Receiver c = receiver("c");
    Volume bv = b.replica().volume();
    send(bv, 1, c.address(), 0);
    ReplicationClient.Outcome inc = send(bv, 2, c.address(), 0);
    assertEquals(1, inc.base());
    assertSame(a, c.replica().volume(), 1, 2);
  }

  @Test
  void aStagedTransferOfAnotherSignerBlocksUntilDiscarded() throws Exception {
    Volume src = source("src", 9, 1);
    Receiver r = receiver("rep");
    try (Relay relay = new Relay(r.address())) {
      relay.cutAt = SIZE / 3;
      assertThrows(ReplicationException.class, () -> send(src, 1, relay.address(), 0));
    }
    awaitIdle(r);
    Ed25519PrivateKeyParameters first = key;
    key = Keys.generate();
    trust = TrustedKeys.of(new SignerKey(Keys.publicKey(first), "a"), new SignerKey(Keys.publicKey(key), "b"));
    r.close();
    Receiver again = receiver("rep");
    ReplicationException staged = assertThrows(ReplicationException.class, () -> send(src, 1, again.address(), 0));
    assertTrue(staged.getMessage().contains("--discard-staged"), staged.getMessage());
    again.close();
    Receiver third = receiver("rep", ReplicationServer.Settings.defaults().withStaleAfter(Duration.ofMillis(1)));
    Thread.sleep(50);
    send(src, 1, third.address(), 0); // stale now: replaced
    assertSame(src, third.replica().volume(), 1);
  }

  /** Waits until the receiver durably staged at least {@code bytes} of the stream. */
  static void awaitStaged(Receiver r, long bytes) throws Exception {
    for (int i = 0; i < 400; i++) {
      Replica.StagedInfo s = r.replica().staged();
      if (s != null && s.offset() >= bytes) {
        return;
      }
      Thread.sleep(25);
    }
    throw new AssertionError("nothing staged");
  }

  static void awaitIdle(Receiver r) throws InterruptedException {
    for (int i = 0; i < 200 && !r.replica().tryAcquire(); i++) {
      Thread.sleep(25);
    }
    r.replica().release();
  }

  /** A hand-driven client speaking raw frames. */
  static final class Raw implements AutoCloseable {
    final Socket s;
    final DataOutputStream out;
    final DataInputStream in;

    Raw(InetSocketAddress to) throws IOException {
      this(to, null);
    }

    /** From the local address {@code from} (any 127.x.y.z works on Linux), or any with null. */
    Raw(InetSocketAddress to, java.net.InetAddress from) throws IOException {
      s = new Socket(to.getAddress(), to.getPort(), from, 0);
      s.setSoTimeout(10_000);
      out = new DataOutputStream(s.getOutputStream());
      in = new DataInputStream(s.getInputStream());
    }

    void send(Protocol.Message m) throws IOException {
      ByteBuf b = Unpooled.buffer();
      Protocol.encodeBody(m, b);
      frame(b);
    }

    void frame(ByteBuf b) throws IOException {
      out.writeInt(b.readableBytes());
      out.write(b.array(), b.arrayOffset() + b.readerIndex(), b.readableBytes());
      out.flush();
      b.release();
    }

    Protocol.Message receive() throws IOException {
      int n = in.readInt();
      assertTrue(n > 0 && n <= Protocol.MAX_FRAME, "frame of " + n);
      byte[] body = new byte[n];
      in.readFully(body);
      return Protocol.decode(Unpooled.wrappedBuffer(body));
    }

    void handshake(Ed25519PrivateKeyParameters key, java.util.UUID vol) throws IOException {
      byte[] pub = Keys.publicKey(key);
      send(new Protocol.Hello(Protocol.VERSION, vol, pub));
      Protocol.Challenge c = (Protocol.Challenge) receive();
      Ed25519Signer s = new Ed25519Signer();
      s.init(true, key);
      byte[] m = Protocol.authMessage(c.nonce(), vol, pub, Protocol.VERSION);
      s.update(m, 0, m.length);
      send(new Protocol.Auth(s.generateSignature()));
      Protocol.Welcome w = (Protocol.Welcome) receive();
      if (w.snapshotCount() > 0) {
        receive();
      }
    }

    @Override
    public void close() throws IOException {
      s.close();
    }
  }
}
