package io.deltasnap.nbd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.deltasnap.testsupport.SeedCorpus;
import io.deltasnap.testsupport.UntrustedInput;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Coverage-guided fuzz target for everything an NBD client's bytes reach before and after the
 * handshake: the option decoder, option parsing (export names, info requests), the request
 * decoder and the request validator, in the server's own pipeline (one {@link EmbeddedChannel}
 * per input, the I/O pool run inline) over a 64 KiB in-memory export.
 *
 * <p>Asserts that no exception escapes the pipeline, that the server never closes a connection
 * because of an error other than the client's protocol violation or an I/O error (it logs each
 * such close; this target listens to that log), that the heap one input allocates is bounded by
 * the device size per request rather than by declared lengths, and that the export keeps its size.
 */
class NbdServerFuzzTest {
    private static final int DEVICE_BYTES = 64 << 10;
    private static final List<String> unexpected = new ArrayList<>();
    private static final Handler WATCH = new Handler() {
        @Override
        public void publish(LogRecord r) {
            String m = r.getMessage();
            if (m != null && (m.contains("closing after error during handshake") || m.contains("after an unexpected error"))) {
                synchronized (unexpected) {
                    unexpected.add(java.text.MessageFormat.format(m, r.getParameters()) + (r.getThrown() == null ? "" : ": " + r.getThrown()));
                }
            }
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    };
    private static MemoryBlockDevice disk;
    private static ServerContext context;

    @BeforeAll
    static void setUp() {
        for (Class<?> c : List.of(NegotiationHandler.class, RequestHandler.class)) {
            Logger l = Logger.getLogger(c.getName());
            l.setLevel(Level.ALL);
            l.addHandler(WATCH);
        }
        disk = new MemoryBlockDevice(DEVICE_BYTES, false).fillPattern(14);
        NbdServer.Options options = new NbdServer.Options(1, 64, 64L << 20, Duration.ofSeconds(60));
        context = new ServerContext(new MapExportProvider().add("disk", "a 64 KiB test export", disk), Optional.empty(),
                new Inline(), options, new WriteBudget(options.maxWriteBytes()));
    }

    @AfterAll
    static void tearDown() {
        for (Class<?> c : List.of(NegotiationHandler.class, RequestHandler.class)) {
            Logger.getLogger(c.getName()).removeHandler(WATCH);
        }
    }

    @FuzzTest
    void anyClientBytesAreAnsweredOrDisconnectedAndNothingElseGoesWrong(byte[] input) {
        synchronized (unexpected) {
            unexpected.clear();
        }
        long requests = input.length / Protocol.REQUEST_HEADER_LENGTH + 1;
        UntrustedInput server = UntrustedInput.refusedOnlyBy(UntrustedInput.FIRST_USE_BYTES + 4L * DEVICE_BYTES * requests);
        server.parse("NBD server pipeline", () -> {
            OptionDecoder decoder = new OptionDecoder();
            EmbeddedChannel ch = new EmbeddedChannel(decoder, new HandshakeEncoder(), new NegotiationHandler(context, decoder));
            try {
                drain(ch);
                ch.writeInbound(Unpooled.wrappedBuffer(input));
                for (int i = 0; i < 1000 && (ch.hasPendingTasks() || !ch.outboundMessages().isEmpty()); i++) {
                    ch.runPendingTasks();
                    drain(ch);
                }
                ch.checkException();
            } finally {
                ch.finishAndReleaseAll();
            }
            return true;
        });
        synchronized (unexpected) {
            assertTrue(unexpected.isEmpty(), "the server closed a connection on its own error: " + unexpected);
        }
        assertEquals(DEVICE_BYTES, disk.size());
    }

    @Test
    void seedInputsAreAClientsSessionsAndEveryoneOfThemIsServed() throws IOException {
        Map<String, byte[]> seeds = new LinkedHashMap<>();
        byte[] flags = ByteBuffer.allocate(4).putInt(Protocol.FLAG_C_FIXED_NEWSTYLE | Protocol.FLAG_C_NO_ZEROES).array();
        byte[] go = option(Protocol.OPT_GO, goData("disk", Protocol.INFO_BLOCK_SIZE, Protocol.INFO_DESCRIPTION));
        seeds.put("list-then-abort", concat(flags, option(Protocol.OPT_LIST, new byte[0]), option(Protocol.OPT_ABORT, new byte[0])));
        seeds.put("info-unknown-export", concat(flags, option(Protocol.OPT_INFO, goData("nope")), option(Protocol.OPT_ABORT, new byte[0])));
        seeds.put("go-read-write-flush-disc", concat(flags, go, request(0, Protocol.CMD_READ, 0, 4096, null),
                request(0, Protocol.CMD_WRITE, 512, 8, "8 bytes!".getBytes(StandardCharsets.US_ASCII)),
                request(0, Protocol.CMD_FLUSH, 0, 0, null), request(0, Protocol.CMD_DISC, 0, 0, null)));
        seeds.put("structured-go-trim-zeroes", concat(flags, option(Protocol.OPT_STRUCTURED_REPLY, new byte[0]), go,
                request(0, Protocol.CMD_TRIM, 4096, 4096, null),
                request(Protocol.CMD_FLAG_NO_HOLE, Protocol.CMD_WRITE_ZEROES, 8192, 4096, null),
                request(Protocol.CMD_FLAG_DF, Protocol.CMD_READ, 0, 100, null)));
        seeds.put("export-name", concat(flags, option(Protocol.OPT_EXPORT_NAME, "disk".getBytes(StandardCharsets.UTF_8)),
                request(0, Protocol.CMD_READ, DEVICE_BYTES - 10, 10, null)));
        seeds.put("read-past-the-end", concat(flags, go, request(0, Protocol.CMD_READ, DEVICE_BYTES - 10, 20, null)));
        byte[] before = disk.snapshot();
        for (byte[] s : seeds.values()) {
            anyClientBytesAreAnsweredOrDisconnectedAndNothingElseGoesWrong(s);
        }
        byte[] after = disk.snapshot();
        assertArrayEquals("8 bytes!".getBytes(StandardCharsets.US_ASCII), java.util.Arrays.copyOfRange(after, 512, 520),
                "the seed session's write reached the export");
        disk.set(0, before);
        SeedCorpus.check(NbdServerFuzzTest.class, "anyClientBytesAreAnsweredOrDisconnectedAndNothingElseGoesWrong", seeds);
    }

    private static void drain(EmbeddedChannel ch) {
        for (Object o; (o = ch.readOutbound()) != null; ) {
            ReferenceCountUtil.release(o);
        }
    }

    private static byte[] option(int option, byte[] data) {
        return ByteBuffer.allocate(Protocol.OPTION_HEADER_LENGTH + data.length).putLong(Protocol.IHAVEOPT).putInt(option)
                .putInt(data.length).put(data).array();
    }

    /** NBD_OPT_GO / NBD_OPT_INFO data: name, then the information types asked for. */
    private static byte[] goData(String name, int... infos) {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(4 + n.length + 2 + 2 * infos.length).putInt(n.length).put(n).putShort((short) infos.length);
        for (int i : infos) {
            b.putShort((short) i);
        }
        return b.array();
    }

    private static byte[] request(int flags, int type, long offset, int length, byte[] payload) {
        int extra = payload == null ? 0 : payload.length;
        return ByteBuffer.allocate(Protocol.REQUEST_HEADER_LENGTH + extra).putInt(Protocol.REQUEST_MAGIC).putShort((short) flags)
                .putShort((short) type).putLong(0x1000L + type).putLong(offset).putInt(length)
                .put(payload == null ? new byte[0] : payload).array();
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

    /** The I/O pool, run on the calling thread: one input is one deterministic run. */
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
