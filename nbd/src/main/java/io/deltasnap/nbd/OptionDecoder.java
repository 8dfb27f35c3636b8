package io.deltasnap.nbd;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;

/**
 * Frames the client's side of the handshake: first the 4-byte client flags, then options
 * ({@link Protocol} has the layout). The option length is checked against
 * {@link Protocol#MAX_OPTION_LENGTH} before any data is awaited.
 *
 * <p>After each message the decoder pauses until the negotiation handler calls {@link #resume()}:
 * the spec forbids a client to send an option before the final reply to the previous one, and
 * pausing keeps bytes that follow NBD_OPT_STARTTLS, NBD_OPT_GO or NBD_OPT_EXPORT_NAME from being
 * read as options. While paused, at most one option's worth of bytes is buffered.
 */
final class OptionDecoder extends ByteToMessageDecoder {
    private static final int MAX_BUFFERED_WHILE_PAUSED = Protocol.OPTION_HEADER_LENGTH + Protocol.MAX_OPTION_LENGTH;

    private enum State { CLIENT_FLAGS, OPTION, PAUSED, FAILED }

    private State state = State.CLIENT_FLAGS;
    private ChannelHandlerContext ctx;
    private boolean inChannelRead;

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        inChannelRead = true;
        try {
            super.channelRead(ctx, msg);
        } finally {
            inChannelRead = false;
        }
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        switch (state) {
            case FAILED -> in.skipBytes(in.readableBytes());
            case PAUSED -> {
                if (in.readableBytes() > MAX_BUFFERED_WHILE_PAUSED) {
                    fail(new ProtocolViolation("client sent " + in.readableBytes()
                            + " bytes without waiting for the reply to its previous message"));
                }
            }
            case CLIENT_FLAGS -> {
                if (in.readableBytes() >= 4) {
                    out.add(new HandshakeMessage.ClientFlags(in.readInt()));
                    state = State.PAUSED;
                }
            }
            case OPTION -> decodeOption(in, out);
        }
    }

    private void decodeOption(ByteBuf in, List<Object> out) {
        if (in.readableBytes() < Protocol.OPTION_HEADER_LENGTH) {
            return;
        }
        int at = in.readerIndex();
        long magic = in.getLong(at);
        if (magic != Protocol.IHAVEOPT) {
            fail(new ProtocolViolation(String.format(
                    "bad option magic 0x%016x at the start of an option, expected 0x%016x", magic, Protocol.IHAVEOPT)));
        }
        int option = in.getInt(at + 8);
        long length = in.getUnsignedInt(at + 12);
        if (length > Protocol.MAX_OPTION_LENGTH) {
            fail(new ProtocolViolation(
                    Protocol.optionName(option) + " has " + length + " bytes of data, more than " + Protocol.MAX_OPTION_LENGTH,
                    HandshakeMessage.OptionReply.error(option, Protocol.REP_ERR_TOO_BIG,
                            "option data of " + length + " bytes exceeds this server's limit of " + Protocol.MAX_OPTION_LENGTH)));
        }
        if (in.readableBytes() < Protocol.OPTION_HEADER_LENGTH + length) {
            return;
        }
        in.skipBytes(Protocol.OPTION_HEADER_LENGTH);
        out.add(new HandshakeMessage.OptionRequest(option, in.readRetainedSlice((int) length)));
        state = State.PAUSED;
    }

    private void fail(ProtocolViolation v) {
        state = State.FAILED;
        throw v;
    }

    /** Lets the next option through; called on the event loop once the last one is answered. */
    void resume() {
        assert ctx.executor().inEventLoop();
        if (state != State.PAUSED) {
            return;
        }
        state = State.OPTION;
        if (!inChannelRead && !ctx.isRemoved() && internalBuffer().isReadable()) {
            try {
                channelRead(ctx, Unpooled.EMPTY_BUFFER);
            } catch (Exception e) {
                ctx.fireExceptionCaught(e);
            }
        }
    }

    /** True if the client has sent bytes beyond the last decoded message. */
    boolean hasBufferedBytes() {
        return internalBuffer().isReadable();
    }
}
