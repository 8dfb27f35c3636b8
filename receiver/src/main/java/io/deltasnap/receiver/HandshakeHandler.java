package io.deltasnap.receiver;

import io.deltasnap.delta.Keys;
import io.deltasnap.delta.TrustedKeys;
import io.deltasnap.engine.SnapshotInfo;
import io.deltasnap.engine.Volume;
import io.deltasnap.wire.Protocol;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import java.io.IOException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;

/**
 * Authenticates a sender: HELLO (version, volume, key) → the key must be trusted → CHALLENGE
 * (a fresh 32-byte nonce) → AUTH (the key's signature over {@link Protocol#authMessage}) → WELCOME
 * and the replica's snapshots. A recorded AUTH fails on any other connection, because its nonce
 * differs. Then it leaves the pipeline and tells {@link TransferHandler} who the sender is.
 *
 * <p>Until then the connection is anyone's: it holds a {@link HandshakeGate.Ticket}, reads
 * {@link #READ_BYTES} at a time into frames of at most {@link #MAX_FRAME} bytes, and is closed
 * after the handshake timeout. Only an authenticated connection gets the full-size frame decoder
 * and the larger reads that a delta stream needs.
 */
final class HandshakeHandler extends SimpleChannelInboundHandler<Protocol.Message> {
  /** Fired once the sender proved its key. */
  record Authenticated(byte[] key, UUID volume) {}

  /** The largest handshake frame, its 4-byte length included: HELLO and AUTH are under 100 bytes. */
  static final int MAX_FRAME = 1024;
  /** Bytes read per socket read before authentication (TLS records arrive in pieces; that is fine). */
  static final int READ_BYTES = 2048;

  private static final SecureRandom RANDOM = new SecureRandom();

  private final Replica replica;
  private final TrustedKeys trust;
  private final ExecutorService lookups;
  private final HandshakeGate.Ticket ticket;
  private final Duration timeout;
  private final Consumer<String> log;
  private final ReceiverStats stats;
  private Protocol.Hello hello;
  private byte[] nonce;
  private boolean done;

  HandshakeHandler(Replica replica, TrustedKeys trust, ExecutorService lookups, HandshakeGate.Ticket ticket,
      Duration timeout, Consumer<String> log, ReceiverStats stats) {
    this.replica = replica;
    this.trust = trust;
    this.lookups = lookups;
    this.ticket = ticket;
    this.timeout = timeout;
    this.log = log;
    this.stats = stats;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) throws Exception {
    ctx.executor().schedule(() -> {
      if (!done && ctx.channel().isActive()) {
        refuse(ctx, Protocol.Code.TIMEOUT, "no handshake within " + timeout.toMillis() / 1000.0 + " s");
      }
    }, timeout.toMillis(), TimeUnit.MILLISECONDS);
    super.channelActive(ctx);
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, Protocol.Message m) {
    if (m instanceof Protocol.Data d) {
      d.bytes().release();
    }
    if (done) {
      return; // waiting for the snapshot lookup; nothing may arrive meanwhile
    }
    if (hello == null) {
      if (!(m instanceof Protocol.Hello h)) {
        refuse(ctx, Protocol.Code.PROTOCOL, "expected HELLO, got " + name(m));
        return;
      }
      if (h.version() != Protocol.VERSION) {
        refuse(ctx, Protocol.Code.VERSION, "protocol version " + h.version() + " is not supported (this receiver speaks "
            + Protocol.VERSION + ")");
        return;
      }
      if (trust.find(h.key()).isEmpty()) {
        refuse(ctx, Protocol.Code.UNTRUSTED, "key " + Keys.fingerprint(h.key()) + " is not in the trust file of replica "
            + replica.name());
        return;
      }
      hello = h;
      nonce = new byte[Protocol.NONCE_BYTES];
      RANDOM.nextBytes(nonce);
      ctx.writeAndFlush(new Protocol.Challenge(Protocol.VERSION, nonce));
      return;
    }
    if (!(m instanceof Protocol.Auth a)) {
      refuse(ctx, Protocol.Code.PROTOCOL, "expected AUTH, got " + name(m));
      return;
    }
    Ed25519Signer v = new Ed25519Signer();
    v.init(false, new Ed25519PublicKeyParameters(hello.key(), 0));
    byte[] msg = Protocol.authMessage(nonce, hello.volume(), hello.key(), Protocol.VERSION);
    v.update(msg, 0, msg.length);
    nonce = null; // one attempt per challenge
    if (!v.verifySignature(a.signature())) {
      refuse(ctx, Protocol.Code.AUTH, "the handshake signature of key " + Keys.fingerprint(hello.key())
          + " does not verify for this connection's challenge (a replayed or forged handshake)");
      return;
    }
    done = true;
    lookups.execute(() -> {
      Volume vol = replica.volume();
      List<SnapshotInfo> snaps;
      try {
        snaps = replica.snapshots();
      } catch (IOException e) { // the snapshot tree could not be read: say so, keep nothing open
        ctx.executor().execute(() -> {
          ticket.release();
          refuse(ctx, Protocol.Code.CORRUPT, "replica " + replica.name() + ": " + e.getMessage());
        });
        return;
      }
      ctx.executor().execute(() -> welcome(ctx, vol == null ? null : vol.uuid(), snaps));
    });
  }

  private void welcome(ChannelHandlerContext ctx, UUID replicaVolume, List<SnapshotInfo> snaps) {
    if (!ctx.channel().isActive()) {
      return;
    }
    ticket.release();
    ctx.channel().config().setRecvByteBufAllocator(ReplicationServer.streamReads());
    // replace hands what the small decoder still holds to the full-size one
    ctx.pipeline().replace("frames", "frames", Protocol.frameDecoder());
    ctx.fireUserEventTriggered(new Authenticated(hello.key(), hello.volume()));
    ctx.pipeline().remove(this);
    ctx.write(new Protocol.Welcome(replicaVolume, snaps.size()));
    List<Protocol.Snap> batch = new ArrayList<>();
    for (SnapshotInfo s : snaps) {
      batch.add(new Protocol.Snap(s.id(), s.uuid(), s.created(), s.name()));
      if (batch.size() == Protocol.MAX_SNAPSHOTS_PER_FRAME) {
        ctx.write(new Protocol.Snapshots(batch));
        batch = new ArrayList<>();
      }
    }
    if (!batch.isEmpty()) {
      ctx.write(new Protocol.Snapshots(batch));
    }
    ctx.flush();
  }

  private void refuse(ChannelHandlerContext ctx, Protocol.Code code, String why) {
    done = true;
    stats.refused(code);
    log.accept("refused " + ctx.channel().remoteAddress() + ": " + why);
    ctx.writeAndFlush(new Protocol.Error(code, why)).addListener(ChannelFutureListener.CLOSE);
  }

  static String name(Protocol.Message m) {
    return m.getClass().getSimpleName().toUpperCase(java.util.Locale.ROOT);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (!done) {
      refuse(ctx, Protocol.Code.PROTOCOL, String.valueOf(cause.getMessage()));
    } else {
      ctx.fireExceptionCaught(cause);
    }
  }
}
