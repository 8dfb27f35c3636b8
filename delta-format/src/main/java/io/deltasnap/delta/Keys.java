package io.deltasnap.delta;

import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;

/**
 * Ed25519 signing keys and their files.
 *
 * <p>File formats, one key per line, fields separated by single spaces, UTF-8, {@code #} starts a
 * comment line:
 *
 * <pre>
 * PREFIX.pub   deltasnap-ed25519 &lt;base64 of the 32-byte public key&gt; [comment]
 * PREFIX.key   deltasnap-ed25519-private &lt;base64 of the 32-byte RFC 8032 seed&gt; [comment]
 * </pre>
 *
 * <p>The private file is created with mode 600 and the public one with 644, whatever the umask;
 * neither is ever overwritten. Reading either applies {@link SecureFiles}' checks: a private key
 * readable by group or others is refused, as is a key or trust file someone else could change.
 */
public final class Keys {
    public static final String PUBLIC_TYPE = "deltasnap-ed25519";
    public static final String PRIVATE_TYPE = "deltasnap-ed25519-private";
    /** Key files larger than this are refused before they are read. */
    static final long MAX_KEY_FILE_BYTES = 64 * 1024;
    /** Trust files larger than this are refused before they are read. */
    static final long MAX_TRUST_FILE_BYTES = 1 << 20;

    /** Key types an error may name when found in the wrong place; any other word is never shown. */
    private static final java.util.Set<String> KNOWN_TYPES = java.util.Set.of(PUBLIC_TYPE, PRIVATE_TYPE,
            EncryptionKeys.RECIPIENT_TYPE, EncryptionKeys.SECRET_TYPE, "ssh-ed25519", "ssh-rsa", "ssh-dss",
            "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "sk-ssh-ed25519@openssh.com");

    private Keys() {}

    /** A fresh key from the platform's strong random source. */
    public static Ed25519PrivateKeyParameters generate() {
        return new Ed25519PrivateKeyParameters(new SecureRandom());
    }

    /** The 32-byte public key of a private key, as put in {@link DeltaHeader#signerKey()}. */
    public static byte[] publicKey(Ed25519PrivateKeyParameters key) {
        return key.generatePublicKey().getEncoded();
    }

    /** {@code SHA256:<base64 of SHA-256(publicKey), no padding>}. */
    public static String fingerprint(byte[] publicKey) {
        return "SHA256:" + Base64.getEncoder().withoutPadding().encodeToString(Chain.sha256().digest(publicKey));
    }

    /**
     * Writes {@code PREFIX.key} (mode 600) and {@code PREFIX.pub} (mode 644), whatever the umask.
     * Fails if either exists.
     *
     * @return the public key as written to {@code PREFIX.pub}
     */
    public static SignerKey writeKeyPair(Path prefix, Ed25519PrivateKeyParameters key, String comment)
            throws IOException {
        SignerKey pub = new SignerKey(publicKey(key), comment == null ? "" : comment);
        String privLine = PRIVATE_TYPE + " " + Base64.getEncoder().encodeToString(key.getEncoded())
                + (pub.comment().isEmpty() ? "" : " " + pub.comment()) + "\n";
        SecureFiles.createPair(sibling(prefix, ".key"), privLine, sibling(prefix, ".pub"), pub.toLine() + "\n");
        return pub;
    }

    public static Ed25519PrivateKeyParameters readPrivate(Path path) throws IOException {
        SecureFiles.requireOwnerOnly(path, "private key");
        List<String> lines = SecureFiles.readLines(path, MAX_KEY_FILE_BYTES);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            byte[] seed = parseKeyField(line, PRIVATE_TYPE, path, i + 1);
            return new Ed25519PrivateKeyParameters(seed, 0);
        }
        throw new KeyFileException(path, 0, "no '" + PRIVATE_TYPE + " <base64 seed>' line");
    }

    public static SignerKey readPublic(Path path) throws IOException {
        SecureFiles.requireUnmodifiableByOthers(path, "public key");
        List<String> lines = SecureFiles.readLines(path, MAX_KEY_FILE_BYTES);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (!line.isEmpty() && !line.startsWith("#")) {
                return parsePublicLine(line, path, i + 1);
            }
        }
        throw new KeyFileException(path, 0, "no '" + PUBLIC_TYPE + " <base64 key> [comment]' line");
    }

    /** Parses a stripped, non-comment line {@code deltasnap-ed25519 <base64> [comment]}. */
    static SignerKey parsePublicLine(String line, Path path, int lineNo) throws KeyFileException {
        byte[] key = parseKeyField(line, PUBLIC_TYPE, path, lineNo);
        try {
            new Ed25519PublicKeyParameters(key, 0);
        } catch (IllegalArgumentException e) {
            throw new KeyFileException(path, lineNo, "the key is not a valid Ed25519 public key");
        }
        String[] parts = line.split(" ", 3);
        return new SignerKey(key, parts.length == 3 ? parts[2] : "");
    }

    /**
     * The 32-byte key of a stripped, non-comment line {@code TYPE <base64> [comment]}. Errors never
     * show what the line holds: in a private key file that could be the key itself (a bare seed
     * where the type belongs, say).
     */
    static byte[] parseKeyField(String line, String type, Path path, int lineNo) throws KeyFileException {
        String[] parts = line.split(" ", 3);
        String expected = "expected '" + type + " <base64 key> [comment]'";
        if (!parts[0].equals(type)) {
            throw new KeyFileException(path, lineNo, expected + ", found " + (KNOWN_TYPES.contains(parts[0])
                    ? "key type '" + parts[0] + "'" : "another first word (not shown: it may be key material)"));
        }
        if (parts.length < 2 || parts[1].isEmpty()) {
            throw new KeyFileException(path, lineNo, expected + ", found no key");
        }
        byte[] key;
        try {
            key = Base64.getDecoder().decode(parts[1]);
        } catch (IllegalArgumentException e) {
            throw new KeyFileException(path, lineNo, "key is not valid base64");
        }
        if (key.length != DeltaHeader.KEY_BYTES) {
            throw new KeyFileException(path, lineNo, "key is " + key.length + " bytes, expected 32");
        }
        return key;
    }

    private static Path sibling(Path prefix, String suffix) {
        return prefix.resolveSibling(prefix.getFileName() + suffix);
    }
}
