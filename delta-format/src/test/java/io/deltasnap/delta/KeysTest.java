package io.deltasnap.delta;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeysTest {
    @TempDir
    Path dir;

    @Test
    void keyPairRoundTripsThroughItsFilesAndThePrivateFileIsMode600() throws Exception {
        Ed25519PrivateKeyParameters key = Keys.generate();
        SignerKey pub = Keys.writeKeyPair(dir.resolve("site-a"), key, "backup@site-a");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("site-a.key"))));
        assertArrayEquals(key.getEncoded(), Keys.readPrivate(dir.resolve("site-a.key")).getEncoded());
        assertEquals(pub, Keys.readPublic(dir.resolve("site-a.pub")));
        assertArrayEquals(Keys.publicKey(key), pub.publicKey());
        assertEquals("backup@site-a", pub.comment());
        String line = Files.readString(dir.resolve("site-a.pub")).strip();
        assertEquals("deltasnap-ed25519 " + Base64.getEncoder().encodeToString(Keys.publicKey(key)) + " backup@site-a", line);
        assertTrue(Files.readString(dir.resolve("site-a.key")).startsWith("deltasnap-ed25519-private "));
    }

    @Test
    void existingKeyFilesAreNeverOverwritten() throws Exception {
        Keys.writeKeyPair(dir.resolve("k"), Keys.generate(), "");
        byte[] before = Files.readAllBytes(dir.resolve("k.key"));
        assertThrows(FileAlreadyExistsException.class, () -> Keys.writeKeyPair(dir.resolve("k"), Keys.generate(), ""));
        assertArrayEquals(before, Files.readAllBytes(dir.resolve("k.key")));
    }

    @Test
    void privateKeyReadableByOthersIsRefused() throws Exception {
        Keys.writeKeyPair(dir.resolve("k"), Keys.generate(), "");
        Path priv = dir.resolve("k.key");
        Files.setPosixFilePermissions(priv, PosixFilePermissions.fromString("rw-r--r--"));
        KeyFileException e = assertThrows(KeyFileException.class, () -> Keys.readPrivate(priv));
        assertTrue(e.getMessage().contains("chmod 600"), e.getMessage());
    }

    @Test
    void fingerprintIsSha256OfTheKeyInUnpaddedBase64() throws Exception {
        byte[] pub = Keys.publicKey(Fixtures.KEY);
        String fp = Keys.fingerprint(pub);
        assertTrue(fp.matches("SHA256:[A-Za-z0-9+/]{43}"), fp);
        assertEquals("SHA256:" + Base64.getEncoder().withoutPadding().encodeToString(
                java.security.MessageDigest.getInstance("SHA-256").digest(pub)), fp);
    }

    @Test
    void trustFileListsSeveralKeysWithCommentsAndBlankLines() throws Exception {
        SignerKey a = new SignerKey(Keys.publicKey(Fixtures.KEY), "site a");
        SignerKey b = new SignerKey(Keys.publicKey(Fixtures.OTHER_KEY), "");
        Path trust = dir.resolve("trusted");
        Fixtures.writeTrustFile(trust, "# replicas we accept\n\n" + a.toLine() + "\n   \n  # old site\n" + b.toLine() + "\n");
        TrustedKeys t = TrustedKeys.load(trust);
        assertEquals(java.util.List.of(a, b), t.keys());
        assertEquals(a, t.find(Keys.publicKey(Fixtures.KEY)).orElseThrow());
        assertTrue(t.find(new byte[32]).isEmpty());
    }

    @Test
    void malformedTrustLinesAreReportedWithTheirLineNumber() throws Exception {
        String good = new SignerKey(Keys.publicKey(Fixtures.KEY), "ok").toLine();
        String[][] cases = {
            {"ssh-ed25519 AAAA comment", "found key type 'ssh-ed25519'"},
            {"deltasnap-ed25519", "found no key"},
            {"deltasnap-ed25519 not*base64", "not valid base64"},
            {"deltasnap-ed25519 " + Base64.getEncoder().encodeToString(new byte[31]), "is 31 bytes, expected 32"},
        };
        for (String[] c : cases) {
            Path trust = dir.resolve("t" + c[1].hashCode());
            Fixtures.writeTrustFile(trust, "# header\n" + good + "\n\n" + c[0] + "\n");
            KeyFileException e = assertThrows(KeyFileException.class, () -> TrustedKeys.load(trust));
            assertEquals(4, e.line(), e.getMessage());
            assertTrue(e.getMessage().startsWith(trust + ":4: "), e.getMessage());
            assertTrue(e.getMessage().contains(c[1]), e.getMessage());
        }
    }

    @Test
    void publicKeyFileWithoutAKeyLineIsRefused() throws Exception {
        Path p = dir.resolve("empty.pub");
        Files.writeString(p, "# nothing here\n");
        KeyFileException e = assertThrows(KeyFileException.class, () -> Keys.readPublic(p));
        assertEquals(0, e.line());
    }

    @Test
    void oversizedTrustFileIsRefusedBeforeItIsRead() throws Exception {
        Path p = dir.resolve("huge");
        Files.write(p, new byte[(int) Keys.MAX_TRUST_FILE_BYTES + 1]);
        assertThrows(KeyFileException.class, () -> TrustedKeys.load(p));
    }
}
