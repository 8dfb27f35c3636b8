package io.deltasnap.delta;

import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import org.bouncycastle.crypto.params.X25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.X25519PublicKeyParameters;

/**
 * X25519 recipient keys (for encrypted deltas) and their files.
 *
 * <p>File formats, one key per line, fields separated by single spaces, UTF-8, {@code #} starts a
 * comment line:
 *
 * <pre>
 * PREFIX.recipient   deltasnap-x25519 &lt;base64 of the 32-byte X25519 public key&gt; [comment]
 * PREFIX.secret      deltasnap-x25519-secret &lt;base64 of the 32-byte X25519 secret scalar&gt; [comment]
 * </pre>
 *
 * <p>The secret file is created with mode 600 whatever the umask (the mode is given at creation,
 * never loosened afterwards), is never overwritten, and is refused when group or others may
 * access it, like the signing key ({@link SecureFiles#requireOwnerOnly}).
 */
public final class EncryptionKeys {
    public static final String RECIPIENT_TYPE = "deltasnap-x25519";
    public static final String SECRET_TYPE = "deltasnap-x25519-secret";

    private EncryptionKeys() {}

    /** A fresh secret key from the platform's strong random source. */
    public static RecipientSecret generate(String comment) {
        return new RecipientSecret(new X25519PrivateKeyParameters(new SecureRandom()), comment);
    }

    /** Writes {@code PREFIX.secret} (mode 600) and {@code PREFIX.recipient} (mode 644), whatever the umask; fails if either exists. */
    public static Recipient writeKeyPair(Path prefix, RecipientSecret secret) throws IOException {
        Path secretPath = prefix.resolveSibling(prefix.getFileName() + ".secret");
        Path recipientPath = prefix.resolveSibling(prefix.getFileName() + ".recipient");
        Recipient r = secret.recipient();
        String line = SECRET_TYPE + " " + Base64.getEncoder().encodeToString(secret.encoded())
                + (r.comment().isEmpty() ? "" : " " + r.comment()) + "\n";
        SecureFiles.createPair(secretPath, line, recipientPath, r.toLine() + "\n");
        return r;
    }

    /**
     * Reads a secret key file.
     *
     * @throws KeyFileException if group or others may access it, or it holds no secret key line
     */
    public static RecipientSecret readSecret(Path path) throws IOException {
        SecureFiles.requireOwnerOnly(path, "secret key");
        List<String> lines = SecureFiles.readLines(path, Keys.MAX_KEY_FILE_BYTES);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (!line.isEmpty() && !line.startsWith("#")) {
                byte[] k = Keys.parseKeyField(line, SECRET_TYPE, path, i + 1);
                String[] parts = line.split(" ", 3);
                return new RecipientSecret(new X25519PrivateKeyParameters(k, 0), parts.length == 3 ? parts[2] : "");
            }
        }
        throw new KeyFileException(path, 0, "no '" + SECRET_TYPE + " <base64 key>' line");
    }

    /** Reads a .recipient file: its first key line. */
    public static Recipient readRecipient(Path path) throws IOException {
        SecureFiles.requireUnmodifiableByOthers(path, "recipient file");
        List<String> lines = SecureFiles.readLines(path, Keys.MAX_KEY_FILE_BYTES);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (!line.isEmpty() && !line.startsWith("#")) {
                return parseRecipientLine(line, path, i + 1);
            }
        }
        throw new KeyFileException(path, 0, "no '" + RECIPIENT_TYPE + " <base64 key> [comment]' line");
    }

    /** Parses a stripped, non-comment line {@code deltasnap-x25519 <base64> [comment]}. */
    static Recipient parseRecipientLine(String line, Path path, int lineNo) throws KeyFileException {
        byte[] key = Keys.parseKeyField(line, RECIPIENT_TYPE, path, lineNo);
        if (!Encryption.usable(key)) {
            throw new KeyFileException(path, lineNo, "the key is a low-order X25519 point: nothing encrypted to it "
                    + "would be secret");
        }
        String[] parts = line.split(" ", 3);
        return new Recipient(key, parts.length == 3 ? parts[2] : "");
    }

    /** For tests and fixed examples: the secret whose scalar is these 32 bytes. */
    static RecipientSecret secret(byte[] scalar, String comment) {
        return new RecipientSecret(new X25519PrivateKeyParameters(scalar, 0), comment);
    }

    static X25519PublicKeyParameters publicParameters(byte[] key) {
        return new X25519PublicKeyParameters(key, 0);
    }
}
