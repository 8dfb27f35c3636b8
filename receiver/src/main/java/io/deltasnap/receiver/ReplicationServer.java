package io.deltasnap.receiver;

import io.deltasnap.delta.TrustedKeys;
import io.deltasnap.wire.Protocol;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The receiving end of replication: a Netty server that authenticates senders, tells them the
 * replica's snapshots, and applies their deltas to one {@link Replica}, resumably, one at a time.
 *
 * <p>Pipeline per connection, one handler per concern: TLS (optional), length-bounded framing
 * ({@link Protocol#frameDecoder}, {@link Protocol#MAX_FRAME}), message codec, handshake
 * ({@link HandshakeHandler}), transfer ({@link TransferHandler}). Event loops never touch the disk:
 * snapshot lookups run on a small pool, applying on the replica's single worker thread.
 */
public final class ReplicationServer implements Closeable {
  /**
   * Tuning. {@code idle}: how long an authenticated sender may stay silent mid-stream before the
   * connection is dropped; {@code checkpoints}: how often staged data is made durable;
   * {@code staleAfter}: when another transfer may replace a staged one of another signer, and when
   * a staged transfer is discarded by itself; {@code admission}: what an unauthenticated
   * connection may hold.
   */
  public record Settings(Duration idle, long checkpointBytes, Duration checkpointInterval, Duration staleAfter,
      boolean allowPrune, Admission admission) {
    public Settings(Duration idle, long checkpointBytes, Duration checkpointInterval, Duration staleAfter) {
      this(idle, checkpointBytes, checkpointInterval, staleAfter, false, Admission.defaults());
    }

    public static Settings defaults() {
      return new Settings(Duration.ofSeconds(120), 256L << 20, Duration.ofSeconds(2), Duration.ofHours(24));
    }

    /** Lets authenticated senders delete replica snapshots (PRUNE); off by default. */
    public Settings withAllowPrune(boolean allow) {
      return new Settings(idle, checkpointBytes, checkpointInterval, staleAfter, allow, admission);
    }

    public Settings withIdle(Duration d) {
      return new Settings(d, checkpointBytes, checkpointInterval, staleAfter, allowPrune, admission);
    }

    public Settings withStaleAfter(Duration d) {
      return new Settings(idle, checkpointBytes, checkpointInterval, d, allowPrune, admission);
    }

    public Settings withCheckpoints(long bytes, Duration interval) {
      return new Settings(idle, bytes, interval, staleAfter, allowPrune, admission);
    }

    public Settings withAdmission(Admission a) {
      return new Settings(idle, checkpointBytes, checkpointInterval, staleAfter, allowPrune, a);
    }
  }

  /**
   * Limits on connections that have not authenticated yet: at most {@code maxHandshakes} at once,
   * {@code maxHandshakesPerHost} of them from one address (more are closed at once), each closed
   * if it has not authenticated within {@code handshakeTimeout}. Until it authenticates, a
   * connection reads at most {@link HandshakeHandler#READ_BYTES} per read and frames of at most
   * {@link HandshakeHandler#MAX_FRAME} bytes, so it pins a few KiB at most.
   */
  public record Admission(int maxHandshakes, int maxHandshakesPerHost, Duration handshakeTimeout) {
    public Admission {
      if (maxHandshakes < 1 || maxHandshakesPerHost < 1 || handshakeTimeout.isNegative() || handshakeTimeout.isZero()) {
        throw new IllegalArgumentException("handshake limits must be positive: " + maxHandshakes + ", "
            + maxHandshakesPerHost + ", " + handshakeTimeout);
      }
    }

    public static Admission defaults() {
      return new Admission(64, 8, Duration.ofSeconds(10));
    }
  }

  /** Bytes queued per connection before the receiver stops reading the socket, and when it resumes. */
  static final long HIGH_WATER = 8L << 20;
  static final long LOW_WATER = 2L << 20;
  /** Reads of an authenticated connection: adaptive, up to 1 MiB per read for the delta stream. */
  static AdaptiveRecvByteBufAllocator streamReads() {
    return new AdaptiveRecvByteBufAllocator(512, 64 << 10, 1 << 20);
  }

  private final EventLoopGroup group;
  private final ChannelGroup channels;
  private final Channel listener;
  private final ExecutorService lookups;
  private final Replica replica;
  private final Transfers transfers;
  private final HandshakeGate gate;
  private final ReceiverStats stats;

  /** The running transfers' streams, so a stop can end them; exists before the first connection. */
  static final class Transfers {
    private final Set<InboundStream> active = ConcurrentHashMap.newKeySet();
    private volatile boolean stopping;

    boolean stopping() {
      return stopping;
    }

    void register(InboundStream s) {
      active.add(s);
      if (stopping) {
        s.fail(new IOException("the receiver is stopping"));
      }
    }

    void unregister(InboundStream s) {
      active.remove(s);
    }

    void stop() {
      stopping = true;
      for (InboundStream s : active) {
        s.fail(new IOException("the receiver is stopping"));
      }
    }
  }

  private ReplicationServer(EventLoopGroup group, ChannelGroup channels, Channel listener, ExecutorService lookups,
      Replica replica, Transfers transfers, HandshakeGate gate, ReceiverStats stats) {
    this.group = group;
    this.channels = channels;
    this.listener = listener;
    this.lookups = lookups;
    this.replica = replica;
    this.transfers = transfers;
    this.gate = gate;
    this.stats = stats;
  }

  /**
   * Listens on {@code address} (port 0: any free port). {@code log} hears one line per
   * connection outcome (transfers applied, refusals with their reason).
   */
  public static ReplicationServer start(InetSocketAddress address, Replica replica, TrustedKeys trust,
      Optional<SslContext> tls, Settings settings, Consumer<String> log) throws IOException {
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(0, new DefaultThreadFactory("receive-loop", true),
        NioIoHandler.newFactory());
    ExecutorService lookups = Executors.newFixedThreadPool(2, new DefaultThreadFactory("receive-lookup", true));
    ChannelGroup channels = new DefaultChannelGroup("receive", GlobalEventExecutor.INSTANCE);
    Transfers transfers = new Transfers();
    HandshakeGate gate = new HandshakeGate(settings.admission().maxHandshakes(), settings.admission().maxHandshakesPerHost());
    ReceiverStats stats = new ReceiverStats();
    ServerBootstrap b = new ServerBootstrap()
        .group(group)
        .channel(NioServerSocketChannel.class)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childOption(ChannelOption.SO_KEEPALIVE, true)
        .childOption(ChannelOption.RECVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(HandshakeHandler.READ_BYTES))
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            HandshakeGate.Ticket ticket = gate.admit(ch);
            if (ticket == null) {
              gate.report(log);
              stats.refused(ReceiverStats.ADMISSION);
              ch.close();
              return;
            }
            channels.add(ch);
            if (tls.isPresent()) {
              ch.pipeline().addLast("tls", tls.get().newHandler(ch.alloc()));
            }
            ch.pipeline()
                .addLast("frames", Protocol.frameDecoder(HandshakeHandler.MAX_FRAME))
                .addLast("frame-length", Protocol.framePrepender())
                .addLast("messages", new Protocol.Codec())
                .addLast("handshake", new HandshakeHandler(replica, trust, lookups, ticket,
                    settings.admission().handshakeTimeout(), log, stats))
                .addLast("transfer", new TransferHandler(transfers, replica, trust, settings, log, stats));
          }
        });
    ChannelFuture bound = b.bind(address).awaitUninterruptibly();
    if (!bound.isSuccess()) {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      lookups.shutdown();
      throw new IOException("cannot listen on " + address + ": " + bound.cause().getMessage(), bound.cause());
    }
    ReplicationServer s = new ReplicationServer(group, channels, bound.channel(), lookups, replica, transfers, gate,
        stats);
    // staged transfers nobody resumed go away by themselves
    long every = Math.max(1000, Math.min(settings.staleAfter().toMillis() / 4, 3_600_000L));
    group.scheduleAtFixedRate(() -> s.discardStale(settings.staleAfter(), log), 0, every, TimeUnit.MILLISECONDS);
    return s;
  }

  /** On the worker, so it never runs beside a transfer (a transfer holds the worker throughout). */
  private void discardStale(Duration staleAfter, Consumer<String> log) {
    if (transfers.stopping()) {
      return;
    }
    try {
      replica.worker().execute(() -> {
        try {
          if (replica.discardStaged(staleAfter)) {
            log.accept("discarded a staged transfer older than " + staleAfter);
          }
        } catch (IOException | RuntimeException e) {
          log.accept("could not discard a stale staged transfer: " + e.getMessage());
        }
      });
    } catch (RuntimeException e) {
      // the worker is shutting down
    }
  }

  /** What this server has done since it started. */
  public ReceiverStats stats() {
    return stats;
  }

  /** Transfers under way now (0 or 1: one at a time per replica). */
  public int activeTransfers() {
    return transfers.active.size();
  }

  /** Connections accepted and not yet authenticated or closed. */
  long pendingHandshakes() {
    return gate.pending();
  }

  public InetSocketAddress address() {
    return (InetSocketAddress) listener.localAddress();
  }

  public int port() {
    return address().getPort();
  }

  /**
   * Stops: no new connections; a running transfer stops reading, checkpoints what it applied (so
   * the sender can resume it later) and tells its sender; then connections close. The replica
   * itself is closed by its owner ({@link Replica#close}, which waits for the worker).
   */
  @Override
  public void close() {
    listener.close().awaitUninterruptibly();
    transfers.stop();
    replica.worker().shutdown();
    try {
      replica.worker().awaitTermination(60, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    channels.close().awaitUninterruptibly();
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
    lookups.shutdownNow();
  }
}
