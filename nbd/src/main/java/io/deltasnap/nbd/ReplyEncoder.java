package io.deltasnap.nbd;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageEncoder;
import java.util.List;

/**
 * Turns a {@link Reply} into its header followed by its data buffer, without copying the data.
 * Both go out in the same event-loop task, so a reply's bytes are never interleaved with another's.
 */
final class ReplyEncoder extends MessageToMessageEncoder<Reply> {

    ReplyEncoder() {
        super(Reply.class);
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, Reply reply, List<Object> out) {
        if (reply instanceof Reply.Simple r) {
            ByteBuf h = ctx.alloc().buffer(Protocol.SIMPLE_REPLY_HEADER_LENGTH);
            h.writeInt(Protocol.SIMPLE_REPLY_MAGIC).writeInt(r.error()).writeLong(r.handle());
            out.add(h);
            if (r.data() != null) {
                out.add(r.data());
            }
        } else if (reply instanceof Reply.OffsetData r) {
            int length = 8 + r.data().readableBytes();
            ByteBuf h = chunkHeader(ctx, Protocol.REPLY_TYPE_OFFSET_DATA, r.handle(), length, 8);
            h.writeLong(r.offset());
            out.add(h);
            out.add(r.data());
        } else if (reply instanceof Reply.ErrorChunk r) {
            byte[] message = HandshakeMessage.nbdString(r.message());
            ByteBuf h = chunkHeader(ctx, Protocol.REPLY_TYPE_ERROR, r.handle(), 6 + message.length, 6 + message.length);
            h.writeInt(r.error()).writeShort(message.length).writeBytes(message);
            out.add(h);
        } else if (reply instanceof Reply.NoneChunk r) {
            out.add(chunkHeader(ctx, Protocol.REPLY_TYPE_NONE, r.handle(), 0, 0));
        }
    }

    private static ByteBuf chunkHeader(ChannelHandlerContext ctx, int type, long handle, int length, int extra) {
        ByteBuf h = ctx.alloc().buffer(Protocol.STRUCTURED_REPLY_HEADER_LENGTH + extra);
        return h.writeInt(Protocol.STRUCTURED_REPLY_MAGIC).writeShort(Protocol.REPLY_FLAG_DONE).writeShort(type)
                .writeLong(handle).writeInt(length);
    }
}
