package io.deltasnap.receiver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.deltasnap.delta.DeltaHeader;
import io.deltasnap.delta.DeltaLayout;
import io.deltasnap.delta.DeltaReader;
import io.deltasnap.delta.Keys;
import io.deltasnap.delta.SignerKey;
import io.deltasnap.delta.TrustedKeys;
import io.deltasnap.engine.CreateOptions;
import io.deltasnap.engine.DirectoryStorage;
import io.deltasnap.engine.SnapshotInfo;
import io.deltasnap.engine.Volume;
import io.deltasnap.engine.VolumeBusyException;
import io.deltasnap.sender.DeltaProducer;
import io.deltasnap.wire.Protocol;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad input changes nothing on the receiving side (issue #14): a delta refused while it is
 * received into a path that held no replica leaves nothing there (no volume, no directory), a
 * refused delta to an existing replica leaves it as it was, and a volume that appears at the path
 * while a transfer would create one is refused, never overwritten. Over 127.0.0.1 with a
 * hand-driven sender, so the bytes offered can be anything.
 */
@Timeout(60)
class RefusedTransferTest {
  static final int CHUNK = 64 * 1024;
  static final int SIZE = 2 << 20;

  @TempDir
  Path tmp;
  Ed25519PrivateKeyParameters key;
  Ed25519PrivateKeyParameters stranger;
  TrustedKeys trust;
  final List<String> log = Collections.synchronizedList(new ArrayList<>());
  final List<AutoCloseable> closing = new ArrayList<>();
  Volume src;

  @BeforeEach
  void setUp() throws IOException {
    key = Keys.generate();
    stranger = Keys.generate();
    trust = TrustedKeys.of(new SignerKey(Keys.publicKey(key), "test"));
    Random r = new Random(14);
    src = Volume.create(new DirectoryStorage(tmp.resolve("src")), CreateOptions.of(SIZE).withChunkSize(CHUNK));
    closing.add(src);
    byte[] d = new byte[SIZE - 2 * CHUNK];
    r.nextBytes(d);
    src.write(Volume.ORIGIN, 0, ByteBuffer.wrap(d));
    src.createSnapshot("one", false);
    byte[] w = new byte[CHUNK];
    r.nextBytes(w);
    src.write(Volume.ORIGIN, 3L * CHUNK, ByteBuffer.wrap(w));
    src.createSnapshot("two", false);
  }

  @AfterEach
  void closeAll() throws Exception {
    Collections.reverse(closing);
    for (AutoCloseable c : closing) {
      c.close();
    }
  }

  ReplicationTest.Receiver receiver(Path dir) throws IOException {
    return receiver(dir, trust, ReplicationServer.Settings.defaults());
  }

  ReplicationTest.Receiver receiver(Path dir, TrustedKeys trusted, ReplicationServer.Settings settings) throws IOException {
    Replica rep = Replica.open(dir, 16 << 20);
    ReplicationServer srv = ReplicationServer.start(new InetSocketAddress("127.0.0.1", 0), rep, trusted, Optional.empty(),
        settings, log::add);
    ReplicationTest.Receiver r = new ReplicationTest.Receiver(rep, srv);
    closing.add(r);
    return r;
  }

  byte[] delta(long base, long target, Ed25519PrivateKeyParameters signer) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    DeltaProducer.write(src, base, target, signer, out, DeltaProducer.Options.defaults(), Volume.Progress.NONE);
    return out.toByteArray();
  }

  static int headerLength(byte[] delta) throws IOException {
    try (DeltaReader r = new DeltaReader(new ByteArrayInputStream(delta),
        TrustedKeys.of(new SignerKey(java.util.Arrays.copyOfRange(delta, DeltaLayout.SIGNER_KEY_OFFSET,
            DeltaLayout.SIGNER_KEY_OFFSET + DeltaHeader.KEY_BYTES), "its signer")))) {
      return (int) r.chain().byteOffset();
    }
  }

  /**
   * Authenticates as {@code key}, offers the delta's header and sends the rest from where the
   * receiver says; returns its last answer (ACK or ERROR). A receiver that refuses mid-stream
   * closes the connection while bytes are still on their way, which may reset it before its ERROR
   * is read: its reason is then the one it logged.
   */
  Protocol.Message offer(ReplicationTest.Receiver r, byte[] delta) throws Exception {
    int n = headerLength(delta);
    byte[] header = java.util.Arrays.copyOf(delta, n);
    int logged = log.size();
    Protocol.Message m;
    try (ReplicationTest.Raw a = new ReplicationTest.Raw(r.address())) {
      a.handshake(key, src.uuid());
      a.send(new Protocol.Offer(header));
      m = a.receive();
      if (m instanceof Protocol.Accept acc) {
        Thread sender = new Thread(() -> {
          try {
            for (int off = (int) acc.resumeOffset(); off < delta.length; off += CHUNK) {
              a.send(new Protocol.Data(Unpooled.wrappedBuffer(delta, off, Math.min(CHUNK, delta.length - off))));
            }
            a.send(new Protocol.End(delta.length));
          } catch (IOException e) {
            // refused meanwhile: the answer says why
          }
        }, "test-sender");
        sender.start();
        try {
          m = a.receive();
        } catch (IOException e) {
          m = null;
        }
        sender.join();
      }
    }
    ReplicationTest.awaitIdle(r);
    if (m == null) {
      synchronized (log) {
        String why = log.subList(logged, log.size()).stream().filter(l -> l.contains("failed: ")).findFirst()
            .orElseThrow(() -> new AssertionError("the connection ended without a reason: " + log));
        m = new Protocol.Error(Protocol.Code.CORRUPT, why);
      }
    }
    return m;
  }

  static Protocol.Error refused(Protocol.Message m, String why) {
    assertTrue(m instanceof Protocol.Error, "refused, not " + m);
    Protocol.Error e = (Protocol.Error) m;
    assertTrue(e.message().contains(why), e.message());
    return e;
  }

  /**
   * The refusals a hand-driven sender can produce cheaply for a full delta to {@code target},
   * each under what its error says.
   */
  Map<String, byte[]> refusals(long target) throws IOException {
    Map<String, byte[]> m = new TreeMap<>();
    m.put("not in the trust file", delta(0, target, stranger));
    m.put("signature", badSignature(delta(0, target, key)));
    byte[] badRecord = delta(0, target, key);
    badRecord[headerLength(badRecord) + 200] ^= 0x40; // inside the first record
    m.put("corrupt", badRecord);
    return m;
  }

  /**
   * The delta with one bit of its trailer's signature flipped and the trailer's CRC made right
   * again (docs/delta-format.md, "Trailer"): well formed, but not signed by its signer.
   */
  static byte[] badSignature(byte[] d) {
    int trailer = d.length - DeltaLayout.TRAILER_BYTES;
    d[trailer + 80] ^= 0x01;
    java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
    crc.update(d, trailer, 144);
    ByteBuffer.wrap(d, trailer + 144, 4).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt((int) crc.getValue());
    return d;
  }

  @Test
  void aRefusedDeltaToAFreshPathLeavesNoDirectoryAndNoVolume() throws Exception {
    Map<String, byte[]> bad = refusals(1);
    bad.put("needs one", delta(1, 2, key)); // an increment to a path without a replica
    for (Map.Entry<String, byte[]> e : bad.entrySet()) {
      Path dir = tmp.resolve("fresh-" + e.getKey().replace(' ', '-')).resolve("replica");
      ReplicationTest.Receiver r = receiver(dir);
      Protocol.Error err = refused(offer(r, e.getValue()), e.getKey());
      assertFalse(Files.exists(dir), e.getKey() + ": " + dir + " left behind (" + err.message() + ")");
      assertFalse(Files.exists(dir.getParent()), e.getKey() + ": the parent made for it left behind");
      assertNull(r.replica().volume(), e.getKey());
      assertNull(r.replica().staged(), e.getKey());
    }
  }

  @Test
  void aRefusedDeltaToAnExistingEmptyDirectoryLeavesItAsItWas() throws Exception {
    Path dir = tmp.resolve("mine");
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("notes.txt"), "not the receiver's");
    ReplicationTest.Receiver r = receiver(dir);
    Map<String, byte[]> bad = refusals(1);
    bad.put("needs one", delta(1, 2, key));
    for (Map.Entry<String, byte[]> e : bad.entrySet()) {
      refused(offer(r, e.getValue()), e.getKey());
      assertEquals(List.of(dir.resolve("notes.txt")), list(dir), e.getKey());
      assertEquals("not the receiver's", Files.readString(dir.resolve("notes.txt")));
    }
    // and the directory takes a good delta afterwards
    assertTrue(offer(r, delta(0, 1, key)) instanceof Protocol.Ack);
    assertEquals(List.of(1L), r.replica().volume().snapshots().stream().map(SnapshotInfo::id).toList());
  }

  @Test
  void aRefusedDeltaToAnExistingReplicaLeavesItsSnapshotsAndOriginAsTheyWere() throws Exception {
    Path dir = tmp.resolve("rep");
    ReplicationTest.Receiver r = receiver(dir);
    assertTrue(offer(r, delta(0, 1, key)) instanceof Protocol.Ack);
    Volume rep = r.replica().volume();
    byte[] snap = read(rep, 1);
    byte[] origin = read(rep, Volume.ORIGIN);
    Map<String, byte[]> bad = refusals(2); // full deltas to a new snapshot: each would rewrite the origin
    bad.put("wrong base", wrongBaseDelta());
    for (Map.Entry<String, byte[]> e : bad.entrySet()) {
      Map<Path, byte[]> before = files(dir);
      Protocol.Error err = refused(offer(r, e.getValue()), e.getKey());
      assertEquals(List.of(1L), rep.snapshots().stream().map(SnapshotInfo::id).toList(), err.message());
      assertArrayEquals(snap, read(rep, 1), e.getKey());
      assertArrayEquals(origin, read(rep, Volume.ORIGIN), e.getKey());
      assertNull(r.replica().staged(), e.getKey());
      if (!e.getKey().equals("signature") && !e.getKey().equals("corrupt")) {
        // refused before a record was read: not one byte of the replica changed
        assertEquals(before.keySet(), files(dir).keySet(), e.getKey());
        before.forEach((p, b) -> assertArrayEquals(b, read(p), e.getKey() + ": " + p));
      }
    }
    assertTrue(offer(r, delta(1, 2, key)) instanceof Protocol.Ack, "the good increment still applies");
  }

  /** An increment whose base (snapshot 1 of another source volume with the same UUID) is not the replica's. */
  byte[] wrongBaseDelta() throws IOException {
    Volume other = Volume.create(new DirectoryStorage(tmp.resolve("other")), CreateOptions.of(SIZE).withChunkSize(CHUNK)
        .withUuid(src.uuid()));
    try (other) {
      other.createSnapshot("one", false);
      other.createSnapshot("two", false);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      DeltaProducer.write(other, 1, 2, key, out, DeltaProducer.Options.defaults(), Volume.Progress.NONE);
      return out.toByteArray();
    }
  }

  @Test
  void aGoodFullDeltaCreatesTheReplicaAndItsParents() throws Exception {
    Path dir = tmp.resolve("new").resolve("replica");
    ReplicationTest.Receiver r = receiver(dir);
    assertFalse(Files.exists(dir), "opening a replica creates nothing");
    assertTrue(offer(r, delta(0, 1, key)) instanceof Protocol.Ack);
    assertTrue(offer(r, delta(1, 2, key)) instanceof Protocol.Ack);
    Volume rep = r.replica().volume();
    assertEquals(List.of(1L, 2L), rep.snapshots().stream().map(SnapshotInfo::id).toList());
    assertArrayEquals(read(src, 2), read(rep, 2));
    r.close();
    assertTrue(new DirectoryStorage(dir).storeExists());
    try (Volume reopened = Volume.open(new DirectoryStorage(dir))) { // the lock was let go
      assertArrayEquals(read(src, 1), read(reopened, 1));
    }
  }

  @Test
  void aVolumeThatAppearsAtThePathMeanwhileIsRefusedAndKept() throws Exception {
    Path dir = tmp.resolve("raced");
    ReplicationTest.Receiver r = receiver(dir);
    // another process creates a volume there after the receiver started, and lets it go
    try (Volume theirs = Volume.create(new DirectoryStorage(dir), CreateOptions.of(SIZE).withChunkSize(CHUNK))) {
      theirs.createSnapshot("theirs", false);
    }
    Map<Path, byte[]> before = files(dir);
    refused(offer(r, delta(0, 1, key)), "appeared");
    assertNull(r.replica().volume());
    assertEquals(before.keySet(), files(dir).keySet());
    before.forEach((p, b) -> assertArrayEquals(b, read(p), p.toString()));
    // one that holds the path while the receiver would create: busy, nothing removed
    Path held = tmp.resolve("held");
    ReplicationTest.Receiver h = receiver(held);
    try (Volume theirs = Volume.create(new DirectoryStorage(held), CreateOptions.of(SIZE).withChunkSize(CHUNK))) {
      refused(offer(h, delta(0, 1, key)), "in use");
      assertEquals(List.of(), theirs.snapshots());
    }
    assertTrue(new DirectoryStorage(held).storeExists());
  }

  @Test
  void aClaimOnAHeldVolumeRemovesNothing() throws Exception {
    Path dir = tmp.resolve("a").resolve("b");
    try (Volume theirs = Volume.create(new DirectoryStorage(dir), CreateOptions.of(SIZE).withChunkSize(CHUNK))) {
      assertThrows(VolumeBusyException.class, () -> NewReplica.claim(dir));
      assertTrue(Files.exists(dir.resolve(DirectoryStorage.LOCK)));
    }
    Path origin = tmp.resolve("c");
    Files.createDirectories(origin);
    Files.write(origin.resolve(DirectoryStorage.ORIGIN), new byte[] {1, 2, 3});
    RefusedException e = assertThrows(RefusedException.class, () -> NewReplica.claim(origin));
    assertTrue(e.getMessage().contains("would overwrite"), e.getMessage());
    assertEquals(Refusal.PATH_IN_THE_WAY, e.reason());
    assertEquals(List.of(origin.resolve(DirectoryStorage.ORIGIN)), list(origin));
    assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(origin.resolve(DirectoryStorage.ORIGIN)));
  }

  @Test
  void aSenderSilentMidStreamIsDroppedAndCountedAsATimeout() throws Exception {
    ReplicationTest.Receiver r = receiver(tmp.resolve("idle"), trust,
        ReplicationServer.Settings.defaults().withIdle(java.time.Duration.ofSeconds(1)));
    byte[] d = delta(0, 1, key);
    try (ReplicationTest.Raw a = new ReplicationTest.Raw(r.address())) {
      a.handshake(key, src.uuid());
      a.send(new Protocol.Offer(java.util.Arrays.copyOf(d, headerLength(d))));
      assertTrue(a.receive() instanceof Protocol.Accept);
      assertEquals(-1, a.in.read(), "the receiver drops a silent sender");
    }
    ReplicationTest.awaitIdle(r);
    synchronized (log) {
      assertTrue(log.stream().anyMatch(l -> l.endsWith("failed: I/O: no data from the sender for 1 s")), log.toString());
    }
    assertEquals(1, r.server().stats().failed().get("timeout"));
    assertEquals(0, r.server().stats().failed().get("internal"));
  }

  @Test
  void anotherSignersStagedTransferIsAnsweredWithStagedAndCountedUnderIt() throws Exception {
    TrustedKeys both = TrustedKeys.of(new SignerKey(Keys.publicKey(key), "a"), new SignerKey(Keys.publicKey(stranger), "b"));
    ReplicationTest.Receiver r = receiver(tmp.resolve("staged"), both, ReplicationServer.Settings.defaults());
    byte[] first = delta(0, 1, key);
    try (ReplicationTest.Raw a = new ReplicationTest.Raw(r.address())) { // stages the header, then goes away
      a.handshake(key, src.uuid());
      a.send(new Protocol.Offer(java.util.Arrays.copyOf(first, headerLength(first))));
      assertTrue(a.receive() instanceof Protocol.Accept);
    }
    ReplicationTest.awaitIdle(r);
    byte[] other = delta(0, 1, stranger);
    try (ReplicationTest.Raw b = new ReplicationTest.Raw(r.address())) {
      b.handshake(stranger, src.uuid());
      b.send(new Protocol.Offer(java.util.Arrays.copyOf(other, headerLength(other))));
      Protocol.Error e = refused(b.receive(), "holds a staged transfer of another signer");
      assertEquals(Protocol.Code.STAGED, e.code());
    }
    ReplicationTest.awaitIdle(r);
    assertEquals(1, r.server().stats().failed().get("staged"));
  }

  static byte[] read(Volume v, long snap) throws IOException {
    ByteBuffer b = ByteBuffer.allocate((int) v.size());
    v.read(snap, 0, b);
    return b.array();
  }

  static byte[] read(Path p) {
    try {
      return Files.readAllBytes(p);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  static List<Path> list(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.sorted().toList();
    }
  }

  /** Every file under {@code dir} and its bytes. */
  static Map<Path, byte[]> files(Path dir) throws IOException {
    Map<Path, byte[]> m = new TreeMap<>();
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.filter(Files::isRegularFile).toList()) {
        m.put(p, read(p));
      }
    }
    return m;
  }
}
