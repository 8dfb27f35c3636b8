package io.deltasnap.nbd;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;

/**
 * Frames transmission-phase requests: a 28-byte header ({@link Protocol}), then for NBD_CMD_WRITE
 * the payload. The magic is checked first and the write length is checked against
 * {@link Protocol#MAX_PAYLOAD} before any payload is awaited; either failure is a
 * {@link ProtocolViolation} (hard disconnect: the stream cannot be resynchronised).
 *
 * <p>A write payload is copied once, as it arrives, into a direct buffer of exactly its length, so
 * the cumulation never grows to hold a whole large write and the device gets one contiguous buffer.
 */
final class RequestDecoder extends ByteToMessageDecoder {
    private Request header;   // a write whose payload is still arriving
    private ByteBuf payload;
    private boolean failed;

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (failed) {
            in.skipBytes(in.readableBytes());
            return;
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
            payload = ctx.alloc().directBuffer((int) length, (int) length);
        }
        in.readBytes(payload, Math.min(in.readableBytes(), payload.writableBytes()));
        if (!payload.isWritable()) {
            out.add(new Request(header.flags(), header.type(), header.handle(), header.offset(), header.length(), payload));
            header = null;
            payload = null;
        }
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) {
        if (payload != null) {
            payload.release();
            payload = null;
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        super.channelInactive(ctx);
        if (payload != null) {
            payload.release();
            payload = null;
        }
    }
}
