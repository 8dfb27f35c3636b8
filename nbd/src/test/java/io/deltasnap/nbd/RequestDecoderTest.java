package io.deltasnap.nbd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Framing of transmission requests, fed in pieces as a socket would deliver them. */
class RequestDecoderTest {

    private static ByteBuf header(int magic, int flags, int type, long handle, long offset, long length) {
        return Unpooled.buffer().writeInt(magic).writeShort(flags).writeShort(type).writeLong(handle)
                .writeLong(offset).writeInt((int) length);
    }

    @Test
    void aWriteSplitIntoSingleBytesIsReassembledWithItsPayload() {
        EmbeddedChannel ch = new EmbeddedChannel(new RequestDecoder());
        byte[] payload = new byte[3000];
        new Random(1).nextBytes(payload);
        ByteBuf wire = header(Protocol.REQUEST_MAGIC, Protocol.CMD_FLAG_FUA, Protocol.CMD_WRITE, 0xabcdefL, 4096, payload.length)
                .writeBytes(payload);
        // followed by a read request in the same stream
        wire.writeBytes(header(Protocol.REQUEST_MAGIC, 0, Protocol.CMD_READ, 2, 0, 512));
        while (wire.isReadable()) {
            ch.writeInbound(wire.readRetainedSlice(1));
        }
        wire.release();
        Request write = ch.readInbound();
        assertEquals(Protocol.CMD_WRITE, write.type());
        assertEquals(Protocol.CMD_FLAG_FUA, write.flags());
        assertEquals(0xabcdefL, write.handle());
        assertEquals(4096, write.offset());
        byte[] got = new byte[payload.length];
        write.payload().getBytes(0, got);
        assertArrayEquals(payload, got);
        assertTrue(write.payload().isDirect(), "payload should be one direct buffer");
        write.release();
        Request read = ch.readInbound();
        assertEquals(Protocol.CMD_READ, read.type());
        assertEquals(512, read.length());
        assertNull(read.payload());
        assertFalse(ch.finish());
    }

    @Test
    void badMagicIsAProtocolViolation() {
        EmbeddedChannel ch = new EmbeddedChannel(new RequestDecoder());
        assertThrows(ProtocolViolation.class, () -> ch.writeInbound(header(0x25609514, 0, Protocol.CMD_READ, 1, 0, 512)));
        ch.finishAndReleaseAll();
    }

    @Test
    void anOversizedWriteIsRefusedFromItsHeaderAlone() {
        EmbeddedChannel ch = new EmbeddedChannel(new RequestDecoder());
        // Only the header arrives: the decoder must not wait for 4 GiB of payload.
        assertThrows(ProtocolViolation.class,
                () -> ch.writeInbound(header(Protocol.REQUEST_MAGIC, 0, Protocol.CMD_WRITE, 1, 0, 0xffffffffL)));
        ch.finishAndReleaseAll();
    }

    @Test
    void readLengthsAreNotPayloadsAndPassThroughForTheValidator() {
        EmbeddedChannel ch = new EmbeddedChannel(new RequestDecoder());
        ch.writeInbound(header(Protocol.REQUEST_MAGIC, 0, Protocol.CMD_READ, 1, 0, 0xffffffffL));
        Request r = ch.readInbound();
        assertEquals(0xffffffffL, r.length());
        assertFalse(ch.finish());
    }
}
