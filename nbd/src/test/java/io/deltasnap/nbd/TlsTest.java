package io.deltasnap.nbd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * NBD_OPT_STARTTLS with a test CA and server certificate made by {@code openssl} (skipped when
 * openssl is missing): the server refuses everything else until TLS is up, and both a Java client
 * and libnbd ({@code nbds://}) can then use it.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TlsTest {
    @TempDir
    static Path certs;

    private MemoryBlockDevice disk;
    private NbdServer server;

    @BeforeAll
    static void makeCertificates() throws Exception {
        Tools.assumeInstalled("openssl");
        String d = certs.toString();
        run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                "-subj", "/CN=deltasnap test CA", "-keyout", d + "/ca-key.pem", "-out", d + "/ca-cert.pem",
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
        run("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
                "-keyout", d + "/server-key.pem", "-out", d + "/server.csr");
        Path ext = certs.resolve("server.ext");
        Files.writeString(ext, "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
                + "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n");
        run("openssl", "x509", "-req", "-in", d + "/server.csr", "-CA", d + "/ca-cert.pem", "-CAkey", d + "/ca-key.pem",
                "-CAcreateserial", "-days", "2", "-extfile", ext.toString(), "-out", d + "/server-cert.pem");
        // libnbd reads ca-cert.pem from the directory; keep only what a client needs there.
        Files.createDirectories(certs.resolve("client"));
        Files.copy(certs.resolve("ca-cert.pem"), certs.resolve("client/ca-cert.pem"));
    }

    private static void run(String... command) throws Exception {
        Tools.Result r = Tools.run(List.of(command), 60);
        assumeTrue(r.exit() == 0, "openssl failed, skipping TLS tests: " + r.all());
    }

    @BeforeEach
    void start() throws Exception {
        SslContext tls = SslContextBuilder.forServer(certs.resolve("server-cert.pem").toFile(),
                certs.resolve("server-key.pem").toFile()).build();
        disk = new MemoryBlockDevice(1 << 20, false).fillPattern(8);
        server = NbdServer.start(new InetSocketAddress("127.0.0.1", 0),
                new MapExportProvider().add("disk", "over TLS", disk), Optional.of(tls));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private static SSLContext trustingTestCa() throws Exception {
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(certs.resolve("ca-cert.pem"))) {
            trust.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }

    @Test
    void optionsBeforeStartTlsAreRefusedWithTlsReqdThenWorkOverTls() throws Exception {
        try (TestNbdClient c = new TestNbdClient(server.port()).handshake()) {
            assertEquals(Protocol.REP_ERR_TLS_REQD, c.option(Protocol.OPT_LIST, new byte[0]).type());
            assertEquals(Protocol.REP_ERR_TLS_REQD, c.option(Protocol.OPT_GO, TestNbdClient.goData("disk")).type());
            assertEquals(Protocol.REP_ERR_TLS_REQD, c.option(Protocol.OPT_STRUCTURED_REPLY, new byte[0]).type());
            assertEquals(Protocol.REP_ERR_TLS_REQD, c.option(4242, new byte[0]).type());
            assertEquals(Protocol.REP_ACK, c.startTls(trustingTestCa()).type());
            assertEquals(Protocol.REP_ERR_INVALID, c.option(Protocol.OPT_STARTTLS, new byte[0]).type());
            assertEquals(1 << 20, c.go("disk", true).size());
            byte[] data = new byte[8192];
            Arrays.fill(data, (byte) 0x42);
            c.write(1, 8192, data, Protocol.CMD_FLAG_FUA);
            assertEquals(0, c.readReply().error());
            c.read(2, 8192, 8192);
            assertArrayEquals(data, c.readReply().data());
        }
    }

    @Test
    void exportNameBeforeStartTlsDisconnects() throws Exception {
        try (TestNbdClient c = new TestNbdClient(server.port()).handshake()) {
            c.sendOption(Protocol.OPT_EXPORT_NAME, "disk".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            assertTrue(c.closedByServer());
        }
        assertTrue(disk.calls.isEmpty());
    }

    @Test
    void plaintextSentBehindStartTlsIsRejected() throws Exception {
        try (TestNbdClient c = new TestNbdClient(server.port()).handshake()) {
            // STARTTLS and, in the same packet, a plain-text option an attacker might inject.
            java.io.DataOutputStream out = c.rawOut();
            for (int option : new int[] {Protocol.OPT_STARTTLS, Protocol.OPT_STRUCTURED_REPLY}) {
                out.writeLong(Protocol.IHAVEOPT);
                out.writeInt(option);
                out.writeInt(0);
            }
            out.flush();
            assertTrue(c.closedByServer());
        }
    }

    @Test
    void nbdinfoOverTlsSeesTheExport() throws Exception {
        Tools.assumeInstalled("nbdinfo");
        String uri = "nbds://127.0.0.1:" + server.port() + "/disk?tls-certificates=" + certs.resolve("client");
        Tools.Result r = Tools.run(List.of("nbdinfo", uri));
        assertEquals(0, r.exit(), r.all());
        assertTrue(r.stdout().contains("export-size: " + (1 << 20)), r.stdout());
        assertTrue(r.stdout().contains("over TLS"), r.stdout());
    }

    @Test
    void nbdcopyOverTlsCopiesTheExport() throws Exception {
        Tools.assumeInstalled("nbdcopy");
        String uri = "nbds://127.0.0.1:" + server.port() + "/disk?tls-certificates=" + certs.resolve("client");
        Path out = certs.resolve("copy-" + System.nanoTime() + ".img");
        Files.createFile(out);
        Tools.runOk(List.of("nbdcopy", uri, out.toString()));
        assertArrayEquals(disk.snapshot(), Files.readAllBytes(out));
    }

    @Test
    void plainNbdClientsAreRefused() throws Exception {
        Tools.assumeInstalled("nbdinfo");
        Tools.Result r = Tools.run(List.of("nbdinfo", "nbd://127.0.0.1:" + server.port() + "/disk"));
        assertNotEquals(0, r.exit(), r.all());
        assertTrue(disk.calls.isEmpty());
    }
}
