package io.deltasnap.nbd;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.concurrent.RejectedExecutionException;

/**
 * The transmission phase of one connection: checks each request, runs it on the I/O pool, writes
 * its reply, and applies back-pressure.
 *
 * <p><b>Concurrency and ordering.</b> Up to {@code maxRequestsInFlight} requests (and about
 * {@code maxBytesInFlight} bytes of read or write data) of this connection run at once, and
 * replies go out as requests finish, in any order, matched by handle as the protocol allows. A
 * reply is written only after the device call returned, so every write the client has seen
 * answered had returned from {@link BlockDevice#write} before a later NBD_CMD_FLUSH calls
 * {@link BlockDevice#flush}: the flush covers it.
 *
 * <p><b>Back-pressure.</b> Requests beyond the limits wait in a queue, and while anything waits,
 * the limits are reached, or the socket is not writable, reading from the socket stops
 * (autoRead off, through the {@link ReadGate} it shares with the decoder, which also stops reading
 * while a write's payload waits for {@link WriteBudget} bytes). The queue is therefore bounded by
 * what one read had already delivered.
 *
 * <p>Invariant: {@code inFlight} equals the number of requests handed to the pool whose
 * completion has not yet run on the event loop, and each holds one reference on the lease. All
 * fields are touched only on the event loop.
 */
final class RequestHandler extends ChannelInboundHandlerAdapter {
    private static final System.Logger LOG = System.getLogger(RequestHandler.class.getName());

    private final ServerContext server;
    private final String export;
    private final DeviceLease lease;
    private final Geometry geometry;
    private final boolean structured;
    private final ReadGate gate;
    private final ArrayDeque<Request> waiting = new ArrayDeque<>();
    private RequestRunner runner;
    private int inFlight;
    private long inFlightBytes;
    private boolean draining;      // NBD_CMD_DISC or a fatal request seen: finish what we have, then close
    private boolean reading = true;
    private boolean leaseReleased;
    private boolean flushScheduled;
    private boolean closing;

    RequestHandler(ServerContext server, String export, DeviceLease lease, Geometry geometry, boolean structured, ReadGate gate) {
        this.gate = gate;
        this.server = server;
        this.export = export;
        this.lease = lease;
        this.geometry = geometry;
        this.structured = structured;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        runner = new RequestRunner(export, lease.device(), structured);
        if (!ctx.channel().isActive()) {
            releaseLease();
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        Request r = (Request) msg;
        if (draining) {
            // The spec: nothing may follow NBD_CMD_DISC; anything after a fatal request is ignored.
            r.release();
            return;
        }
        if (r.type() == Protocol.CMD_DISC) {
            LOG.log(System.Logger.Level.DEBUG, "{0}: NBD_CMD_DISC, finishing {1} requests", ctx.channel(), inFlight + waiting.size());
            startDraining(ctx);
            return;
        }
        RequestValidator.Rejection rejection = RequestValidator.check(r, geometry, structured);
        if (rejection != null) {
            r.release();
            ctx.writeAndFlush(Reply.error(r, structured, rejection.error(), rejection.message()));
            if (rejection.fatal()) {
                LOG.log(System.Logger.Level.DEBUG, "{0}: {1}: {2}, disconnecting", ctx.channel(), r, rejection.message());
                startDraining(ctx);
            }
            return;
        }
        waiting.add(r);
        dispatch(ctx);
    }

    private void startDraining(ChannelHandlerContext ctx) {
        draining = true;
        updateReading(ctx);
        closeIfDrained(ctx);
    }

    private static long cost(Request r) {
        return r.type() == Protocol.CMD_READ || r.type() == Protocol.CMD_WRITE ? r.length() : 0;
    }

    private void dispatch(ChannelHandlerContext ctx) {
        NbdServer.Options limits = server.options();
        while (!waiting.isEmpty() && inFlight < limits.maxRequestsInFlight()
                && (inFlight == 0 || inFlightBytes + cost(waiting.peek()) <= limits.maxBytesInFlight())) {
            Request r = waiting.poll();
            long cost = cost(r);
            inFlight++;
            inFlightBytes += cost;
            lease.retain();
            try {
                server.io().execute(() -> runOnPool(ctx, r, cost));
            } catch (RejectedExecutionException e) {
                r.release();
                completed(ctx, cost, Reply.error(r, structured, Protocol.ESHUTDOWN, "server is shutting down"));
            }
        }
        updateReading(ctx);
    }

    /** Runs on an I/O worker. */
    private void runOnPool(ChannelHandlerContext ctx, Request r, long cost) {
        Reply reply;
        try {
            reply = runner.run(r);
        } catch (Throwable t) {
            LOG.log(System.Logger.Level.ERROR, "export '" + export + "': " + r + " failed unexpectedly; closing the connection", t);
            reply = null;
        }
        Reply done = reply;
        try {
            ctx.executor().execute(() -> completed(ctx, cost, done));
        } catch (RejectedExecutionException e) {
            // The event loop is gone (server closing): nobody will write the reply.
            if (done != null) {
                done.release();
            }
            lease.release();
        }
    }

    /** Runs on the event loop when a request has finished; {@code reply} null means close. */
    private void completed(ChannelHandlerContext ctx, long cost, Reply reply) {
        inFlight--;
        inFlightBytes -= cost;
        assert inFlight >= 0 && inFlightBytes >= 0 : "in flight " + inFlight + " / " + inFlightBytes;
        lease.release();
        if (reply == null) {
            ctx.close();
        } else if (ctx.channel().isActive()) {
            ctx.write(reply);
            scheduleFlush(ctx);
        } else {
            reply.release();
        }
        dispatch(ctx);
        closeIfDrained(ctx);
    }

    /**
     * Flushes once after the completions already queued on the event loop have written their
     * replies: one syscall for a burst of replies instead of one each.
     */
    private void scheduleFlush(ChannelHandlerContext ctx) {
        if (!flushScheduled) {
            flushScheduled = true;
            ctx.executor().execute(() -> {
                flushScheduled = false;
                ctx.flush();
            });
        }
    }

    private void closeIfDrained(ChannelHandlerContext ctx) {
        if (draining && inFlight == 0 && waiting.isEmpty() && !closing) {
            // Close once every reply written so far has left (close alone would drop them).
            closing = true;
            ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }

    private void updateReading(ChannelHandlerContext ctx) {
        NbdServer.Options limits = server.options();
        boolean want = !draining && waiting.isEmpty() && inFlight < limits.maxRequestsInFlight()
                && inFlightBytes < limits.maxBytesInFlight() && ctx.channel().isWritable();
        if (want != reading) {
            reading = want;
            gate.handlerWantsToRead(want);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        updateReading(ctx);
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        Request r;
        while ((r = waiting.poll()) != null) {
            r.release();
        }
        releaseLease();
        ctx.fireChannelInactive();
    }

    private void releaseLease() {
        if (!leaseReleased) {
            leaseReleased = true;
            lease.release();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof ProtocolViolation v) {
            LOG.log(System.Logger.Level.DEBUG, "{0}: protocol violation, disconnecting: {1}", ctx.channel(), v.getMessage());
        } else if (cause instanceof IOException) {
            LOG.log(System.Logger.Level.DEBUG, "{0}: connection error: {1}", ctx.channel(), cause.toString());
        } else {
            LOG.log(System.Logger.Level.WARNING, "closing " + ctx.channel() + " after an unexpected error", cause);
        }
        ctx.close();
    }
}
