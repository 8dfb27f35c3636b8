package io.deltasnap.delta;

import java.io.IOException;
import java.io.InputStream;
import java.util.Objects;

/**
 * Reads a whole delta without applying it and reports what it holds.
 *
 * <p>{@link #inspect} needs no base data, trust file or key: every record's bounds and record
 * checksum, the chain hash and the trailer are checked exactly as {@link DeltaReader} checks them,
 * but payloads are not decompressed (so content checksums are not checked, and PATCH records need
 * no base), and signature problems are reported rather than thrown. An encrypted delta's records
 * are opened when its key is given, else only its frames are checked and hashed.
 *
 * <p>{@link #verify} is the check before trusting a file: the signer must be trusted and the
 * signature must verify, over every byte of the file. Without a key an encrypted delta is
 * verified as it lies on the medium (frames, chain, record count, signature); with it, or for a
 * plain delta, every record is also decrypted and decoded, and its content checksum checked (a
 * PATCH record's checksums are checked, its content needs the base and is not decoded).
 */
public final class DeltaInspector {
    private DeltaInspector() {}

    /**
     * Reads and checks the header only (magic, version, CRC, every field's bounds), not the
     * signer, the records or the signature: what a file says it is, for listing files, never for
     * trusting them. An encrypted delta's header reads without its key.
     */
    public static DeltaHeader header(InputStream in) throws IOException {
        return HeaderFormat.read(new StreamInput(Objects.requireNonNull(in, "in"), 0)).header();
    }

    /**
     * @param trustOrNull trusted keys, or null to report the signature as {@code unverified: no trust file}
     * @throws DeltaFormatException if the stream is corrupt, truncated or unsupported
     */
    public static DeltaInspection inspect(InputStream in, TrustedKeys trustOrNull) throws IOException {
        return inspect(in, trustOrNull, null);
    }

    /** As {@link #inspect(InputStream, TrustedKeys)}; an encrypted delta's records are opened with {@code secretOrNull}. */
    public static DeltaInspection inspect(InputStream in, TrustedKeys trustOrNull, RecipientSecret secretOrNull)
            throws IOException {
        Objects.requireNonNull(in, "in");
        try (DeltaReader r = DeltaReader.forInspection(in, trustOrNull, secretOrNull)) {
            return readAll(r, null);
        }
    }

    /**
     * Verifies a whole delta against {@code trust}; see the class comment for what is checked with
     * and without {@code secretOrNull}.
     *
     * @throws DeltaFormatException if anything is refused: untrusted signer, bad signature, any
     *                              corrupt or truncated byte, a key that is not a recipient's
     */
    public static DeltaInspection verify(InputStream in, TrustedKeys trust, RecipientSecret secretOrNull) throws IOException {
        Objects.requireNonNull(in, "in");
        Objects.requireNonNull(trust, "trust");
        try (DeltaReader r = DeltaReader.forVerification(in, trust, secretOrNull)) {
            String comment = trust.find(r.header().signerKey()).map(SignerKey::comment).orElse("");
            return readAll(r, new DeltaInspection.Signature(DeltaInspection.SignatureState.VERIFIED,
                    "verified: " + r.header().signerFingerprint() + (comment.isEmpty() ? "" : " (" + comment + ")")));
        }
    }

    /** Reads to the end; {@code verified}: the signature state when the reader throws rather than reports. */
    private static DeltaInspection readAll(DeltaReader r, DeltaInspection.Signature verified) throws IOException {
        while (r.advance(BaseSource.KEEP_ENCODED)) {
            // counting happens in the reader's chain
        }
        HashChain c = r.chain();
        DeltaInspection.Signature sig = r.signature() != null ? r.signature() : verified;
        return new DeltaInspection(r.header(), c.dataRecords(), c.zeroRecords(), c.patchRecords(), c.dataBytes(),
                c.zeroBytes(), r.storedBytes(), r.position(), sig, r.records(),
                r.encryption(), r.opensRecords());
    }
}
