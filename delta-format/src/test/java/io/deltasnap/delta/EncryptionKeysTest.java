package io.deltasnap.delta;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EncryptionKeysTest {
    @TempDir
    Path dir;

    @Test
    void recipientPairRoundTripsThroughItsFilesAndTheSecretIsMode600() throws Exception {
        RecipientSecret s = EncryptionKeys.generate("backup@site-b");
        Recipient r = EncryptionKeys.writeKeyPair(dir.resolve("site-b"), s);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("site-b.secret"))));
        assertEquals(r, EncryptionKeys.readRecipient(dir.resolve("site-b.recipient")));
        RecipientSecret back = EncryptionKeys.readSecret(dir.resolve("site-b.secret"));
        assertArrayEquals(s.encoded(), back.encoded());
        assertEquals(r.keyId(), back.keyId());
        assertEquals("deltasnap-x25519 " + Base64.getEncoder().encodeToString(r.publicKey()) + " backup@site-b",
                Files.readString(dir.resolve("site-b.recipient")).strip());
        assertTrue(Files.readString(dir.resolve("site-b.secret")).startsWith("deltasnap-x25519-secret "));
        assertTrue(r.keyId().matches("[0-9a-f]{16}"), r.keyId());
    }

    @Test
    void existingKeyFilesAreNeverOverwritten() throws Exception {
        EncryptionKeys.writeKeyPair(dir.resolve("k"), EncryptionKeys.generate(""));
        byte[] before = Files.readAllBytes(dir.resolve("k.secret"));
        assertThrows(FileAlreadyExistsException.class, () -> EncryptionKeys.writeKeyPair(dir.resolve("k"),
                EncryptionKeys.generate("")));
        assertArrayEquals(before, Files.readAllBytes(dir.resolve("k.secret")));
    }

    @Test
    void aSecretKeyOthersMayReadIsRefusedAsIsSuchASigningKey() throws Exception {
        EncryptionKeys.writeKeyPair(dir.resolve("k"), EncryptionKeys.generate(""));
        Path secret = dir.resolve("k.secret");
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-r--r--"));
        KeyFileException e = assertThrows(KeyFileException.class, () -> EncryptionKeys.readSecret(secret));
        assertTrue(e.getMessage().contains("secret key is accessible by others") && e.getMessage().contains("chmod 600"),
                e.getMessage());
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw----r--"));
        assertThrows(KeyFileException.class, () -> EncryptionKeys.readSecret(secret));
    }

    @Test
    void aRecipientsFileWithABadLineIsRefusedByLine() throws Exception {
        Recipient a = EncryptionKeys.generate("a").recipient();
        Path f = dir.resolve("recipients");
        Fixtures.writeTrustFile(f, "# site B\n" + a.toLine() + "\n\ndeltasnap-x25519 not-base64!\n");
        KeyFileException e = assertThrows(KeyFileException.class, () -> Recipients.load(f));
        assertEquals(4, e.line());
        assertTrue(e.getMessage().startsWith(f + ":4: "), e.getMessage());
        Fixtures.writeTrustFile(f, a.toLine() + "\n" + Keys.PUBLIC_TYPE + " " + Base64.getEncoder().encodeToString(new byte[32]) + "\n");
        e = assertThrows(KeyFileException.class, () -> Recipients.load(f));
        assertEquals(2, e.line());
        assertTrue(e.getMessage().contains("found key type 'deltasnap-ed25519'"), e.getMessage());
        Fixtures.writeTrustFile(f, "# nobody\n");
        assertTrue(assertThrows(KeyFileException.class, () -> Recipients.load(f)).getMessage().contains("lists no recipient"));
        Fixtures.writeTrustFile(f, a.toLine() + "\n" + a.toLine() + "\n");
        assertTrue(assertThrows(KeyFileException.class, () -> Recipients.load(f)).getMessage().contains("listed twice"));
    }

    @Test
    void aLowOrderPointIsNotAcceptedAsARecipient() throws Exception {
        Path f = dir.resolve("recipients");
        Fixtures.writeTrustFile(f, EncryptionKeys.RECIPIENT_TYPE + " " + Base64.getEncoder().encodeToString(new byte[32]) + "\n");
        KeyFileException e = assertThrows(KeyFileException.class, () -> Recipients.load(f));
        assertTrue(e.getMessage().contains("low-order"), e.getMessage());
    }

    @Test
    void recipientsFileReadsEveryKeyInOrder() throws Exception {
        Recipient a = EncryptionKeys.generate("a").recipient();
        Recipient b = EncryptionKeys.generate("b").recipient();
        Path f = dir.resolve("recipients");
        Fixtures.writeTrustFile(f, "# two sites\n" + a.toLine() + "\n   \n" + b.toLine() + "\n");
        assertEquals(java.util.List.of(a, b), Recipients.load(f).list());
    }
}
