package io.deltasnap.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.deltasnap.testsupport.SeedCorpus;
import io.deltasnap.testsupport.UntrustedInput;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Coverage-guided fuzz target for the replication protocol's decoding, which both ends run on bytes
 * from the network before anything is authenticated: the bounded frame decoder and the message
 * codec, exactly as a connection's pipeline has them.
 *
 * <p>Asserts that only Netty's {@link DecoderException} (a corrupt or too-long frame) escapes, that
 * one input allocates at most a few frames' worth of heap whatever lengths it declares, and that
 * every decoded message re-encodes to a frame that decodes to the same encoding (a stable round
 * trip). Seeds: one frame of every message type, and a whole sender's side of a handshake.
 */
class ProtocolFuzzTest {
    private static final long FRAME_BUDGET = UntrustedInput.FIRST_USE_BYTES + 4L * Protocol.MAX_FRAME;

    @FuzzTest
    void anyBytesFromThePeerDecodeToMessagesThatReEncodeStablyOrAreRefused(byte[] input) {
        UntrustedInput wire = UntrustedInput.refusedOnlyBy(FRAME_BUDGET + 32L * input.length, DecoderException.class);
        List<Object> messages = wire.parse("frame decoder and codec", () -> decodeAll(input)).orElse(List.of());
        try {
            for (Object m : messages) {
                assertTrue(m instanceof Protocol.Message, "the codec hands on messages only: " + m);
                byte[] once = body((Protocol.Message) m);
                byte[] twice = body(Protocol.decode(Unpooled.wrappedBuffer(once)));
                assertArrayEquals(once, twice, "a decoded " + m.getClass().getSimpleName() + " re-encodes stably");
            }
        } finally {
            messages.forEach(ProtocolFuzzTest::release);
        }
    }

    /**
     * The messages {@code input} decodes to in a connection's pipeline, or the first refusal: like
     * a connection that refuses its peer, nothing after it is decoded.
     */
    private static List<Object> decodeAll(byte[] input) throws Throwable {
        Throwable[] refusal = {null};
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.pipeline().addLast("frames", Protocol.frameDecoder()).addLast(new Protocol.Codec())
                .addLast(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                        if (refusal[0] == null) {
                            refusal[0] = cause;
                            ctx.pipeline().remove("frames");
                        }
                    }
                });
        List<Object> messages = new ArrayList<>();
        try {
            ch.writeInbound(Unpooled.wrappedBuffer(input));
            for (Object m; (m = ch.readInbound()) != null; ) {
                messages.add(m);
            }
        } finally {
            ch.finishAndReleaseAll();
        }
        if (refusal[0] != null) {
            messages.forEach(ProtocolFuzzTest::release);
            throw refusal[0];
        }
        return messages;
    }

    @Test
    void seedInputsAreOneFrameOfEveryMessageAndAHandshake() throws IOException {
        UUID u = new UUID(0x0123_4567_89ab_cdefL, 0x0fed_cba9_8765_4321L);
        byte[] key = filled(Protocol.KEY_BYTES, 1);
        Map<String, Protocol.Message> each = new LinkedHashMap<>();
        each.put("hello", new Protocol.Hello(Protocol.VERSION, u, key));
        each.put("challenge", new Protocol.Challenge(Protocol.VERSION, filled(Protocol.NONCE_BYTES, 2)));
        each.put("auth", new Protocol.Auth(filled(Protocol.SIGNATURE_BYTES, 3)));
        each.put("welcome", new Protocol.Welcome(u, 2));
        each.put("welcome-empty", new Protocol.Welcome(null, 0));
        each.put("snapshots", new Protocol.Snapshots(List.of(new Protocol.Snap(1, u, 1735689600000L, "hourly"),
                new Protocol.Snap(2, u))));
        each.put("offer", new Protocol.Offer(filled(Protocol.MIN_HEADER, 4)));
        each.put("accept", new Protocol.Accept(4096));
        each.put("data", new Protocol.Data(Unpooled.wrappedBuffer(filled(100, 5))));
        each.put("end", new Protocol.End(1 << 20));
        each.put("ack", new Protocol.Ack(7, u, 1 << 20));
        each.put("error", new Protocol.Error(Protocol.Code.BUSY, "replica busy: another transfer is running"));
        each.put("bye", new Protocol.Bye());
        each.put("prune", new Protocol.Prune(List.of(new Protocol.Snap(3, u))));
        each.put("pruned", new Protocol.Pruned(1));
        Map<String, byte[]> seeds = new LinkedHashMap<>();
        each.forEach((name, m) -> seeds.put(name, frame(m)));
        seeds.put("sender-handshake-offer-data-end", concat(frame(each.get("hello")), frame(each.get("auth")),
                frame(each.get("offer")), frame(new Protocol.Data(Unpooled.wrappedBuffer(filled(100, 5)))),
                frame(each.get("end"))));
        for (byte[] s : seeds.values()) {
            anyBytesFromThePeerDecodeToMessagesThatReEncodeStablyOrAreRefused(s); // every seed decodes cleanly
        }
        SeedCorpus.check(ProtocolFuzzTest.class, "anyBytesFromThePeerDecodeToMessagesThatReEncodeStablyOrAreRefused", seeds);
    }

    /** DATA holds a slice of the input; the holder of a message releases it. */
    private static void release(Object m) {
        if (m instanceof Protocol.Data d) {
            d.bytes().release();
        }
    }

    private static byte[] body(Protocol.Message m) {
        ByteBuf b = Unpooled.buffer();
        try {
            Protocol.encodeBody(m, b);
            byte[] out = new byte[b.readableBytes()];
            b.readBytes(out);
            return out;
        } finally {
            b.release();
        }
    }

    /** A message as it travels: u32 length, then type and body. */
    private static byte[] frame(Protocol.Message m) {
        byte[] body = body(m);
        ByteBuf b = Unpooled.buffer().writeInt(body.length).writeBytes(body);
        byte[] out = new byte[b.readableBytes()];
        b.readBytes(out);
        b.release();
        return out;
    }

    private static byte[] filled(int n, int from) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (from + i);
        }
        return b;
    }

    private static byte[] concat(byte[]... parts) {
        ByteBuf b = Unpooled.buffer();
        for (byte[] p : parts) {
            b.writeBytes(p);
        }
        byte[] out = new byte[b.readableBytes()];
        b.readBytes(out);
        b.release();
        return out;
    }
}
