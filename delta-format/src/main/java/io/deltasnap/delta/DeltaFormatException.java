package io.deltasnap.delta;

import java.io.IOException;

/**
 * A delta stream, header, resume state or key input was refused. Every instance names the byte
 * offset (within the delta stream) where the problem was found and, where there is one, what was
 * expected and what was found.
 *
 * <p>Messages look like {@code corrupt delta at byte 212: record length: expected 1..4194304,
 * found 1099511627776} or {@code truncated at byte 97: record header or trailer needs 36 bytes from byte 80}.
 * For checksum mismatches the offset is the first byte of the range the checksum covers.
 */
public final class DeltaFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    /** What kind of problem was found. */
    public enum Code {
        /** Bytes that contradict the format: bad checksum, field out of bounds, hash mismatch. */
        CORRUPT,
        /** The stream ended before the structure being read was complete. */
        TRUNCATED,
        /** A well-formed stream this reader cannot read: unknown major version, codec or record kind. */
        UNSUPPORTED,
        /** The signer's key is not in the trust file. */
        UNTRUSTED,
        /** The trailer's Ed25519 signature does not verify with the signer's key. */
        BAD_SIGNATURE,
        /** A patch record decoded against the receiver's base chunk gave content with the wrong checksum. */
        BASE_MISMATCH,
        /** The delta is encrypted and no decryption key was given. */
        KEY_MISSING,
        /** The delta is encrypted, but not to the recipient whose secret key was given. */
        NOT_RECIPIENT
    }

    private final Code code;
    private final long offset;

    private DeltaFormatException(Code code, long offset, String message) {
        super(message);
        this.code = code;
        this.offset = offset;
    }

    public Code code() {
        return code;
    }

    /** Byte offset in the delta stream of the first bad byte (or of the range a failed checksum covers). */
    public long offset() {
        return offset;
    }

    static DeltaFormatException corrupt(long offset, String what, Object expected, Object found) {
        return new DeltaFormatException(Code.CORRUPT, offset,
                "corrupt delta at byte " + offset + ": " + what + ": expected " + expected + ", found " + found);
    }

    static DeltaFormatException corrupt(long offset, String what) {
        return new DeltaFormatException(Code.CORRUPT, offset, "corrupt delta at byte " + offset + ": " + what);
    }

    static DeltaFormatException truncated(long offset, String what) {
        return new DeltaFormatException(Code.TRUNCATED, offset, "truncated at byte " + offset + ": " + what);
    }

    static DeltaFormatException unsupported(long offset, String what) {
        return new DeltaFormatException(Code.UNSUPPORTED, offset, "unsupported delta at byte " + offset + ": " + what);
    }

    static DeltaFormatException untrusted(long offset, String fingerprint) {
        return new DeltaFormatException(Code.UNTRUSTED, offset, "untrusted signer at byte " + offset + ": key "
                + fingerprint + " is not in the trust file");
    }

    static DeltaFormatException badSignature(long offset, String fingerprint) {
        return new DeltaFormatException(Code.BAD_SIGNATURE, offset, "bad signature at byte " + offset
                + ": the trailer signature does not verify with signer key " + fingerprint);
    }

    static DeltaFormatException keyMissing(long offset, java.util.List<String> keyIds) {
        return new DeltaFormatException(Code.KEY_MISSING, offset, "encrypted delta at byte " + offset
                + ": reading its records needs a decryption key (a secret key of one of its " + keyIds.size()
                + " recipients, key IDs " + String.join(", ", keyIds) + "); none was given");
    }

    static DeltaFormatException notRecipient(long offset, String keyId, java.util.List<String> keyIds) {
        return new DeltaFormatException(Code.NOT_RECIPIENT, offset, "encrypted delta at byte " + offset
                + ": the decryption key " + keyId + " is not one of its recipients (key IDs " + String.join(", ", keyIds) + ")");
    }

    static DeltaFormatException baseMismatch(long offset, long volumeOffset, long expected, long found) {
        return new DeltaFormatException(Code.BASE_MISMATCH, offset, "base mismatch at byte " + offset
                + ": patch for volume offset " + volumeOffset + " decoded against the local base chunk: content checksum expected "
                + Bytes.crcString(expected) + ", found " + Bytes.crcString(found)
                + " (is the local base the snapshot named in the header?)");
    }
}
