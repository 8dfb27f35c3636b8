package io.deltasnap.nbd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What each command does to the device and what the client gets back, byte by byte. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RequestSemanticsTest {
    private static final int SIZE = 1 << 20;

    private MemoryBlockDevice disk;
    private MemoryBlockDevice aligned;
    private MemoryBlockDevice readOnly;
    private NbdServer server;

    @BeforeEach
    void start() throws Exception {
        disk = new MemoryBlockDevice(SIZE, false).fillPattern(11);
        aligned = new MemoryBlockDevice(SIZE, false, 512, 4096, 65536).fillPattern(12);
        readOnly = new MemoryBlockDevice(SIZE, true).fillPattern(13);
        server = NbdServer.start(new InetSocketAddress("127.0.0.1", 0), new MapExportProvider()
                .add("disk", "", disk).add("aligned", "", aligned).add("ro", "", readOnly), Optional.empty());
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private TestNbdClient connect(String export, boolean structured) throws IOException {
        TestNbdClient c = new TestNbdClient(server.port()).handshake();
        c.go(export, structured);
        return c;
    }

    private static byte[] bytes(int n, int seed) {
        byte[] b = new byte[n];
        new java.util.Random(seed).nextBytes(b);
        return b;
    }

    @ParameterizedTest(name = "structured replies: {0}")
    @ValueSource(booleans = {false, true})
    void writtenBytesReadBackUnchanged(boolean structured) throws Exception {
        try (TestNbdClient c = connect("disk", structured)) {
            byte[] data = bytes(100_000, 1);
            c.write(1, 12345, data, 0);
            assertEquals(0, c.readReply().error());
            c.read(2, 12345, data.length);
            TestNbdClient.Reply r = c.readReply();
            assertEquals(2, r.handle());
            assertEquals(0, r.error());
            assertArrayEquals(data, r.data());
            assertArrayEquals(data, Arrays.copyOfRange(disk.snapshot(), 12345, 12345 + data.length));
        }
    }

    @Test
    void goReportsSizeFlagsAndBlockSizes() throws Exception {
        try (TestNbdClient c = new TestNbdClient(server.port()).handshake()) {
            TestNbdClient.Export e = c.go("aligned", true);
            assertEquals(SIZE, e.size());
            assertEquals(512, e.minimum());
            assertEquals(4096, e.preferred());
            assertEquals(65536, e.maximum());
            int expected = Protocol.FLAG_HAS_FLAGS | Protocol.FLAG_SEND_FLUSH | Protocol.FLAG_SEND_FUA
                    | Protocol.FLAG_SEND_TRIM | Protocol.FLAG_SEND_WRITE_ZEROES | Protocol.FLAG_SEND_DF;
            assertEquals(expected, e.flags());
        }
        try (TestNbdClient c = new TestNbdClient(server.port()).handshake()) {
            int flags = c.go("ro", false).flags();
            assertEquals(Protocol.FLAG_HAS_FLAGS | Protocol.FLAG_READ_ONLY | Protocol.FLAG_CAN_MULTI_CONN, flags);
        }
    }

    @Test
    void infoReturnsNameDescriptionAndBlockSizeWithoutEnteringTransmission() throws Exception {
        MapExportProvider p = new MapExportProvider().add("x", "the description", disk);
        try (NbdServer s = NbdServer.start(new InetSocketAddress("127.0.0.1", 0), p, Optional.empty());
             TestNbdClient c = new TestNbdClient(s.port()).handshake()) {
            c.sendOption(Protocol.OPT_INFO, TestNbdClient.goData("x", Protocol.INFO_NAME, Protocol.INFO_DESCRIPTION));
            Map<Integer, byte[]> infos = new HashMap<>();
            TestNbdClient.OptionReply r;
            while ((r = c.readOptionReply()).type() == Protocol.REP_INFO) {
                infos.put((int) java.nio.ByteBuffer.wrap(r.data()).getShort(), Arrays.copyOfRange(r.data(), 2, r.data().length));
            }
            assertEquals(Protocol.REP_ACK, r.type());
            assertEquals("x", new String(infos.get(Protocol.INFO_NAME), StandardCharsets.UTF_8));
            assertEquals("the description", new String(infos.get(Protocol.INFO_DESCRIPTION), StandardCharsets.UTF_8));
            assertNotNull(infos.get(Protocol.INFO_EXPORT));
            assertNotNull(infos.get(Protocol.INFO_BLOCK_SIZE));
            // still negotiating: another option works
            assertEquals(SIZE, c.go("x", false).size());
        }
    }

    @Test
    void exportNameEntersTransmissionWithOrWithoutZeroes() throws Exception {
        for (boolean noZeroes : new boolean[] {true, false}) {
            try (TestNbdClient c = new TestNbdClient(server.port())
                    .handshake(Protocol.FLAG_C_FIXED_NEWSTYLE | (noZeroes ? Protocol.FLAG_C_NO_ZEROES : 0))) {
                c.sendOption(Protocol.OPT_EXPORT_NAME, "disk".getBytes(StandardCharsets.UTF_8));
                c.read(5, 0, 0); // pipelined behind the option; served once transmission starts
                byte[] head = c.readRaw(8 + 2 + (noZeroes ? 0 : 124));
                assertEquals(SIZE, java.nio.ByteBuffer.wrap(head).getLong());
                TestNbdClient.Reply r = c.readReply();
                assertEquals(5, r.handle());
                assertEquals(0, r.error());
            }
        }
    }

    @Test
    void readPastTheEndIsEinvalAndWritePastTheEndIsEnospc() throws Exception {
        try (TestNbdClient c = connect("disk", true)) {
            c.read(1, SIZE - 512, 1024);
            TestNbdClient.Reply r = c.readReply();
            assertEquals(Protocol.EINVAL, r.error());
            assertTrue(r.message().contains("beyond the export size"), r.message());
            c.write(2, SIZE - 512, new byte[1024], 0);
            assertEquals(Protocol.ENOSPC, c.readReply().error());
            c.request(0, Protocol.CMD_WRITE_ZEROES, 3, SIZE, 1, null);
            assertEquals(Protocol.ENOSPC, c.readReply().error());
            c.request(0, Protocol.CMD_TRIM, 4, -1L, 1, null); // offset 2^64 - 1
            assertEquals(Protocol.EINVAL, c.readReply().error());
        }
        assertTrue(disk.calls.isEmpty(), disk.calls.toString());
    }

    @Test
    void unalignedRequestsAreEinvalWhenTheMinimumBlockIs512() throws Exception {
        try (TestNbdClient c = connect("aligned", false)) {
            c.read(1, 100, 512);
            assertEquals(Protocol.EINVAL, c.readReply().error());
            c.write(2, 512, new byte[100], 0);
            assertEquals(Protocol.EINVAL, c.readReply().error());
            c.read(3, 512, 1024);
            assertEquals(0, c.readReply().error());
        }
        assertEquals(1, aligned.calls.size(), aligned.calls.toString());
    }

    @Test
    void flagsNotValidForACommandAreEinval() throws Exception {
        try (TestNbdClient c = connect("disk", false)) {
            c.request(Protocol.CMD_FLAG_NO_HOLE, Protocol.CMD_READ, 1, 0, 512, null);
            assertEquals(Protocol.EINVAL, c.readReply().error());
            c.request(Protocol.CMD_FLAG_DF, Protocol.CMD_READ, 2, 0, 512, null); // DF needs structured replies
            assertEquals(Protocol.EINVAL, c.readReply().error());
            c.request(0x8000, Protocol.CMD_FLUSH, 3, 0, 0, null);
            assertEquals(Protocol.EINVAL, c.readReply().error());
            c.request(0, Protocol.CMD_FLUSH, 4, 0, 4096, null);
            assertEquals(Protocol.EINVAL, c.readReply().error());
        }
        assertTrue(disk.calls.isEmpty(), disk.calls.toString());
    }

    @Test
    void writeTypeCommandsOnAReadOnlyExportAreEpermAndChangeNothing() throws Exception {
        byte[] before = readOnly.snapshot();
        try (TestNbdClient c = connect("ro", true)) {
            c.write(1, 0, new byte[4096], 0);
            assertEquals(Protocol.EPERM, c.readReply().error());
            c.request(0, Protocol.CMD_TRIM, 2, 0, 4096, null);
            assertEquals(Protocol.EPERM, c.readReply().error());
            c.request(0, Protocol.CMD_WRITE_ZEROES, 3, 0, 4096, null);
            assertEquals(Protocol.EPERM, c.readReply().error());
        }
        assertArrayEquals(before, readOnly.snapshot());
        assertTrue(readOnly.calls.isEmpty(), readOnly.calls.toString());
    }

    @ParameterizedTest(name = "structured replies: {0}")
    @ValueSource(booleans = {false, true})
    void deviceExceptionsMapToNbdErrors(boolean structured) throws Exception {
        try (TestNbdClient c = connect("disk", structured)) {
            disk.failNext.set(new IOException("media error"));
            c.read(1, 0, 4096);
            TestNbdClient.Reply r = c.readReply();
            assertEquals(Protocol.EIO, r.error());
            assertEquals(0, r.data().length);
            if (structured) {
                assertTrue(r.message().contains("media error"), r.message());
            } else {
                assertNull(r.message());
            }
            disk.failNext.set(new NoSpaceException("pool full"));
            c.write(2, 0, new byte[512], 0);
            assertEquals(Protocol.ENOSPC, c.readReply().error());
            disk.failNext.set(new ReadOnlyExportException("snapshot frozen"));
            c.write(3, 0, new byte[512], 0);
            assertEquals(Protocol.EPERM, c.readReply().error());
            disk.failNext.set(new IOException("write failed: No space left on device"));
            c.request(0, Protocol.CMD_WRITE_ZEROES, 4, 0, 512, null);
            assertEquals(Protocol.ENOSPC, c.readReply().error());
            // and the connection carries on
            c.read(5, 0, 512);
            assertEquals(0, c.readReply().error());
        }
    }

    @Test
    void fuaWritesAreFlushedBeforeTheirReply() throws Exception {
        try (TestNbdClient c = connect("disk", false)) {
            c.write(1, 0, new byte[512], Protocol.CMD_FLAG_FUA);
            assertEquals(0, c.readReply().error());
            assertEquals(1, disk.flushes.get());
            assertEquals(java.util.List.of("write 0 512", "flush"), disk.calls);
            c.request(Protocol.CMD_FLAG_FUA | Protocol.CMD_FLAG_NO_HOLE, Protocol.CMD_WRITE_ZEROES, 2, 0, 512, null);
            assertEquals(0, c.readReply().error());
            assertEquals(2, disk.flushes.get());
        }
    }

    @Test
    void flushComesAfterEveryWriteAnsweredBeforeIt() throws Exception {
        disk.delayMillis = 20;
        try (TestNbdClient c = connect("disk", false)) {
            for (int i = 0; i < 8; i++) {
                c.write(i, i * 4096L, bytes(4096, i), 0);
            }
            for (int i = 0; i < 8; i++) {
                assertEquals(0, c.readReply().error());
            }
            c.request(0, Protocol.CMD_FLUSH, 100, 0, 0, null);
            assertEquals(100, c.readReply().handle());
        }
        int flushAt = disk.calls.indexOf("flush");
        assertEquals(8, flushAt, disk.calls.toString());
    }

    @Test
    void zeroLengthRequestsSucceedWithoutTouchingTheDevice() throws Exception {
        try (TestNbdClient c = connect("disk", true)) {
            c.read(1, 0, 0);
            TestNbdClient.Reply r = c.readReply();
            assertEquals(0, r.error());
            assertEquals(0, r.data().length);
            c.write(2, 0, new byte[0], 0);
            assertEquals(0, c.readReply().error());
            c.request(0, Protocol.CMD_TRIM, 3, 0, 0, null);
            assertEquals(0, c.readReply().error());
        }
        assertTrue(disk.calls.stream().noneMatch(s -> s.startsWith("write") || s.startsWith("trim")), disk.calls.toString());
    }

    @Test
    void disconnectFinishesOutstandingRequestsThenCloses() throws Exception {
        disk.delayMillis = 30;
        try (TestNbdClient c = connect("disk", false)) {
            for (int i = 0; i < 6; i++) {
                c.write(i, i * 512L, bytes(512, 100 + i), 0);
            }
            c.request(0, Protocol.CMD_DISC, 99, 0, 0, null);
            java.util.Set<Long> handles = new java.util.HashSet<>();
            for (int i = 0; i < 6; i++) {
                TestNbdClient.Reply r = c.readReply();
                assertEquals(0, r.error());
                handles.add(r.handle());
            }
            assertEquals(6, handles.size());
            assertTrue(c.closedByServer());
        }
        for (int i = 0; i < 6; i++) {
            assertArrayEquals(bytes(512, 100 + i), Arrays.copyOfRange(disk.snapshot(), i * 512, i * 512 + 512));
        }
    }

    @Test
    void theDeviceIsClosedOnceWhenItsConnectionEnds() throws Exception {
        MemoryBlockDevice own = new MemoryBlockDevice(SIZE, false);
        MapExportProvider p = new MapExportProvider().add("own", "", () -> own);
        try (NbdServer s = NbdServer.start(new InetSocketAddress("127.0.0.1", 0), p, Optional.empty())) {
            try (TestNbdClient c = new TestNbdClient(s.port()).handshake()) {
                c.sendOption(Protocol.OPT_INFO, TestNbdClient.goData("own"));
                while (c.readOptionReply().type() != Protocol.REP_ACK) {
                    // NBD_REP_INFO
                }
                awaitCloses(own, 1); // NBD_OPT_INFO opens and closes
                c.go("own", false);
                c.read(1, 0, 512);
                c.readReply();
                assertEquals(1, own.closes.get());
            }
            awaitCloses(own, 2);
        }
        assertEquals(2, own.closes.get());
    }

    private static void awaitCloses(MemoryBlockDevice d, int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (d.closes.get() < n && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(n, d.closes.get());
    }
}
