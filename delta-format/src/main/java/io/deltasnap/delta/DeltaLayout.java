package io.deltasnap.delta;

/**
 * The sizes of a delta stream's fixed parts (docs/delta-format.md, "Header" and "Trailer"),
 * defined here once for this package's codecs and for the code around the format that frames,
 * stages or measures a stream without decoding it: the wire protocol bounds an OFFER by the
 * header sizes, the receiver stages a header and counts a stream's bytes to its trailer's end.
 */
public final class DeltaLayout {
    /** Bytes of a header with an empty name, no extension and no recipients: the smallest header. */
    public static final int MIN_HEADER_BYTES = 148;
    /** Bytes of the largest header a reader accepts, name, extension and recipients included. */
    public static final int MAX_HEADER_BYTES = 4096;
    /** Offset in the header of the signer's Ed25519 public key ({@link DeltaHeader#KEY_BYTES} bytes). */
    public static final int SIGNER_KEY_OFFSET = 112;
    /** Bytes of the trailer of a version 1 (signed, not encrypted) delta, its last bytes. */
    public static final int TRAILER_BYTES = 148;
    /** Bytes of the trailer of a version 2 (encrypted) delta, its last bytes. */
    public static final int SEALED_TRAILER_BYTES = 172;

    private DeltaLayout() {}
}
