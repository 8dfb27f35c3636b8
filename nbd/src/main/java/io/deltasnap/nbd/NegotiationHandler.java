package io.deltasnap.nbd;

import io.deltasnap.nbd.HandshakeMessage.ClientFlags;
import io.deltasnap.nbd.HandshakeMessage.ExportNameReply;
import io.deltasnap.nbd.HandshakeMessage.OptionReply;
import io.deltasnap.nbd.HandshakeMessage.OptionRequest;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * The handshake phase of one connection: sends the greeting, checks the client flags, answers
 * options one at a time, and on a successful NBD_OPT_GO or NBD_OPT_EXPORT_NAME replaces the
 * handshake handlers with the transmission-phase ones.
 *
 * <p>TLS policy: without an {@link SslContext} the server is in NOTLS mode (NBD_OPT_STARTTLS gets
 * NBD_REP_ERR_UNSUP). With one it is in FORCEDTLS mode: until TLS is up, every option except
 * NBD_OPT_STARTTLS and NBD_OPT_ABORT is refused with NBD_REP_ERR_TLS_REQD, and
 * NBD_OPT_EXPORT_NAME (which cannot carry an error) closes the connection.
 *
 * <p>Calls into the {@link ExportProvider} may block, so they run on the I/O pool; the
 * {@link OptionDecoder} stays paused meanwhile, so options are answered strictly in order.
 */
final class NegotiationHandler extends ChannelInboundHandlerAdapter {
    private static final System.Logger LOG = System.getLogger(NegotiationHandler.class.getName());

    private final ServerContext server;
    private final OptionDecoder decoder;

    private boolean fixedNewstyle;
    private boolean noZeroes;
    private boolean structuredReplies;
    private boolean tlsActive;
    private boolean finished;
    private ScheduledFuture<?> deadline;

    NegotiationHandler(ServerContext server, OptionDecoder decoder) {
        this.server = server;
        this.decoder = decoder;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        ctx.writeAndFlush(new HandshakeMessage.Greeting());
        long timeout = server.options().negotiationTimeout().toMillis();
        deadline = ctx.executor().schedule(() -> {
            LOG.log(System.Logger.Level.DEBUG, "{0}: handshake not finished after {1} ms, closing", ctx.channel(), timeout);
            ctx.close();
        }, timeout, TimeUnit.MILLISECONDS);
        ctx.fireChannelActive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (deadline != null) {
            deadline.cancel(false);
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ClientFlags flags) {
            onClientFlags(ctx, flags.flags());
        } else if (msg instanceof OptionRequest option) {
            try {
                onOption(ctx, option.option(), option.data());
            } finally {
                option.data().release();
            }
        } else {
            ctx.fireChannelRead(msg);
        }
    }

    private void onClientFlags(ChannelHandlerContext ctx, int flags) {
        if ((flags & ~Protocol.KNOWN_CLIENT_FLAGS) != 0) {
            throw new ProtocolViolation(String.format("unknown client flags 0x%08x", flags));
        }
        fixedNewstyle = (flags & Protocol.FLAG_C_FIXED_NEWSTYLE) != 0;
        noZeroes = (flags & Protocol.FLAG_C_NO_ZEROES) != 0;
        if (!fixedNewstyle && server.tls().isPresent()) {
            // TLS needs fixed newstyle, and without it the client could only go plain-text.
            throw new ProtocolViolation("client without NBD_FLAG_C_FIXED_NEWSTYLE cannot start TLS, which this server requires");
        }
        decoder.resume();
    }

    private void onOption(ChannelHandlerContext ctx, int option, ByteBuf data) {
        boolean tlsRequired = server.tls().isPresent() && !tlsActive;
        if (tlsRequired && option != Protocol.OPT_STARTTLS && option != Protocol.OPT_ABORT) {
            if (option == Protocol.OPT_EXPORT_NAME) {
                throw new ProtocolViolation("NBD_OPT_EXPORT_NAME before NBD_OPT_STARTTLS on a server that requires TLS");
            }
            reply(ctx, OptionReply.error(option, Protocol.REP_ERR_TLS_REQD, "this server requires TLS: send NBD_OPT_STARTTLS first"));
            return;
        }
        switch (option) {
            case Protocol.OPT_ABORT -> {
                finished = true;
                ctx.writeAndFlush(OptionReply.ack(option)).addListener(ChannelFutureListener.CLOSE);
            }
            case Protocol.OPT_LIST -> onList(ctx, data);
            case Protocol.OPT_STARTTLS -> onStartTls(ctx, data);
            case Protocol.OPT_STRUCTURED_REPLY -> onStructuredReply(ctx, data);
            case Protocol.OPT_EXPORT_NAME -> onExportName(ctx, data);
            case Protocol.OPT_INFO, Protocol.OPT_GO -> onInfoOrGo(ctx, option, data);
            default -> reply(ctx, OptionReply.error(option, Protocol.REP_ERR_UNSUP,
                    Protocol.optionName(option) + " is not supported by this server"));
        }
    }

    /** Sends a final reply and lets the next option in. */
    private void reply(ChannelHandlerContext ctx, OptionReply reply) {
        ctx.writeAndFlush(reply);
        decoder.resume();
    }

    private void onStructuredReply(ChannelHandlerContext ctx, ByteBuf data) {
        if (data.isReadable()) {
            reply(ctx, OptionReply.error(Protocol.OPT_STRUCTURED_REPLY, Protocol.REP_ERR_INVALID, "NBD_OPT_STRUCTURED_REPLY takes no data"));
        } else if (structuredReplies) {
            reply(ctx, OptionReply.error(Protocol.OPT_STRUCTURED_REPLY, Protocol.REP_ERR_INVALID, "structured replies are already negotiated"));
        } else {
            structuredReplies = true;
            reply(ctx, OptionReply.ack(Protocol.OPT_STRUCTURED_REPLY));
        }
    }

    private void onStartTls(ChannelHandlerContext ctx, ByteBuf data) {
        int opt = Protocol.OPT_STARTTLS;
        if (server.tls().isEmpty()) {
            reply(ctx, OptionReply.error(opt, Protocol.REP_ERR_UNSUP, "TLS is not configured on this server"));
        } else if (tlsActive) {
            reply(ctx, OptionReply.error(opt, Protocol.REP_ERR_INVALID, "TLS is already active"));
        } else if (data.isReadable()) {
            reply(ctx, OptionReply.error(opt, Protocol.REP_ERR_INVALID, "NBD_OPT_STARTTLS takes no data"));
        } else if (decoder.hasBufferedBytes()) {
            // Plain-text bytes queued behind STARTTLS would be taken as if they came over TLS.
            throw new ProtocolViolation("client sent data after NBD_OPT_STARTTLS before the TLS handshake");
        } else {
            // The ACK passes the pipeline now, in clear; the TLS handler goes in after it.
            ctx.writeAndFlush(OptionReply.ack(opt));
            SslHandler tls = server.tls().get().newHandler(ctx.alloc());
            ctx.pipeline().addFirst("nbd-tls", tls);
            tlsActive = true;
            structuredReplies = false; // the spec: no negotiation state survives STARTTLS
            tls.handshakeFuture().addListener(f -> {
                if (f.isSuccess()) {
                    decoder.resume();
                } else {
                    LOG.log(System.Logger.Level.DEBUG, "{0}: TLS handshake failed: {1}", ctx.channel(), f.cause());
                    ctx.close();
                }
            });
        }
    }

    private void onList(ChannelHandlerContext ctx, ByteBuf data) {
        int opt = Protocol.OPT_LIST;
        if (data.isReadable()) {
            reply(ctx, OptionReply.error(opt, Protocol.REP_ERR_INVALID, "NBD_OPT_LIST takes no data"));
            return;
        }
        offload(ctx, opt, () -> server.provider().list(), (exports, failure) -> {
            if (failure != null) {
                LOG.log(System.Logger.Level.WARNING, "listing exports failed", failure);
                reply(ctx, OptionReply.error(opt, Protocol.REP_ERR_PLATFORM, "listing exports failed: " + failure));
                return;
            }
            for (ExportInfo e : exports) {
                byte[] name = e.name().getBytes(StandardCharsets.UTF_8);
                byte[] description = e.description().getBytes(StandardCharsets.UTF_8);
                ByteBuffer b = ByteBuffer.allocate(4 + name.length + description.length);
                b.putInt(name.length).put(name).put(description);
                ctx.write(new OptionReply(opt, Protocol.REP_SERVER, b.array()));
            }
            reply(ctx, OptionReply.ack(opt));
        });
    }

    private void onExportName(ChannelHandlerContext ctx, ByteBuf data) {
        String name = readString(data, data.readableBytes());
        if (name == null) {
            throw new ProtocolViolation("NBD_OPT_EXPORT_NAME with an invalid name (not UTF-8, contains NUL, or too long)");
        }
        offload(ctx, Protocol.OPT_EXPORT_NAME, () -> openExport(name, false), (opened, failure) -> {
            if (failure != null) {
                // This option cannot carry an error: the spec mandates a hard disconnect.
                LOG.log(System.Logger.Level.DEBUG, "{0}: NBD_OPT_EXPORT_NAME '{1}' failed: {2}", ctx.channel(), name, failure);
                ctx.close();
                return;
            }
            if (!ctx.channel().isActive()) {
                DeviceLease.closeLater(name, opened.device(), server.io());
                return;
            }
            Geometry g = opened.geometry();
            ctx.writeAndFlush(new ExportNameReply(g.size(), g.transmissionFlags(structuredReplies), !noZeroes));
            enterTransmission(ctx, name, opened);
        });
    }

    private void onInfoOrGo(ChannelHandlerContext ctx, int option, ByteBuf data) {
        // Data: 4 name length, name, 2 request count, 2 x count info types.
        if (data.readableBytes() < 6) {
            reply(ctx, OptionReply.error(option, Protocol.REP_ERR_INVALID, "option data of " + data.readableBytes() + " bytes is too short"));
            return;
        }
        long nameLength = data.readUnsignedInt();
        if (nameLength > data.readableBytes() - 2) {
            reply(ctx, OptionReply.error(option, Protocol.REP_ERR_INVALID, "name length " + nameLength + " overruns the option data"));
            return;
        }
        String name = readString(data, (int) nameLength);
        if (name == null) {
            reply(ctx, OptionReply.error(option, Protocol.REP_ERR_INVALID, "export name is not a valid NBD string"));
            return;
        }
        int count = data.readUnsignedShort();
        if (data.readableBytes() != 2 * count) {
            reply(ctx, OptionReply.error(option, Protocol.REP_ERR_INVALID, count + " information requests do not match the "
                    + data.readableBytes() + " bytes left in the option"));
            return;
        }
        Set<Integer> requested = new HashSet<>();
        for (int i = 0; i < count; i++) {
            requested.add(data.readUnsignedShort());
        }
        boolean wantDescription = requested.contains(Protocol.INFO_DESCRIPTION);
        offload(ctx, option, () -> openExport(name, wantDescription), (opened, failure) -> {
            if (failure != null) {
                // Both "no such export" and "cannot open it" are NBD_REP_ERR_UNKNOWN ("the requested
                // export is not available"); the message tells them apart.
                if (!(failure instanceof NoSuchExportException)) {
                    LOG.log(System.Logger.Level.WARNING, "opening export '" + name + "' failed", failure);
                }
                reply(ctx, OptionReply.error(option, Protocol.REP_ERR_UNKNOWN, failure instanceof NoSuchExportException
                        ? failure.getMessage() : "export '" + name + "' is not available: " + failure));
                return;
            }
            if (!ctx.channel().isActive()) {
                DeviceLease.closeLater(name, opened.device(), server.io());
                return;
            }
            Geometry g = opened.geometry();
            ByteBuffer export = ByteBuffer.allocate(12).putShort((short) Protocol.INFO_EXPORT)
                    .putLong(g.size()).putShort((short) g.transmissionFlags(structuredReplies));
            ctx.write(new OptionReply(option, Protocol.REP_INFO, export.array()));
            if (requested.contains(Protocol.INFO_NAME)) {
                ctx.write(new OptionReply(option, Protocol.REP_INFO, info(Protocol.INFO_NAME, name)));
            }
            if (wantDescription && opened.description() != null && !opened.description().isEmpty()) {
                ctx.write(new OptionReply(option, Protocol.REP_INFO, info(Protocol.INFO_DESCRIPTION, opened.description())));
            }
            // Always sent: it is how the client learns the minimum alignment we enforce.
            ByteBuffer sizes = ByteBuffer.allocate(14).putShort((short) Protocol.INFO_BLOCK_SIZE)
                    .putInt(g.minimum()).putInt(g.preferred()).putInt(g.maximum());
            ctx.write(new OptionReply(option, Protocol.REP_INFO, sizes.array()));
            if (option == Protocol.OPT_INFO) {
                DeviceLease.closeLater(name, opened.device(), server.io());
                reply(ctx, OptionReply.ack(option));
            } else {
                ctx.writeAndFlush(OptionReply.ack(option));
                enterTransmission(ctx, name, opened);
            }
        });
    }

    private static byte[] info(int type, String text) {
        byte[] s = HandshakeMessage.nbdString(text);
        return ByteBuffer.allocate(2 + s.length).putShort((short) type).put(s).array();
    }

    /** An opened export; {@code description} is null unless it was asked for. */
    private record Opened(BlockDevice device, Geometry geometry, String description) {}

    /** Runs on the I/O pool. */
    private Opened openExport(String name, boolean withDescription) throws IOException {
        BlockDevice device = server.provider().open(name);
        try {
            Geometry g = Geometry.of(name, device);
            String description = null;
            if (withDescription) {
                List<ExportInfo> all = server.provider().list();
                description = all.stream().filter(e -> e.name().equals(name)).map(ExportInfo::description).findFirst().orElse(null);
            }
            return new Opened(device, g, description);
        } catch (IOException | RuntimeException e) {
            try {
                device.close();
            } catch (IOException | RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    private void enterTransmission(ChannelHandlerContext ctx, String name, Opened opened) {
        finished = true;
        DeviceLease lease = new DeviceLease(name, opened.device(), server.io());
        ChannelPipeline p = ctx.pipeline();
        ReadGate gate = new ReadGate(ctx.channel());
        p.addAfter(ctx.name(), "nbd-requests", new RequestHandler(server, name, lease, opened.geometry(), structuredReplies, gate));
        p.replace(HandshakeEncoder.class, "nbd-reply-encoder", new ReplyEncoder());
        p.remove(this);
        // Last, so that bytes the decoder still holds are handed to the request decoder.
        p.replace(decoder, "nbd-request-decoder", new RequestDecoder(server.writes(), server.options().maxBytesInFlight(),
                server.options().requestTimeout(), gate));
        LOG.log(System.Logger.Level.DEBUG, "{0}: serving export ''{1}'' ({2})", ctx.channel(), name, opened.geometry());
    }

    @FunctionalInterface
    private interface IoCall<T> {
        T call() throws IOException;
    }

    @FunctionalInterface
    private interface Then<T> {
        void accept(T result, Exception failure);
    }

    /** Runs {@code call} on the I/O pool, then {@code then} back on this channel's event loop. */
    private <T> void offload(ChannelHandlerContext ctx, int option, IoCall<T> call, Then<T> then) {
        try {
            server.io().execute(() -> {
                T result = null;
                Exception failure = null;
                try {
                    result = call.call();
                } catch (IOException | RuntimeException e) {
                    failure = e;
                }
                T r = result;
                Exception f = failure;
                try {
                    ctx.executor().execute(() -> then.accept(r, f));
                } catch (RejectedExecutionException e) {
                    if (r instanceof Opened o) {
                        DeviceLease.closeLater(Protocol.optionName(option), o.device(), server.io());
                    }
                }
            });
        } catch (RejectedExecutionException e) {
            ctx.writeAndFlush(OptionReply.error(option, Protocol.REP_ERR_SHUTDOWN, "server is shutting down"))
                    .addListener(ChannelFutureListener.CLOSE);
        }
    }

    /** Reads {@code length} bytes as an NBD string, or returns null if they are not one. */
    private static String readString(ByteBuf data, int length) {
        if (length > Protocol.MAX_STRING_LENGTH) {
            return null;
        }
        ByteBuffer bytes = data.nioBuffer(data.readerIndex(), length);
        data.skipBytes(length);
        try {
            String s = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(bytes).toString();
            return s.indexOf('\0') >= 0 ? null : s;
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof ProtocolViolation v) {
            LOG.log(System.Logger.Level.DEBUG, "{0}: protocol violation during handshake: {1}", ctx.channel(), v.getMessage());
            if (v.farewell() != null && ctx.channel().isActive()) {
                ctx.writeAndFlush(v.farewell()).addListener(ChannelFutureListener.CLOSE);
            } else {
                ctx.close();
            }
        } else {
            LOG.log(System.Logger.Level.DEBUG, "{0}: closing after error during handshake: {1}", ctx.channel(), cause.toString());
            ctx.close();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (!finished) {
            LOG.log(System.Logger.Level.DEBUG, "{0}: client left during the handshake", ctx.channel());
        }
        ctx.fireChannelInactive();
    }
}
