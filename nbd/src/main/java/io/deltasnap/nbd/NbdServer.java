package io.deltasnap.nbd;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A running NBD server (fixed newstyle) serving the exports of an {@link ExportProvider}.
 *
 * <p>Each connection starts with the pipeline {@code [nbd-tls (after NBD_OPT_STARTTLS)]
 * nbd-option-decoder, nbd-handshake-encoder, nbd-negotiation}; a successful NBD_OPT_GO or
 * NBD_OPT_EXPORT_NAME swaps the last three for {@code nbd-request-decoder, nbd-reply-encoder,
 * nbd-requests}. Device and provider calls run on a pool of I/O threads, never on an event loop.
 */
public final class NbdServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(NbdServer.class.getName());

    /**
     * Tuning. {@code ioThreads}: threads that call devices and the provider.
     * {@code maxRequestsInFlight} / {@code maxBytesInFlight}: per connection, the requests (and
     * read/write bytes) running at once before the server stops reading from that socket; the
     * latter also bounds the write payloads one connection holds. {@code negotiationTimeout}: a
     * client still in the handshake after this long is dropped. {@code requestTimeout}: a request
     * whose bytes stop arriving for this long drops its connection ({@link Duration#ZERO}: never).
     * {@code maxWriteBytes}: the write payloads all connections together hold; a write beyond it
     * waits, its connection not read from, until others complete. {@code maxConnections}: client
     * connections at once; one more is closed as soon as it is accepted (each may hold a socket
     * read of up to 1 MiB while its writes wait for the budget, so this bounds that too).
     */
    public record Options(int ioThreads, int maxRequestsInFlight, long maxBytesInFlight, Duration negotiationTimeout,
            Duration requestTimeout, long maxWriteBytes, int maxConnections) {
        public Options {
            if (ioThreads < 1 || maxRequestsInFlight < 1 || maxBytesInFlight < 1 || maxWriteBytes < 1 || maxConnections < 1) {
                throw new IllegalArgumentException("limits must be positive: " + ioThreads + ", " + maxRequestsInFlight + ", "
                        + maxBytesInFlight + ", " + maxWriteBytes + ", " + maxConnections);
            }
            Objects.requireNonNull(negotiationTimeout, "negotiationTimeout");
            Objects.requireNonNull(requestTimeout, "requestTimeout");
            if (negotiationTimeout.isNegative() || negotiationTimeout.isZero() || requestTimeout.isNegative()) {
                throw new IllegalArgumentException("timeouts must be positive: " + negotiationTimeout + ", " + requestTimeout);
            }
        }

        public Options(int ioThreads, int maxRequestsInFlight, long maxBytesInFlight, Duration negotiationTimeout) {
            this(ioThreads, maxRequestsInFlight, maxBytesInFlight, negotiationTimeout, DEFAULT_REQUEST_TIMEOUT, DEFAULT_WRITE_BYTES,
                    DEFAULT_CONNECTIONS);
        }

        public static Options defaults() {
            return new Options(8, 64, 64L << 20, Duration.ofSeconds(10));
        }

        public Options withThreads(int n) {
            return new Options(n, maxRequestsInFlight, maxBytesInFlight, negotiationTimeout, requestTimeout, maxWriteBytes,
                    maxConnections);
        }

        public Options withTimeouts(Duration negotiation, Duration request) {
            return new Options(ioThreads, maxRequestsInFlight, maxBytesInFlight, negotiation, request, maxWriteBytes,
                    maxConnections);
        }

        public Options withMemory(long perConnection, long total) {
            return new Options(ioThreads, maxRequestsInFlight, perConnection, negotiationTimeout, requestTimeout, total,
                    maxConnections);
        }

        public Options withMaxConnections(int n) {
            return new Options(ioThreads, maxRequestsInFlight, maxBytesInFlight, negotiationTimeout, requestTimeout,
                    maxWriteBytes, n);
        }
    }

    static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(30);
    static final long DEFAULT_WRITE_BYTES = 256L << 20;
    static final int DEFAULT_CONNECTIONS = 128;

    private final EventLoopGroup group;
    private final ExecutorService io;
    private final ChannelGroup channels;
    private final Channel listener;
    private final WriteBudget writes;

    private NbdServer(EventLoopGroup group, ExecutorService io, ChannelGroup channels, Channel listener, WriteBudget writes) {
        this.writes = writes;
        this.group = group;
        this.io = io;
        this.channels = channels;
        this.listener = listener;
    }

    /** Starts serving with {@link Options#defaults()}. */
    public static NbdServer start(InetSocketAddress address, ExportProvider provider, Optional<SslContext> tls) throws IOException {
        return start(address, provider, tls, Options.defaults());
    }

    /**
     * Listens on {@code address} (port 0 picks a free one) and serves {@code provider}'s exports.
     * With {@code tls} present, clients must upgrade with NBD_OPT_STARTTLS before anything else
     * (the spec's FORCEDTLS mode); it must be a server context.
     *
     * @throws IOException if the address cannot be bound
     */
    public static NbdServer start(InetSocketAddress address, ExportProvider provider, Optional<SslContext> tls, Options options)
            throws IOException {
        Objects.requireNonNull(provider, "provider");
        if (tls.isPresent() && !tls.get().isServer()) {
            throw new IllegalArgumentException("the TLS context must be a server context");
        }
        ExecutorService io = Executors.newFixedThreadPool(options.ioThreads(), new DefaultThreadFactory("nbd-io", true));
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(0, new DefaultThreadFactory("nbd-loop", true), NioIoHandler.newFactory());
        ChannelGroup channels = new DefaultChannelGroup("nbd", GlobalEventExecutor.INSTANCE);
        java.util.concurrent.atomic.AtomicInteger connections = new java.util.concurrent.atomic.AtomicInteger();
        ServerContext context = new ServerContext(provider, tls, io, options, new WriteBudget(options.maxWriteBytes()));
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(1 << 20, 8 << 20))
                // Writes arrive in 256 KiB+ payloads: read up to 1 MiB per syscall, not Netty's 64 KiB.
                .childOption(ChannelOption.RECVBUF_ALLOCATOR, new AdaptiveRecvByteBufAllocator(512, 64 << 10, 1 << 20))
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (connections.incrementAndGet() > options.maxConnections()) {
                            connections.decrementAndGet();
                            LOG.log(System.Logger.Level.DEBUG, "{0}: {1} connections already, closing", ch, options.maxConnections());
                            ch.close();
                            return;
                        }
                        ch.closeFuture().addListener(f -> connections.decrementAndGet());
                        channels.add(ch);
                        OptionDecoder decoder = new OptionDecoder();
                        ch.pipeline()
                                .addLast("nbd-option-decoder", decoder)
                                .addLast("nbd-handshake-encoder", new HandshakeEncoder())
                                .addLast("nbd-negotiation", new NegotiationHandler(context, decoder));
                    }
                });
        ChannelFuture bound = bootstrap.bind(address).awaitUninterruptibly();
        if (!bound.isSuccess()) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            io.shutdown();
            throw new IOException("cannot listen on " + address + ": " + bound.cause().getMessage(), bound.cause());
        }
        channels.add(bound.channel());
        return new NbdServer(group, io, channels, bound.channel(), context.writes());
    }

    /** The port actually listened on. */
    public int port() {
        return ((InetSocketAddress) listener.localAddress()).getPort();
    }

    /** Bytes of write payloads held right now, across connections (at most about {@link Options#maxWriteBytes}). */
    public long heldWriteBytes() {
        return writes.used();
    }

    /** The address actually listened on. */
    public InetSocketAddress address() {
        return (InetSocketAddress) listener.localAddress();
    }

    /**
     * Stops listening, drops every connection, waits (up to about ten seconds) for running device
     * calls to finish, and closes the devices. Idempotent.
     */
    @Override
    public void close() {
        listener.close().awaitUninterruptibly();
        channels.close().awaitUninterruptibly();
        // Pending event-loop tasks (connection teardown, handing devices to be closed) run first.
        group.shutdownGracefully(0, 5, TimeUnit.SECONDS).awaitUninterruptibly();
        io.shutdown();
        try {
            if (!io.awaitTermination(10, TimeUnit.SECONDS)) {
                io.shutdownNow();
            }
        } catch (InterruptedException e) {
            io.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
