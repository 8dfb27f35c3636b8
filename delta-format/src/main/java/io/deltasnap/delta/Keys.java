package io.deltasnap.delta;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
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
 * <p>The private file is created with mode 600 (set atomically at creation, never loosened) and is
 * refused when it is readable by group or others. Neither file is ever overwritten.
 */
public final class Keys {
    public static final String PUBLIC_TYPE = "deltasnap-ed25519";
    public static final String PRIVATE_TYPE = "deltasnap-ed25519-private";
    /** Key files larger than this are refused before they are read. */
    static final long MAX_KEY_FILE_BYTES = 64 * 1024;
    /** Trust files larger than this are refused before they are read. */
    static final long MAX_TRUST_FILE_BYTES = 1 << 20;

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
     * Writes {@code PREFIX.key} (mode 600) and {@code PREFIX.pub}. Fails if either exists.
     *
     * @return the public key as written to {@code PREFIX.pub}
     */
    public static SignerKey writeKeyPair(Path prefix, Ed25519PrivateKeyParameters key, String comment)
            throws IOException {
        SignerKey pub = new SignerKey(publicKey(key), comment == null ? "" : comment);
        Path priv = sibling(prefix, ".key");
        Path pubPath = sibling(prefix, ".pub");
        if (Files.exists(pubPath)) {
            throw new java.nio.file.FileAlreadyExistsException(pubPath.toString());
        }
        String privLine = PRIVATE_TYPE + " " + Base64.getEncoder().encodeToString(key.getEncoded())
                + (pub.comment().isEmpty() ? "" : " " + pub.comment()) + "\n";
        Set<PosixFilePermission> ownerOnly = EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
        try (OutputStream o = Channels.newOutputStream(Files.newByteChannel(priv,
                EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                PosixFilePermissions.asFileAttribute(ownerOnly)))) {
            o.write(privLine.getBytes(StandardCharsets.UTF_8));
        }
        Files.writeString(pubPath, pub.toLine() + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE);
        return pub;
    }

    public static Ed25519PrivateKeyParameters readPrivate(Path path) throws IOException {
        requireOwnerOnly(path, "private key");
        List<String> lines = readLines(path, MAX_KEY_FILE_BYTES);
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

    /** Refuses a secret file that group or others may access, as ssh does (before reading it). */
    static void requireOwnerOnly(Path path, String what) throws IOException {
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(path);
        Set<PosixFilePermission> loose = EnumSet.copyOf(perms);
        loose.removeAll(EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE,
                PosixFilePermission.OWNER_EXECUTE));
        if (!loose.isEmpty()) {
            throw new KeyFileException(path, 0, what + " is accessible by others (" + PosixFilePermissions.toString(perms)
                    + "); run chmod 600 on it");
        }
    }

    public static SignerKey readPublic(Path path) throws IOException {
        List<String> lines = readLines(path, MAX_KEY_FILE_BYTES);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (!line.isEmpty() && !line.startsWith("#")) {
                return parsePublicLine(line, path, i + 1);
            }
        }
        throw new KeyFileException(path, 0, "no '" + PUBLIC_TYPE + " <base64 key> [comment]' line");
    }

    static List<String> readLines(Path path, long maxBytes) throws IOException {
        long size = Files.size(path);
        if (size > maxBytes) {
            throw new KeyFileException(path, 0, "file is " + size + " bytes, at most " + maxBytes + " expected");
        }
        try {
            return Files.readAllLines(path, StandardCharsets.UTF_8);
        } catch (java.nio.charset.MalformedInputException e) {
            throw new KeyFileException(path, 0, "not valid UTF-8 text");
        }
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

    static byte[] parseKeyField(String line, String type, Path path, int lineNo) throws KeyFileException {
        String[] parts = line.split(" ", 3);
        String expected = "expected '" + type + " <base64 key> [comment]'";
        if (!parts[0].equals(type)) {
            String found = parts[0].length() > 40 ? parts[0].substring(0, 40) + "..." : parts[0];
            throw new KeyFileException(path, lineNo, expected + ", found key type '" + found + "'");
        }
        if (parts.length < 2 || parts[1].isEmpty()) {
            throw new KeyFileException(path, lineNo, expected + ", found no key");
        }
        byte[] key;
        try {
            key = Base64.getDecoder().decode(parts[1]);
        } catch (IllegalArgumentException e) {
            throw new KeyFileException(path, lineNo, "key is not valid base64: " + e.getMessage());
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
