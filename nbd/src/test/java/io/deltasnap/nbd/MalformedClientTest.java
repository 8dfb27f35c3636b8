package io.deltasnap.nbd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataOutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Clients that break the protocol are cut off (after an error reply where the protocol has room
 * for one), never reach the device, and do not disturb other clients.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MalformedClientTest {
    private MemoryBlockDevice disk;
    private NbdServer server;
    private TestNbdClient healthy;

    @BeforeEach
    void start() throws Exception {
        disk = new MemoryBlockDevice(1 << 20, false).fillPattern(5);
        server = NbdServer.start(new InetSocketAddress("127.0.0.1", 0),
                new MapExportProvider().add("disk", "", disk), Optional.empty());
        // A well-behaved client connected before the garbage arrives, used again afterwards.
        healthy = new TestNbdClient(server.port()).handshake();
        healthy.go("disk", true);
    }

    @AfterEach
    void stop() throws Exception {
        try {
            assertHealthyClientStillServed();
        } finally {
            healthy.close();
            server.close();
        }
    }

    private void assertHealthyClientStillServed() throws Exception {
        healthy.read(77, 4096, 4096);
        TestNbdClient.Reply r = healthy.readReply();
        assertEquals(0, r.error());
        byte[] expect = new byte[4096];
        System.arraycopy(disk.snapshot(), 4096, expect, 0, 4096);
        assertArrayEquals(expect, r.data());
        try (TestNbdClient fresh = new TestNbdClient(server.port()).handshake()) {
            assertEquals(1 << 20, fresh.go("disk", false).size());
        }
    }

    private TestNbdClient transmitting() throws Exception {
        TestNbdClient c = new TestNbdClient(server.port()).handshake();
        c.go("disk", false);
        return c;
    }

    private void assertDeviceUntouched() {
        assertTrue(disk.calls.stream().allMatch(c -> c.startsWith("read")), disk.calls.toString());
    }

    @Test
    void unknownClientFlagsAreDisconnected() throws Exception {
        try (TestNbdClient c = new TestNbdClient(server.port()).handshake(Protocol.FLAG_C_FIXED_NEWSTYLE | 0x100)) {
            assertTrue(c.closedByServer());
        }
    }

    @Test
    void garbageOptionMagicIsDisconnected() throws Exception {
        try (TestNbdClient c = new TestNbdClient(server.port()).handshake()) {
            c.sendRawOption(0x0123456789abcdefL, Protocol.OPT_LIST, 0, new byte[0]);
            assertTrue(c.closedByServer());
        }
    }

    @Test
    void oversizedOptionLengthGetsTooBigThenDisconnect() throws Exception {
        try (TestNbdClient c = new TestNbdClient(server.port()).handshake()) {
            c.sendRawOption(Protocol.IHAVEOPT, Protocol.OPT_GO, 0x7fff_fff0L, new byte[100]);
            TestNbdClient.OptionReply r = c.readOptionReply();
            assertEquals(Protocol.REP_ERR_TOO_BIG, r.type());
            assertEquals(Protocol.OPT_GO, r.option());
            assertTrue(c.closedByServer());
        }
    }

    @Test
    void unknownOptionsGetUnsupAndNegotiationGoesOn() throws Exception {
        try (TestNbdClient c = new TestNbdClient(server.port()).handshake()) {
            assertEquals(Protocol.REP_ERR_UNSUP, c.option(4242, new byte[] {1, 2, 3}).type());
            assertEquals(Protocol.REP_ERR_UNSUP, c.option(Protocol.OPT_SET_META_CONTEXT, new byte[12]).type());
            assertEquals(1 << 20, c.go("disk", true).size());
        }
    }

    @Test
    void malformedOptionDataGetsInvalidAndNegotiationGoesOn() throws Exception {
        try (TestNbdClient c = new TestNbdClient(server.port()).handshake()) {
            assertEquals(Protocol.REP_ERR_INVALID, c.option(Protocol.OPT_LIST, new byte[] {0}).type());
            assertEquals(Protocol.REP_ERR_INVALID, c.option(Protocol.OPT_STRUCTURED_REPLY, new byte[] {0}).type());
            // name length pointing past the end of the option
            byte[] go = ByteBuffer.allocate(8).putInt(100).putShort((short) 0).putShort((short) 0).array();
            assertEquals(Protocol.REP_ERR_INVALID, c.option(Protocol.OPT_GO, go).type());
            // odd number of bytes for the info requests
            byte[] odd = ByteBuffer.allocate(7).putInt(0).putShort((short) 1).put((byte) 0).array();
            assertEquals(Protocol.REP_ERR_INVALID, c.option(Protocol.OPT_INFO, odd).type());
            assertEquals(Protocol.REP_ERR_INVALID, c.option(Protocol.OPT_INFO, new byte[] {0, 0}).type());
            TestNbdClient.OptionReply unknown = c.option(Protocol.OPT_GO, TestNbdClient.goData("nope"));
            assertEquals(Protocol.REP_ERR_UNKNOWN, unknown.type());
            assertTrue(unknown.text().contains("nope"), unknown.text());
            assertEquals(1 << 20, c.go("disk", false).size());
        }
    }

    @Test
    void exportNameOfAMissingExportDisconnects() throws Exception {
        try (TestNbdClient c = new TestNbdClient(server.port()).handshake()) {
            c.sendOption(Protocol.OPT_EXPORT_NAME, "missing".getBytes(StandardCharsets.UTF_8));
            assertTrue(c.closedByServer());
        }
    }

    @Test
    void abortIsAcknowledgedThenTheServerCloses() throws Exception {
        try (TestNbdClient c = new TestNbdClient(server.port()).handshake()) {
            assertEquals(Protocol.REP_ACK, c.option(Protocol.OPT_ABORT, new byte[0]).type());
            assertTrue(c.closedByServer());
        }
    }

    @Test
    void startTlsOnAServerWithoutTlsIsUnsupported() throws Exception {
        try (TestNbdClient c = new TestNbdClient(server.port()).handshake()) {
            assertEquals(Protocol.REP_ERR_UNSUP, c.option(Protocol.OPT_STARTTLS, new byte[0]).type());
            assertEquals(1 << 20, c.go("disk", false).size());
        }
    }

    @Test
    void requestWithBadMagicIsDisconnectedAndTheDeviceUntouched() throws Exception {
        try (TestNbdClient c = transmitting()) {
            DataOutputStream out = c.rawOut();
            out.writeInt(0x12345678);
            out.writeShort(0);
            out.writeShort(Protocol.CMD_WRITE);
            out.writeLong(1);
            out.writeLong(0);
            out.writeInt(4);
            out.write(new byte[4]);
            out.flush();
            assertTrue(c.closedByServer());
        }
        assertDeviceUntouched();
    }

    @Test
    void writeWithHugeLengthIsDisconnectedBeforeAnyPayloadIsRead() throws Exception {
        try (TestNbdClient c = transmitting()) {
            c.request(0, Protocol.CMD_WRITE, 1, 0, 0xffff_fff0L, new byte[1000]);
            assertTrue(c.closedByServer());
        }
        assertDeviceUntouched();
    }

    @Test
    void writeJustOverTheLimitIsDisconnected() throws Exception {
        try (TestNbdClient c = transmitting()) {
            c.request(0, Protocol.CMD_WRITE, 1, 0, Protocol.MAX_PAYLOAD + 1L, new byte[0]);
            assertTrue(c.closedByServer());
        }
        assertDeviceUntouched();
    }

    @Test
    void readLongerThanTheMaximumGetsEinvalAndTheConnectionLives() throws Exception {
        try (TestNbdClient c = transmitting()) {
            c.read(1, 0, 64 << 20);
            assertEquals(Protocol.EINVAL, c.readReply().error());
            c.read(2, 0, 512);
            assertEquals(0, c.readReply().error());
        }
    }

    @Test
    void unknownCommandGetsEinvalThenDisconnect() throws Exception {
        try (TestNbdClient c = transmitting()) {
            c.request(0, 99, 7, 0, 0, null);
            TestNbdClient.Reply r = c.readReply();
            assertEquals(7, r.handle());
            assertEquals(Protocol.EINVAL, r.error());
            assertTrue(c.closedByServer());
        }
        assertDeviceUntouched();
    }

    @Test
    void bytesAfterGoAreNotMistakenForOptions() throws Exception {
        // A client that pipelines a read right behind NBD_OPT_GO gets it served after the ACK.
        try (TestNbdClient c = new TestNbdClient(server.port()).handshake()) {
            c.sendOption(Protocol.OPT_GO, TestNbdClient.goData("disk"));
            c.read(9, 0, 512);
            while (c.readOptionReply().type() != Protocol.REP_ACK) {
                // NBD_REP_INFO
            }
            TestNbdClient.Reply r = c.readReply();
            assertEquals(9, r.handle());
            assertEquals(0, r.error());
        }
    }
}
