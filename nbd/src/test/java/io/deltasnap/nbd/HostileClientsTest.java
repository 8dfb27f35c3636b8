package io.deltasnap.nbd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import java.io.DataOutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Clients that half-send large writes: the server holds no more write payload than its budget,
 * stops reading from the ones that would exceed it instead of buffering, drops the ones that
 * stall, releases every buffer (Netty's leak detector at PARANOID watches), and serves
 * well-behaved clients, raw and real (nbdcopy), throughout.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HostileClientsTest {
    private static final int DISK = 32 << 20;
    private static final int WRITE = 4 << 20;
    private static final long BUDGET = 12 << 20;

    @TempDir
    Path dir;
    private MemoryBlockDevice disk;
    private NbdServer server;
    private final List<TestNbdClient> clients = new ArrayList<>();
    private final List<String> leaks = Collections.synchronizedList(new ArrayList<>());
    private ResourceLeakDetector.Level levelBefore;
    private final Logger leakLogger = Logger.getLogger(ResourceLeakDetector.class.getName());
    private final Handler leakHandler = new Handler() {
        @Override
        public void publish(LogRecord r) {
            if (r.getMessage() != null && r.getMessage().contains("LEAK")) {
                leaks.add(r.getMessage());
            }
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    };

    @BeforeEach
    void watchBuffers() {
        levelBefore = ResourceLeakDetector.getLevel();
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
        leakLogger.addHandler(leakHandler);
    }

    @AfterEach
    void stop() throws Exception {
        for (TestNbdClient c : clients) {
            c.close();
        }
        if (server != null) {
            server.close();
        }
        leakLogger.removeHandler(leakHandler);
        ResourceLeakDetector.setLevel(levelBefore);
    }

    @Test
    void connectionsBeyondTheLimitAreClosedAtOnce() throws Exception {
        disk = new MemoryBlockDevice(DISK, false).fillPattern(9);
        server = NbdServer.start(new InetSocketAddress("127.0.0.1", 0), new MapExportProvider().add("disk", "", disk),
                Optional.empty(), NbdServer.Options.defaults().withMaxConnections(3));
        List<java.net.Socket> idle = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            java.net.Socket s = new java.net.Socket("127.0.0.1", server.port());
            s.setSoTimeout(10_000);
            idle.add(s);
            assertEquals(Protocol.NBDMAGIC, new java.io.DataInputStream(s.getInputStream()).readLong(), "greeted");
        }
        try (java.net.Socket extra = new java.net.Socket("127.0.0.1", server.port())) {
            extra.setSoTimeout(10_000);
            assertEquals(-1, extra.getInputStream().read(), "closed without a greeting");
        }
        idle.get(0).close();
        await("a place comes free", () -> {
            try (TestNbdClient c = new TestNbdClient(server.port()).handshake()) {
                return c.go("disk", false).size() == DISK;
            } catch (java.io.IOException stillFull) {
                return false;
            }
        });
        for (java.net.Socket s : idle) {
            s.close();
        }
    }

    private void start(Duration requestTimeout) throws Exception {
        disk = new MemoryBlockDevice(DISK, false, 1, 4096, 32 << 20).fillPattern(9);
        NbdServer.Options o = NbdServer.Options.defaults().withTimeouts(Duration.ofSeconds(10), requestTimeout)
                .withMemory(8 << 20, BUDGET);
        server = NbdServer.start(new InetSocketAddress("127.0.0.1", 0), new MapExportProvider().add("disk", "", disk),
                Optional.empty(), o);
    }

    private TestNbdClient client() throws Exception {
        TestNbdClient c = new TestNbdClient(server.port()).handshake();
        clients.add(c);
        c.go("disk", false);
        return c;
    }

    /** A write header promising {@link #WRITE} bytes, then only half of them. */
    private static void halfWrite(TestNbdClient c, long handle) throws Exception {
        DataOutputStream out = c.rawOut();
        out.writeInt(Protocol.REQUEST_MAGIC);
        out.writeShort(0);
        out.writeShort(Protocol.CMD_WRITE);
        out.writeLong(handle);
        out.writeLong(0);
        out.writeInt(WRITE);
        out.write(new byte[WRITE / 2]);
        out.flush();
    }

    /**
     * Polls {@code done} until it holds, asserting on the poll that ended the wait: the condition
     * may not be idempotent (a probe connection takes a place until the server sees it close).
     */
    private static void await(String what, BooleanSupplier done) throws InterruptedException {
        boolean ok = done.getAsBoolean();
        for (int i = 0; i < 800 && !ok; i++) {
            Thread.sleep(25);
            ok = done.getAsBoolean();
        }
        assertTrue(ok, what);
    }

    private void assertNoLeaks() throws InterruptedException {
        for (int i = 0; i < 5; i++) {
            System.gc();
            Thread.sleep(50);
            for (int j = 0; j < 100; j++) {
                ByteBufAllocator.DEFAULT.directBuffer(64).release();
            }
        }
        assertEquals(List.of(), leaks, "buffers never released");
    }

    @Test
    void halfSentWritesHoldNoMoreThanTheBudgetAndAreDroppedWhenTheyStall() throws Exception {
        start(Duration.ofMillis(1500));
        List<TestNbdClient> stalled = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            TestNbdClient c = client();
            halfWrite(c, i);
            stalled.add(c);
        }
        // 3 writes of 4 MiB fit the 12 MiB budget; the other 5 clients are not read from
        await("the budget fills", () -> server.heldWriteBytes() == BUDGET);
        for (int i = 0; i < 10; i++) {
            assertTrue(server.heldWriteBytes() <= BUDGET, "held " + server.heldWriteBytes());
            Thread.sleep(20);
        }
        // a well-behaved client's write gets through once the stalled ones are dropped
        TestNbdClient good = client();
        byte[] data = new byte[WRITE];
        new Random(5).nextBytes(data);
        good.write(1, 8 << 20, data, 0);
        TestNbdClient.Reply r = good.readReply();
        assertEquals(0, r.error());
        for (TestNbdClient c : stalled) {
            assertTrue(c.closedByServer(), "a stalled write's connection is dropped");
        }
        await("every payload released", () -> server.heldWriteBytes() == 0);
        assertArrayEquals(data, Arrays.copyOfRange(disk.snapshot(), 8 << 20, (8 << 20) + WRITE));
        assertTrue(disk.calls.stream().noneMatch(c -> c.startsWith("write 0 ")), disk.calls.toString());
        assertNoLeaks();
    }

    @Test
    void aClientWritingMoreThanItsShareWaitsAndEveryWriteArrivesWhole() throws Exception {
        start(Duration.ofSeconds(30));
        disk.delayMillis = 100; // a slow device: writes pile up faster than they complete
        TestNbdClient c = client();
        byte[] all = new byte[6 * WRITE];
        new Random(6).nextBytes(all);
        java.util.concurrent.atomic.AtomicLong most = new java.util.concurrent.atomic.AtomicLong();
        Thread sampler = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                most.accumulateAndGet(server.heldWriteBytes(), Math::max);
                Thread.onSpinWait();
            }
        });
        sampler.start();
        for (int i = 0; i < 6; i++) {
            c.write(i, (long) i * WRITE, Arrays.copyOfRange(all, i * WRITE, (i + 1) * WRITE), 0);
        }
        for (int i = 0; i < 6; i++) {
            assertEquals(0, c.readReply().error());
        }
        sampler.interrupt();
        sampler.join();
        assertTrue(most.get() > 0 && most.get() <= 8 << 20, "one connection held " + most.get() + " bytes of payload");
        assertArrayEquals(all, Arrays.copyOf(disk.snapshot(), all.length));
        await("every payload released", () -> server.heldWriteBytes() == 0);
        assertNoLeaks();
    }

    @Test
    void nbdcopyStillWritesThroughASmallBudget() throws Exception {
        Tools.assumeInstalled("nbdcopy");
        start(Duration.ofSeconds(30));
        TestNbdClient stalled = client();
        halfWrite(stalled, 1); // holds 4 of the 12 MiB until it is dropped or closed
        byte[] source = new byte[16 << 20];
        new Random(7).nextBytes(source);
        Path in = dir.resolve("in.img");
        Files.write(in, source);
        Tools.runOk(List.of("nbdcopy", "--flush", "--connections=2", in.toString(),
                "nbd://127.0.0.1:" + server.port() + "/disk"));
        assertArrayEquals(source, Arrays.copyOf(disk.snapshot(), source.length));
        assertTrue(server.heldWriteBytes() <= BUDGET);
    }
}
