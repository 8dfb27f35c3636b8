package io.deltasnap.delta;

import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;

/**
 * An Ed25519 public key that signs deltas, with the free-text comment of its key-file line.
 *
 * @param publicKey the 32-byte Ed25519 public key
 * @param comment   text after the key on its line, or "" when there is none
 */
public record SignerKey(byte[] publicKey, String comment) {
    public SignerKey {
        Objects.requireNonNull(publicKey, "publicKey");
        Objects.requireNonNull(comment, "comment");
        if (publicKey.length != DeltaHeader.KEY_BYTES) {
            throw new IllegalArgumentException("Ed25519 public key must be 32 bytes, got " + publicKey.length);
        }
        if (comment.indexOf('\n') >= 0 || comment.indexOf('\r') >= 0) {
            throw new IllegalArgumentException("key comment must be a single line");
        }
        publicKey = publicKey.clone();
        comment = comment.strip();
    }

    @Override
    public byte[] publicKey() {
        return publicKey.clone();
    }

    /** {@code SHA256:<base64 of SHA-256(key), no padding>}, as printed in messages. */
    public String fingerprint() {
        return Keys.fingerprint(publicKey);
    }

    /** The key as one line of a .pub or trust file: {@code deltasnap-ed25519 <base64 key> [comment]}. */
    public String toLine() {
        String k = Keys.PUBLIC_TYPE + " " + Base64.getEncoder().encodeToString(publicKey);
        return comment.isEmpty() ? k : k + " " + comment;
    }

    boolean matches(byte[] key) {
        return Arrays.equals(publicKey, key);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SignerKey k && Arrays.equals(publicKey, k.publicKey) && comment.equals(k.comment);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(publicKey) + comment.hashCode();
    }

    @Override
    public String toString() {
        return "SignerKey[" + fingerprint() + (comment.isEmpty() ? "" : " " + comment) + "]";
    }
}
