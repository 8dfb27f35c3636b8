package io.deltasnap.delta;

/**
 * What {@link DeltaInspector#inspect} (or {@link DeltaInspector#verify}) found in a delta.
 *
 * <p>For an encrypted delta read without its key ({@link #recordsOpened()} false) the per-kind
 * counts and byte totals are sealed in the trailer and reported as 0; {@link #records()} is still
 * the number of records on the medium.
 *
 * @param header        the verified header
 * @param dataRecords   DATA records
 * @param zeroRecords   ZERO records
 * @param patchRecords  PATCH records
 * @param dataBytes     content bytes of DATA and PATCH records (uncompressed)
 * @param zeroBytes     bytes described by ZERO records
 * @param storedBytes   payload bytes as stored (compressed or raw; sealed: ciphertext and tags)
 * @param streamBytes   total bytes of the stream
 * @param signature     state of the trailer signature
 * @param records       records in the stream, whatever their kind
 * @param encryption    how the delta is encrypted, or null for a plain delta
 * @param recordsOpened whether every record was read in the clear (a plain delta, or the key was given)
 */
public record DeltaInspection(DeltaHeader header, long dataRecords, long zeroRecords, long patchRecords,
                             long dataBytes, long zeroBytes, long storedBytes, long streamBytes, Signature signature,
                             long records, EncryptionInfo encryption, boolean recordsOpened) {
    /** How far the signature could be checked. */
    public enum SignatureState {
        /** Verifies with a key in the trust file. */
        VERIFIED,
        /** No trust file was given; the signature verifies with the key the header names, which proves integrity only. */
        UNVERIFIED,
        /** The signer is not in the trust file. */
        UNTRUSTED,
        /** The signature does not verify with the header's signer key. */
        INVALID
    }

    /**
     * @param state  how far the signature could be checked
     * @param detail one printable line, e.g. {@code unverified: no trust file}
     */
    public record Signature(SignatureState state, String detail) {}

    public boolean encrypted() {
        return encryption != null;
    }
}
