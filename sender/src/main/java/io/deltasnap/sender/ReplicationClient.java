package io.deltasnap.sender;

import io.deltasnap.delta.DeltaHeader;
import io.deltasnap.delta.DeltaWriter;
import io.deltasnap.delta.Keys;
import io.deltasnap.engine.SnapshotInfo;
import io.deltasnap.engine.Volume;
import io.deltasnap.wire.Protocol;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;

/**
 * The sending end of replication: connects to a receiver, proves its key by signing the
 * receiver's fresh challenge, learns the replica's snapshots, and streams one delta with
 * back-pressure, resuming where the receiver's durable state ends.
 *
 * <p>Pipeline: wire-byte counter, TLS (optional), length-bounded framing, message codec, and a
 * handler that hands the receiver's messages to the calling thread. The calling thread does the
 * blocking work (reading the volume, compressing); the event loop only moves bytes.
 */
public final class ReplicationClient implements Closeable {
  /**
   * Settings: how long to wait for the receiver, the bandwidth limit (0: none), TLS, and how long a
   * transfer may make no progress (no delta bytes going out) before it is aborted as stalled
   * ({@link TransferStalledException}).
   */
  public record Options(Duration timeout, long limitBytesPerSecond, Tls.Options tls, Duration stallTimeout) {
    /** The stall timeout when none is given. */
    public static final Duration DEFAULT_STALL = Duration.ofMinutes(2);

    public Options {
      if (stallTimeout.isNegative() || stallTimeout.isZero()) {
        throw new IllegalArgumentException("the stall timeout must be positive");
      }
    }

    public static Options defaults() {
      return new Options(Duration.ofMinutes(5), 0, Tls.Options.NONE, DEFAULT_STALL);
    }

    public Options withLimit(long bytesPerSecond) {
      return new Options(timeout, bytesPerSecond, tls, stallTimeout);
    }

    public Options withTls(Tls.Options t) {
      return new Options(timeout, limitBytesPerSecond, t, stallTimeout);
    }

    public Options withTimeout(Duration d) {
      return new Options(d, limitBytesPerSecond, tls, stallTimeout);
    }

    public Options withStallTimeout(Duration d) {
      return new Options(timeout, limitBytesPerSecond, tls, d);
    }
  }

  /** What a send did. {@code base} 0: a full delta; {@code records}: the delta's record count. */
  public record Outcome(long snapshotId, UUID snapshotUuid, long base, long streamBytes, long bytesSent,
      long wireBytes, long resumedFrom, double seconds, long records) {}

  private static final Object CLOSED = new Object();
  private static final java.util.concurrent.atomic.AtomicBoolean WARMING = new java.util.concurrent.atomic.AtomicBoolean();

  private final EventLoopGroup group;
  private final Channel ch;
  private final LinkedBlockingQueue<Object> inbox;
  private final Object writability;
  private final AtomicLong wire;
  private final Options options;
  private final String peer;
  private UUID replicaVolume;
  private final List<Protocol.Snap> replicaSnapshots = new ArrayList<>();

  private ReplicationClient(EventLoopGroup group, Channel ch, LinkedBlockingQueue<Object> inbox, Object writability,
      AtomicLong wire, Options options, String peer) {
    this.group = group;
    this.ch = ch;
    this.inbox = inbox;
    this.writability = writability;
    this.wire = wire;
    this.options = options;
    this.peer = peer;
  }

  /** Connects and authenticates with {@code key}, announcing source volume {@code volume}. */
  /**
   * Loads and initialises, on a daemon thread, what a connection will need first: Netty's
   * platform probes, allocator and NIO channel classes, and Bouncy Castle's Ed25519 tables. A
   * fresh process spends about 0.1 s on them; started early, that overlaps with opening the
   * volume. Harmless if the connection never comes.
   */
  public static void warmUpInBackground() {
    if (!WARMING.compareAndSet(false, true)) {
      return; // once per process
    }
    Thread t = new Thread(() -> {
      try {
        org.bouncycastle.math.ec.rfc8032.Ed25519.precompute();
        io.deltasnap.delta.ZstdLibrary.load(); // unpacks and loads the zstd library
        io.netty.buffer.ByteBufAllocator.DEFAULT.buffer(1).release();
        new Bootstrap().channel(NioSocketChannel.class).option(ChannelOption.TCP_NODELAY, true);
        NioIoHandler.newFactory();
      } catch (Throwable ignored) {
        // only a head start: connect() does all of this again if it has to
      }
    }, "deltasnap-warm-up");
    t.setDaemon(true);
    t.start();
  }

  public static ReplicationClient connect(InetSocketAddress to, Ed25519PrivateKeyParameters key, UUID volume,
      Options options) throws IOException {
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("send-loop", true),
        NioIoHandler.newFactory());
    LinkedBlockingQueue<Object> inbox = new LinkedBlockingQueue<>();
    Object writability = new Object();
    AtomicLong wire = new AtomicLong();
    SslContext tls = Tls.clientContext(options.tls());
    SslHandler[] ssl = new SslHandler[1];
    String peer = to.getHostString() + ":" + to.getPort();
    Bootstrap b = new Bootstrap()
        .group(group)
        .channel(NioSocketChannel.class)
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, options.timeout().toMillis()))
        .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(1 << 20, 4 << 20))
        .handler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel c) {
            c.pipeline().addLast("wire-counter", new ChannelOutboundHandlerAdapter() {
              @Override
              public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
                if (msg instanceof ByteBuf bb) {
                  wire.addAndGet(bb.readableBytes());
                }
                super.write(ctx, msg, promise);
              }
            });
            if (tls != null) {
              ssl[0] = Tls.clientHandler(tls, c, to, options.tls());
              c.pipeline().addLast("tls", ssl[0]);
            }
            c.pipeline()
                .addLast("frames", Protocol.frameDecoder())
                .addLast("frame-length", Protocol.framePrepender())
                .addLast("messages", new Protocol.Codec())
                .addLast("inbox", new Inbox(inbox, writability));
          }
        });
    ChannelFuture f = b.connect(to).awaitUninterruptibly();
    if (!f.isSuccess()) {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      throw new ReplicationException(Protocol.Code.PROTOCOL, "cannot connect to " + peer + ": "
          + f.cause().getMessage(), f.cause());
    }
    ReplicationClient c = new ReplicationClient(group, f.channel(), inbox, writability, wire, options, peer);
    try {
      if (ssl[0] != null) {
        Tls.verifyPeer(ssl[0], to, options.tls(), options.timeout());
      }
      c.handshake(key, volume);
    } catch (IOException | RuntimeException e) {
      c.close();
      throw e;
    }
    return c;
  }

  private void handshake(Ed25519PrivateKeyParameters key, UUID volume) throws IOException {
    byte[] pub = Keys.publicKey(key);
    ch.writeAndFlush(new Protocol.Hello(Protocol.VERSION, volume, pub));
    Protocol.Challenge c = expect(Protocol.Challenge.class);
    if (c.version() != Protocol.VERSION) {
      throw new ReplicationException(Protocol.Code.VERSION, "receiver " + peer + " speaks protocol version "
          + c.version() + ", this sender " + Protocol.VERSION);
    }
    Ed25519Signer s = new Ed25519Signer();
    s.init(true, key);
    byte[] msg = Protocol.authMessage(c.nonce(), volume, pub, Protocol.VERSION);
    s.update(msg, 0, msg.length);
    ch.writeAndFlush(new Protocol.Auth(s.generateSignature()));
    Protocol.Welcome w = expect(Protocol.Welcome.class);
    replicaVolume = w.replicaVolume();
    while (replicaSnapshots.size() < w.snapshotCount()) {
      replicaSnapshots.addAll(expect(Protocol.Snapshots.class).snapshots());
    }
  }

  /** The replica's volume UUID, or null when the receiver has no replica yet. */
  public UUID replicaVolume() {
    return replicaVolume;
  }

  /** The replica's live snapshots (ID and UUID), oldest first. */
  public List<Protocol.Snap> replicaSnapshots() {
    return List.copyOf(replicaSnapshots);
  }

  /**
   * The newest snapshot of {@code v} older than {@code target} that the replica holds with the same
   * ID and UUID, or 0 (none: a full delta).
   */
  public static long commonBase(Volume v, long target, UUID replicaVolume, List<Protocol.Snap> replica)
      throws IOException {
    if (replicaVolume == null || !replicaVolume.equals(v.uuid())) {
      return Volume.ORIGIN;
    }
    long best = Volume.ORIGIN;
    for (Protocol.Snap r : replica) { // a lookup per replica snapshot, not a walk of the source's
      if (r.id() < target && r.id() > best) {
        SnapshotInfo s = v.snapshot(r.id());
        if (s != null && s.live() && r.is(s.id(), s.uuid())) {
          best = s.id();
        }
      }
    }
    return best;
  }

  /**
   * Asks the receiver to delete {@code snapshots} (matched by ID and UUID); returns how many it
   * deleted. The receiver must have been started with {@code --allow-prune}.
   */
  public long prune(List<Protocol.Snap> snapshots) throws IOException {
    if (snapshots.size() > Protocol.MAX_SNAPSHOTS_PER_FRAME) {
      throw new IllegalArgumentException("prune at most " + Protocol.MAX_SNAPSHOTS_PER_FRAME + " snapshots at a time");
    }
    ch.writeAndFlush(new Protocol.Prune(List.copyOf(snapshots)));
    return expect(Protocol.Pruned.class).deleted();
  }

  /** Tells the receiver this session sends nothing (a dry run) and closes. */
  public void bye() {
    ch.writeAndFlush(new Protocol.Bye()).awaitUninterruptibly(options.timeout().toMillis());
  }

  /**
   * Sends the delta {@code base} → {@code target} of {@code v} signed with {@code key}; returns once
   * the receiver acknowledged its durable commit. An interrupted earlier send of the same delta is
   * continued from what the receiver holds: the stream is regenerated (it is deterministic) and the
   * part the receiver has is not sent.
   */
  public Outcome send(Volume v, long base, long target, Ed25519PrivateKeyParameters key, DeltaProducer.Options opts,
      Volume.Progress progress) throws IOException {
    DeltaProducer.header(v, base, target, key); // refuse bad IDs or a bad key before any work
    return send(v, DeltaProducer.plan(v, base, target, opts), key, opts, progress);
  }

  /**
   * Sends the delta {@code plan} started (it may have been planned while this client connected);
   * the plan is used up, sent or not.
   */
  public Outcome send(Volume v, DeltaProducer.Plan plan, Ed25519PrivateKeyParameters key, DeltaProducer.Options opts,
      Volume.Progress progress) throws IOException {
    try (plan) {
      return sendPlanned(v, plan, key, opts, progress);
    }
  }

  /**
   * Offers the delta {@code base} → {@code target} of {@code v} (its header) and returns the
   * stream offset the receiver continues from. A later {@link #send} of the same delta streams
   * without offering again: a sender offers from the thread that connected while the delta is
   * still being planned, so ACCEPT's round trip overlaps the planning.
   */
  public long offer(Volume v, long base, long target, Ed25519PrivateKeyParameters key) throws IOException {
    long start = System.nanoTime();
    long wireBefore = wire.get();
    byte[] header = headerBytes(DeltaProducer.header(v, base, target, key), key);
    ch.writeAndFlush(new Protocol.Offer(header));
    long resume = expect(Protocol.Accept.class).resumeOffset();
    if (resume < header.length) {
      throw new ReplicationException(Protocol.Code.PROTOCOL, "receiver " + peer + " asked to resume at byte " + resume
          + ", inside the " + header.length + "-byte header");
    }
    offered = new Offered(base, target, resume, start, wireBefore);
    return resume;
  }

  /** A delta offered and accepted, not streamed yet: when, and how many wire bytes came before it. */
  private record Offered(long base, long target, long resume, long startNanos, long wireBefore) {}

  private Offered offered;

  private Outcome sendPlanned(Volume v, DeltaProducer.Plan plan, Ed25519PrivateKeyParameters key,
      DeltaProducer.Options opts, Volume.Progress progress) throws IOException {
    long base = plan.base();
    long target = plan.target();
    if (offered == null || offered.base() != base || offered.target() != target) {
      offer(v, base, target, key);
    }
    Offered o = offered;
    offered = null;
    long start = o.startNanos();
    long wireBefore = o.wireBefore();
    long resume = o.resume();
    RateLimiter limiter = options.limitBytesPerSecond() > 0 ? new RateLimiter(options.limitBytesPerSecond()) : null;
    ChannelOutput out = new ChannelOutput(ch, resume, limiter, writability, options.timeout(), options.stallTimeout());
    DeltaProducer.Result produced;
    try {
      // the header travelled in OFFER: the stream here starts after it
      produced = DeltaProducer.write(plan, key, out, opts, progress);
      out.finish();
      out.awaitFlushed();
    } catch (TransferStalledException e) {
      // nothing to wait for: a stalled connection sends no ERROR either
      throw new TransferStalledException("the transfer to " + peer + " stalled: " + e.getMessage(), e.sentBytes());
    } catch (IOException e) {
      throw receiverError().orElseGet(() -> e instanceof ReplicationException r ? r
          : new ReplicationException(Protocol.Code.PROTOCOL, e.getMessage() + " (" + peer + ")", e));
    } finally {
      out.close();
    }
    if (out.position() < resume) {
      throw new ReplicationException(Protocol.Code.PROTOCOL, "receiver " + peer + " asked to resume at byte " + resume
          + ", past the end of the " + out.position() + "-byte delta");
    }
    ch.writeAndFlush(new Protocol.End(out.position()));
    Protocol.Ack ack = expect(Protocol.Ack.class);
    SnapshotInfo t = v.snapshot(target);
    if (ack.snapshotId() != target || !ack.snapshotUuid().equals(t.uuid())) {
      throw new ReplicationException(Protocol.Code.PROTOCOL, "receiver " + peer + " acknowledged snapshot "
          + ack.snapshotId() + " " + ack.snapshotUuid() + ", not " + target + " " + t.uuid());
    }
    return new Outcome(target, t.uuid(), base, out.position(), out.sent(), wire.get() - wireBefore, resume,
        (System.nanoTime() - start) / 1e9, produced.records());
  }

  /** The encoded header, as the stream will start: what OFFER carries. */
  static byte[] headerBytes(DeltaHeader h, Ed25519PrivateKeyParameters key) {
    if (!java.util.Arrays.equals(h.signerKey(), Keys.publicKey(key))) {
      throw new IllegalArgumentException("the header's signer is not the signing key");
    }
    return DeltaWriter.headerBytes(h); // no writer (threads, zstd contexts) just for the header
  }

  /** An ERROR the receiver sent before closing, if one arrives shortly. */
  private java.util.Optional<ReplicationException> receiverError() {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    try {
      while (System.nanoTime() < deadline) {
        Object o = inbox.poll(100, TimeUnit.MILLISECONDS);
        if (o instanceof Protocol.Error e) {
          return java.util.Optional.of(refused(e));
        }
        if (o == CLOSED) {
          return java.util.Optional.empty();
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return java.util.Optional.empty();
  }

  private ReplicationException refused(Protocol.Error e) {
    return new ReplicationException(e.code(), "receiver " + peer + " refused (" + e.code().name().toLowerCase(
        java.util.Locale.ROOT) + "): " + e.message());
  }

  private <T extends Protocol.Message> T expect(Class<T> type) throws IOException {
    Object o;
    try {
      o = inbox.poll(options.timeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted while waiting for the receiver");
    }
    if (o == null) {
      throw new ReplicationException(Protocol.Code.TIMEOUT, "no answer from receiver " + peer + " within "
          + options.timeout().toSeconds() + " s (waiting for " + type.getSimpleName().toUpperCase(java.util.Locale.ROOT) + ")");
    }
    if (o == CLOSED) {
      inbox.add(CLOSED);
      throw new ReplicationException(Protocol.Code.PROTOCOL, "receiver " + peer + " closed the connection");
    }
    if (o instanceof Throwable t) {
      throw new ReplicationException(Protocol.Code.PROTOCOL, "connection to " + peer + " failed: " + t.getMessage(), t);
    }
    if (o instanceof Protocol.Error e) {
      throw refused(e);
    }
    if (!type.isInstance(o)) {
      throw new ReplicationException(Protocol.Code.PROTOCOL, "receiver " + peer + " sent "
          + o.getClass().getSimpleName().toUpperCase(java.util.Locale.ROOT) + ", expected "
          + type.getSimpleName().toUpperCase(java.util.Locale.ROOT));
    }
    return type.cast(o);
  }

  /** Bytes written to the socket so far (after TLS), framing included. */
  public long wireBytes() {
    return wire.get();
  }

  @Override
  public void close() {
    ch.close().awaitUninterruptibly(5000);
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
  }

  /** Hands the receiver's messages to the calling thread; wakes it when the channel becomes writable. */
  private static final class Inbox extends SimpleChannelInboundHandler<Protocol.Message> {
    private final LinkedBlockingQueue<Object> inbox;
    private final Object writability;

    Inbox(LinkedBlockingQueue<Object> inbox, Object writability) {
      this.inbox = inbox;
      this.writability = writability;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, Protocol.Message m) {
      if (m instanceof Protocol.Data d) {
        d.bytes().release(); // a receiver never sends DATA
        inbox.add(new IOException("the receiver sent DATA"));
        ctx.close();
        return;
      }
      inbox.add(m);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
      synchronized (writability) {
        writability.notifyAll();
      }
      super.channelWritabilityChanged(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
      inbox.add(CLOSED);
      synchronized (writability) {
        writability.notifyAll();
      }
      super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      inbox.add(cause);
      ctx.close();
    }
  }
}
