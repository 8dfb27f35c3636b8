package io.deltasnap.nbd;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Frames transmission-phase requests: a 28-byte header ({@link Protocol}), then for NBD_CMD_WRITE
 * the payload. The magic is checked first and the write length is checked against
 * {@link Protocol#MAX_PAYLOAD} before any payload is awaited; either failure is a
 * {@link ProtocolViolation} (hard disconnect: the stream cannot be resynchronised).
 *
 * <p>A write payload is copied once, as it arrives, into a direct buffer of exactly its length, so
 * the cumulation never grows to hold a whole large write and the device gets one contiguous buffer.
 * That buffer is allocated only once {@link WriteBudget} granted its bytes; until then the
 * connection stops reading ({@link ReadGate}), so what it holds is at most one socket read.
 *
 * <p>A request that has started to arrive must keep arriving: when no byte of it came for
 * {@code requestTimeout} while the server was reading, the connection is closed and its buffers
 * released. A connection with no request under way may stay idle (kernel clients do).
 */
final class RequestDecoder extends ByteToMessageDecoder {
    private static final System.Logger LOG = System.getLogger(RequestDecoder.class.getName());

    private final WriteBudget budget;
    private final long connectionLimit;
    private final long timeoutNanos;   // 0: no stall timeout
    private final ReadGate gate;
    private WriteBudget.Account account;
    private ChannelHandlerContext ctx;
    private ScheduledFuture<?> stallCheck;
    private Request header;   // a write whose payload is still arriving (or waiting for its grant)
    private ByteBuf payload;
    private WriteBudget.Grant grant;
    private boolean failed;
    private long lastProgress;

    /** Without limits: for tests that feed it directly. */
    RequestDecoder() {
        this(new WriteBudget(Long.MAX_VALUE), Long.MAX_VALUE, Duration.ZERO, null);
    }

    RequestDecoder(WriteBudget budget, long connectionLimit, Duration requestTimeout, ReadGate gate) {
        this.budget = budget;
        this.connectionLimit = connectionLimit;
        this.timeoutNanos = requestTimeout.toNanos();
        this.gate = gate;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
        this.ctx = ctx;
        account = budget.account(connectionLimit, () -> {
            try {
                ctx.executor().execute(this::retryGrant);
            } catch (RejectedExecutionException stopping) {
                // the server is closing: nothing waits for the grant any more
            }
        });
        lastProgress = System.nanoTime();
        if (timeoutNanos > 0) {
            long every = Math.max(TimeUnit.NANOSECONDS.toMillis(timeoutNanos) / 4, 10);
            stallCheck = ctx.executor().scheduleAtFixedRate(this::checkStall, every, every, TimeUnit.MILLISECONDS);
        }
        super.handlerAdded(ctx);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (failed) {
            in.skipBytes(in.readableBytes());
            return;
        }
        if (in.isReadable()) {
            lastProgress = System.nanoTime();
        }
        if (header == null) {
            if (in.readableBytes() < Protocol.REQUEST_HEADER_LENGTH) {
                return;
            }
            int magic = in.readInt();
            if (magic != Protocol.REQUEST_MAGIC) {
                failed = true;
                throw new ProtocolViolation(String.format("bad request magic 0x%08x, expected 0x%08x", magic, Protocol.REQUEST_MAGIC));
            }
            int flags = in.readUnsignedShort();
            int type = in.readUnsignedShort();
            long handle = in.readLong();
            long offset = in.readLong();
            long length = in.readUnsignedInt();
            if (type != Protocol.CMD_WRITE) {
                out.add(new Request(flags, type, handle, offset, length, null));
                return;
            }
            if (length > Protocol.MAX_PAYLOAD) {
                failed = true;
                throw new ProtocolViolation("NBD_CMD_WRITE with a payload of " + length + " bytes, more than the limit of "
                        + Protocol.MAX_PAYLOAD + " (handle " + Long.toHexString(handle) + ")");
            }
            if (length == 0) {
                out.add(new Request(flags, type, handle, offset, 0, Unpooled.EMPTY_BUFFER));
                return;
            }
            header = new Request(flags, type, handle, offset, length, null);
        }
        if (payload == null && !allocatePayload()) {
            return; // waiting for the budget: not reading, the bytes stay in the cumulation
        }
        in.readBytes(payload, Math.min(in.readableBytes(), payload.writableBytes()));
        if (!payload.isWritable()) {
            out.add(new Request(header.flags(), header.type(), header.handle(), header.offset(), header.length(), payload, grant));
            header = null;
            payload = null;
            grant = null;
        }
    }

    /** Gets the grant for {@code header}'s payload and allocates it; false (and reading stops) if not granted yet. */
    private boolean allocatePayload() {
        grant = account.tryReserve(header.length());
        if (grant == null) {
            setReading(false);
            return false;
        }
        payload = ctx.alloc().directBuffer((int) header.length(), (int) header.length());
        setReading(true);
        return true;
    }

    /** Event loop, after some granted bytes came back: if a payload waits for its grant, tries again. */
    private void retryGrant() {
        if (header == null || payload != null || failed || ctx.isRemoved() || !ctx.channel().isActive()) {
            return;
        }
        if (allocatePayload()) {
            lastProgress = System.nanoTime();
            // what the cumulation already holds goes into the new buffer now, not at the next read
            try {
                channelRead(ctx, Unpooled.EMPTY_BUFFER);
            } catch (Exception e) {
                ctx.fireExceptionCaught(e);
            }
        }
    }

    private void setReading(boolean on) {
        if (gate != null) {
            gate.budgetAllowsReading(on);
        }
    }

    private void checkStall() {
        boolean underWay = header != null || (internalBuffer() != null && internalBuffer().isReadable());
        boolean reading = gate == null || gate.reading();
        if (!underWay || !reading) {
            lastProgress = System.nanoTime(); // not the client's silence: the clock starts when we read again
            return;
        }
        long silent = System.nanoTime() - lastProgress;
        if (silent > timeoutNanos && ctx.channel().isActive()) {
            LOG.log(System.Logger.Level.DEBUG, "{0}: {1} stopped arriving {2} ms ago, closing", ctx.channel(),
                    header != null ? header : "a request header", TimeUnit.NANOSECONDS.toMillis(silent));
            ctx.close();
        }
    }

    /**
     * While a payload waits for its grant, a read that framed nothing must not ask for the next
     * read (as {@link ByteToMessageDecoder} does when autoRead is off): that would buffer the
     * payload in the cumulation after all.
     */
    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
        if (header != null && payload == null) {
            ctx.fireChannelReadComplete();
            return;
        }
        super.channelReadComplete(ctx);
    }

    /** Bytes this connection's payloads hold (granted, not yet released). */
    long heldBytes() {
        return account == null ? 0 : account.held();
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) {
        releasePartial();
        if (stallCheck != null) {
            stallCheck.cancel(false);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        super.channelInactive(ctx);
        releasePartial();
        if (stallCheck != null) {
            stallCheck.cancel(false);
        }
    }

    private void releasePartial() {
        if (payload != null) {
            payload.release();
            payload = null;
        }
        if (grant != null) {
            grant.release();
            grant = null;
        }
        header = null;
    }
}
