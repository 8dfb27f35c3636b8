package io.deltasnap.nbd;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToByteEncoder;

/** Writes the server's handshake messages in the layouts given in {@link Protocol}. */
final class HandshakeEncoder extends MessageToByteEncoder<HandshakeMessage> {

    HandshakeEncoder() {
        super(HandshakeMessage.class);
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, HandshakeMessage msg, ByteBuf out) {
        if (msg instanceof HandshakeMessage.Greeting) {
            out.writeLong(Protocol.NBDMAGIC);
            out.writeLong(Protocol.IHAVEOPT);
            out.writeShort(Protocol.FLAG_FIXED_NEWSTYLE | Protocol.FLAG_NO_ZEROES);
        } else if (msg instanceof HandshakeMessage.OptionReply r) {
            out.writeLong(Protocol.OPTION_REPLY_MAGIC);
            out.writeInt(r.option());
            out.writeInt(r.type());
            out.writeInt(r.data().length);
            out.writeBytes(r.data());
        } else if (msg instanceof HandshakeMessage.ExportNameReply r) {
            out.writeLong(r.size());
            out.writeShort(r.transmissionFlags());
            if (r.zeroes()) {
                out.writeZero(Protocol.EXPORT_NAME_ZEROES);
            }
        } else {
            throw new IllegalArgumentException("the server does not send " + msg);
        }
    }
}
