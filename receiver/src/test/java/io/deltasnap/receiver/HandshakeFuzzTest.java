package io.deltasnap.receiver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.deltasnap.delta.Keys;
import io.deltasnap.delta.SignerKey;
import io.deltasnap.delta.TrustedKeys;
import io.deltasnap.testsupport.SeedCorpus;
import io.deltasnap.testsupport.UntrustedInput;
import io.deltasnap.wire.Protocol;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Coverage-guided fuzz target for the receiver's side of the handshake, the code any host that
 * can connect reaches before it has proved anything: the small pre-authentication frame decoder,
 * the codec and {@link HandshakeHandler}, in the server's pipeline order.
 *
 * <p>The fuzzer's bytes are the sender's side of the connection; in some runs the target first
 * speaks for the trusted sender (a correct HELLO, and possibly a correct AUTH signed over this
 * connection's challenge) and the fuzzer's bytes follow. Asserts that nothing escapes the
 * pipeline, that the heap one input allocates follows its size, and the handshake's security
 * property: a WELCOME is sent if and only if the trusted key signed this connection's challenge.
 */
class HandshakeFuzzTest {
    private static final Ed25519PrivateKeyParameters KEY = new Ed25519PrivateKeyParameters(new byte[32], 0);
    private static final UUID VOLUME = new UUID(0x0123_4567_89ab_cdefL, 0x0fed_cba9_8765_4321L);
    private static final int PLAIN = 0;
    private static final int AFTER_HELLO = 1;
    private static final int AFTER_AUTH = 2;
    private static Path dir;
    private static Replica replica;
    private static TrustedKeys trust;

    @BeforeAll
    static void setUp() throws IOException {
        dir = Files.createTempDirectory("fuzz-replica-");
        replica = Replica.open(dir.resolve("replica"), 1 << 20);
        trust = TrustedKeys.of(new SignerKey(Keys.publicKey(KEY), "fuzz sender"));
    }

    @AfterAll
    static void tearDown() throws IOException {
        replica.close();
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @FuzzTest
    void aSenderIsWelcomedOnlyAfterSigningThisConnectionsChallenge(FuzzedDataProvider data) {
        int mode = data.consumeInt(PLAIN, AFTER_AUTH);
        byte[] bytes = data.consumeRemainingAsBytes();
        UntrustedInput handshake = UntrustedInput.refusedOnlyBy(UntrustedInput.FIRST_USE_BYTES + 64L * bytes.length);
        List<Protocol.Message> replies = handshake.parse("receiver handshake", () -> converse(mode, bytes)).orElseThrow();
        boolean welcomed = replies.stream().anyMatch(m -> m instanceof Protocol.Welcome);
        assertEquals(mode == AFTER_AUTH, welcomed, "welcomed in mode " + mode + ": " + replies);
    }

    /** Runs one connection; returns every message the receiver sent on it. */
    private static List<Protocol.Message> converse(int mode, byte[] bytes) throws Exception {
        EmbeddedChannel ch = new EmbeddedChannel(false, false) {
            @Override
            protected SocketAddress remoteAddress0() {
                return new InetSocketAddress(InetAddress.getLoopbackAddress(), 40000);
            }
        };
        HandshakeGate gate = new HandshakeGate(4, 4);
        ch.pipeline()
                .addLast("frames", Protocol.frameDecoder(HandshakeHandler.MAX_FRAME))
                .addLast("frame-length", Protocol.framePrepender())
                .addLast("messages", new Protocol.Codec())
                .addLast("handshake", new HandshakeHandler(replica, trust, new Inline(), gate.admit(ch), Duration.ofMinutes(5), s -> {},
                    new ReceiverStats()))
                .addLast("transfer", new ChannelInboundHandlerAdapter() { // stands in for TransferHandler: refuses what follows
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        if (msg instanceof Protocol.Data d) {
                            d.bytes().release();
                        }
                        ReferenceCountUtil.release(msg);
                    }

                    @Override
                    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                        ctx.close();
                    }
                });
        ch.register();
        List<Protocol.Message> replies = new ArrayList<>();
        try {
            if (mode >= AFTER_HELLO) {
                send(ch, new Protocol.Hello(Protocol.VERSION, VOLUME, Keys.publicKey(KEY)));
                collect(ch, replies);
                if (mode == AFTER_AUTH) {
                    Protocol.Challenge c = (Protocol.Challenge) replies.get(replies.size() - 1);
                    send(ch, new Protocol.Auth(sign(c.nonce())));
                    collect(ch, replies);
                }
            }
            ch.writeInbound(Unpooled.wrappedBuffer(bytes));
            collect(ch, replies);
        } finally {
            ch.finishAndReleaseAll();
        }
        return replies;
    }

    private static byte[] sign(byte[] nonce) {
        Ed25519Signer s = new Ed25519Signer();
        s.init(true, KEY);
        byte[] m = Protocol.authMessage(nonce, VOLUME, Keys.publicKey(KEY), Protocol.VERSION);
        s.update(m, 0, m.length);
        return s.generateSignature();
    }

    private static void send(EmbeddedChannel ch, Protocol.Message m) {
        ch.writeInbound(Unpooled.wrappedBuffer(frame(m)));
    }

    /** Runs what the handshake scheduled, then decodes what the receiver wrote. */
    private static void collect(EmbeddedChannel ch, List<Protocol.Message> into) {
        ch.runPendingTasks();
        ByteBuf out = Unpooled.buffer();
        for (Object o; (o = ch.readOutbound()) != null; ) {
            out.writeBytes((ByteBuf) o);
            ReferenceCountUtil.release(o);
        }
        while (out.readableBytes() >= 4) {
            int n = out.readInt();
            into.add(Protocol.decode(out.readSlice(n)));
        }
        out.release();
    }

    private static byte[] frame(Protocol.Message m) {
        ByteBuf body = Unpooled.buffer();
        Protocol.encodeBody(m, body);
        ByteBuf f = Unpooled.buffer().writeInt(body.readableBytes()).writeBytes(body);
        byte[] out = new byte[f.readableBytes()];
        f.readBytes(out);
        body.release();
        f.release();
        return out;
    }

    @Test
    void seedInputsReachEveryStepOfTheHandshake() throws Exception {
        Map<String, byte[]> seeds = new LinkedHashMap<>();
        byte[] hello = frame(new Protocol.Hello(Protocol.VERSION, VOLUME, Keys.publicKey(KEY)));
        byte[] forged = frame(new Protocol.Auth(new byte[Protocol.SIGNATURE_BYTES]));
        byte[] offer = frame(new Protocol.Offer(new byte[Protocol.MIN_HEADER]));
        seeds.put("hello-then-forged-auth", withMode(PLAIN, concat(hello, forged)));
        seeds.put("second-hello", withMode(AFTER_HELLO, hello));
        seeds.put("forged-auth", withMode(AFTER_HELLO, forged));
        seeds.put("offer-after-auth", withMode(AFTER_AUTH, offer));
        seeds.put("oversized-frame", withMode(PLAIN, new byte[] {0, 0, 0x10, 0, Protocol.HELLO}));
        for (byte[] s : seeds.values()) {
            int mode = s[s.length - 1];
            List<Protocol.Message> replies = converse(mode, java.util.Arrays.copyOf(s, s.length - 1));
            assertEquals(mode == AFTER_AUTH, replies.stream().anyMatch(m -> m instanceof Protocol.Welcome), "seed in mode " + mode);
            assertTrue(mode == AFTER_AUTH || replies.stream().anyMatch(m -> m instanceof Protocol.Error), "a refusal says why: " + replies);
        }
        SeedCorpus.check(HandshakeFuzzTest.class, "aSenderIsWelcomedOnlyAfterSigningThisConnectionsChallenge", seeds);
    }

    /** A FuzzedDataProvider input: the bytes first, the mode in the last byte (integers are read from the end). */
    private static byte[] withMode(int mode, byte[] bytes) {
        byte[] b = java.util.Arrays.copyOf(bytes, bytes.length + 1);
        b[bytes.length] = (byte) mode;
        return b;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** The snapshot lookup pool, run on the calling thread. */
    private static final class Inline extends AbstractExecutorService {
        @Override
        public void execute(Runnable command) {
            command.run();
        }

        @Override
        public void shutdown() {}

        @Override
        public List<Runnable> shutdownNow() {
            return List.of();
        }

        @Override
        public boolean isShutdown() {
            return false;
        }

        @Override
        public boolean isTerminated() {
            return false;
        }

        @Override
        public boolean awaitTermination(long timeout, TimeUnit unit) {
            return false;
        }
    }
}
