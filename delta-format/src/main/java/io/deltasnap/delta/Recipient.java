package io.deltasnap.delta;

import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;

/**
 * An X25519 public key a delta can be encrypted to, with the free-text comment of its line.
 * Its {@link #keyId() key ID} (the first 8 bytes of SHA-256 of the key, 16 hex digits) is what the
 * delta header stores beside the data key wrapped for it, so a reader finds its stanza.
 *
 * @param publicKey the 32-byte X25519 public key (RFC 7748 u-coordinate)
 * @param comment   text after the key on its line, or "" when there is none
 */
public record Recipient(byte[] publicKey, String comment) {
    public Recipient {
        Objects.requireNonNull(publicKey, "publicKey");
        Objects.requireNonNull(comment, "comment");
        if (publicKey.length != Encryption.KEY_BYTES) {
            throw new IllegalArgumentException("X25519 public key must be 32 bytes, got " + publicKey.length);
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

    /** 16 hex digits: the first 8 bytes of SHA-256(public key), as stored in the header. */
    public String keyId() {
        return Bytes.hex(Encryption.keyId(publicKey), 0, Encryption.KEY_ID_BYTES);
    }

    /** The key as one line of a .recipient or recipients file. */
    public String toLine() {
        String k = EncryptionKeys.RECIPIENT_TYPE + " " + Base64.getEncoder().encodeToString(publicKey);
        return comment.isEmpty() ? k : k + " " + comment;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Recipient r && Arrays.equals(publicKey, r.publicKey) && comment.equals(r.comment);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(publicKey) + comment.hashCode();
    }

    @Override
    public String toString() {
        return "Recipient[" + keyId() + (comment.isEmpty() ? "" : " " + comment) + "]";
    }
}
