package io.deltasnap.delta;

import com.github.luben.zstd.ZstdDecompressCtx;
import com.github.luben.zstd.ZstdDictContentType;
import com.github.luben.zstd.ZstdException;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.util.Objects;

/**
 * Reads and verifies one delta stream, record by record, in bounded memory.
 *
 * <p>The constructor reads and checks the header and refuses a signer that is not in the trust
 * file. {@link #next} returns each record only after its bounds, its record checksum and its
 * content checksum have been verified, and returns null once the trailer has been verified: counts,
 * chain hash, end of stream and the Ed25519 signature. Records before a problem may already have
 * been returned; the signature is checked only at the end, so a consumer stages records and
 * commits them only after {@code next} returned null (invariant 5: atomic apply).
 *
 * <p>Every field read from the stream is checked against its bound before it is used, and no buffer
 * is larger than one record (4 MiB of content, one chunk of base). Every refusal is a
 * {@link DeltaFormatException} naming the stream offset; once one is thrown, {@code next} throws it
 * again. The reader does not close its input stream; {@link #close()} releases native zstd
 * contexts. Unbuffered input should be wrapped in a {@link java.io.BufferedInputStream}.
 *
 * <p>After the trailer the reader checks that the stream ends (nothing may follow a delta), so it
 * reads until end of stream: a transport must hand it a stream that ends after the delta.
 *
 * <p>An encrypted (version 2) delta needs the secret key of one of its recipients: without one
 * the constructor refuses it (KEY_MISSING), with another recipient's key too (NOT_RECIPIENT).
 * Each sealed record is authenticated and decrypted, then checked exactly as a version 1 record.
 * The inspector and {@link DeltaInspector#verify} may read one without a key: they check the
 * frames' bounds, the hash chain, the record count and the signature, which cover every byte on
 * the medium, but not what the records hold.
 */
public final class DeltaReader implements Closeable {
    static {
        ZstdLibrary.load(); // before ZstdDecompressCtx's own initializer tries the temporary directory only
    }

    private final StreamInput in;
    private final DeltaHeader header;
    /** Null only when inspecting without a trust file. */
    private final TrustedKeys trust;
    /** Inspecting: payloads are checked but not decoded, and signature problems are reported, not thrown. */
    private final boolean inspect;
    private final Chain chain;
    /** The encryption section of a version 2 delta; null for version 1. */
    private final Encryption.Section sealing;
    /** Opens the records of a version 2 delta; null for version 1, or when reading one without its key. */
    private final RecordCipher cipher;
    private final byte[] recordHeader = new byte[RecordFormat.HEADER_BYTES];
    private byte[] frame = new byte[0];
    private byte[] scratch = new byte[0];
    private ZstdDecompressCtx plainCtx;
    private ZstdDecompressCtx patchCtx;
    private DeltaFormatException failure;
    private boolean broken;
    private boolean done;
    private long storedBytes;
    private DeltaRecord current;
    private DeltaInspection.Signature signature;

    /**
     * Reads the header from the start of {@code in} and checks its signer against {@code trust}.
     *
     * @throws DeltaFormatException if the header is corrupt, truncated, unsupported or the signer untrusted
     */
    public DeltaReader(InputStream in, TrustedKeys trust) throws IOException {
        this(in, trust, null);
    }

    /**
     * Reads the header from the start of {@code in}, checks its signer against {@code trust} and,
     * for an encrypted delta, opens its data key with {@code secret}.
     *
     * @param secret the secret key of one of an encrypted delta's recipients; null reads plain deltas only
     * @throws DeltaFormatException if the header is corrupt, truncated, unsupported or the signer
     *                              untrusted; for an encrypted delta, if no key was given
     *                              (KEY_MISSING) or it is not a recipient's (NOT_RECIPIENT)
     */
    public DeltaReader(InputStream in, TrustedKeys trust, RecipientSecret secret) throws IOException {
        this(new StreamInput(Objects.requireNonNull(in, "in"), 0), Objects.requireNonNull(trust, "trust"), false, secret,
                false);
    }

    private DeltaReader(StreamInput in, TrustedKeys trust, boolean inspect, RecipientSecret secret, boolean keyless)
            throws IOException {
        this.in = in;
        this.trust = trust;
        this.inspect = inspect;
        HeaderFormat.Decoded d = HeaderFormat.read(in);
        this.header = d.header();
        this.chain = Chain.start(d.bytes());
        this.sealing = d.sealing();
        requireTrusted();
        if (sealing == null) {
            this.cipher = null;
        } else if (secret != null) {
            byte[] dataKey = Encryption.open(sealing, secret);
            this.cipher = new RecordCipher(dataKey, chain.value());
            java.util.Arrays.fill(dataKey, (byte) 0);
        } else if (keyless) {
            this.cipher = null;
        } else {
            throw DeltaFormatException.keyMissing(sealing.offset(), sealing.info().recipientKeyIds());
        }
    }

    private DeltaReader(InputStream rest, DeltaHeader header, HashChain from, TrustedKeys trust) throws IOException {
        this.in = new StreamInput(rest, from.byteOffset());
        this.trust = trust;
        this.inspect = false;
        this.header = header;
        this.chain = Chain.resume(from);
        this.sealing = null;
        this.cipher = null;
        requireTrusted();
    }

    /**
     * Continues a stream interrupted at a record boundary. {@code rest} starts at stream offset
     * {@code from.byteOffset()}; {@code header} and {@code from} were obtained from an earlier
     * reader of the same stream ({@link #header()}, {@link #chain()}) and kept by the consumer.
     * The trailer check at the end covers the whole stream, including what was read before.
     * Plain (version 1) deltas only.
     */
    public static DeltaReader resume(InputStream rest, DeltaHeader header, HashChain from, TrustedKeys trust)
            throws IOException {
        Objects.requireNonNull(rest, "rest");
        Objects.requireNonNull(header, "header");
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(trust, "trust");
        if (from.volumeCursor() > header.volumeSize()) {
            throw new IllegalArgumentException("hash chain volume cursor " + from.volumeCursor()
                    + " is past the volume size " + header.volumeSize());
        }
        return new DeltaReader(rest, header, from, trust);
    }

    /**
     * A reader for {@link DeltaInspector}: no decoding, no base, trust optional; an encrypted delta's
     * records are opened when {@code secretOrNull} is given, else only hashed.
     */
    static DeltaReader forInspection(InputStream in, TrustedKeys trustOrNull, RecipientSecret secretOrNull)
            throws IOException {
        return new DeltaReader(new StreamInput(in, 0), trustOrNull, true, secretOrNull, true);
    }

    /** A reader that decodes what it can open: every record with a key or of a plain delta, else hashes only. */
    static DeltaReader forVerification(InputStream in, TrustedKeys trust, RecipientSecret secretOrNull) throws IOException {
        return new DeltaReader(new StreamInput(in, 0), trust, false, secretOrNull, true);
    }

    /** How the delta is encrypted, or null for a plain (version 1) delta. */
    public EncryptionInfo encryption() {
        return sealing == null ? null : sealing.info();
    }

    /** True when records are opened and checked, false when an encrypted delta is read without its key. */
    boolean opensRecords() {
        return sealing == null || cipher != null;
    }

    private void requireTrusted() throws DeltaFormatException {
        if (!inspect && trust.find(header.signerKey()).isEmpty()) {
            throw DeltaFormatException.untrusted(HeaderFormat.OFF_SIGNER, header.signerFingerprint());
        }
    }

    public DeltaHeader header() {
        return header;
    }

    /** Verification state after the last record returned: save it to {@link #resume} later. */
    public HashChain chain() {
        return chain.snapshot();
    }

    /**
     * The next verified record, or null once the trailer and signature have been verified.
     *
     * @param base the receiver's base snapshot, needed only for PATCH records (which occur only in
     *             incremental deltas); may be null for a full delta
     * @throws DeltaFormatException     if the stream is refused (see {@link DeltaFormatException.Code})
     * @throws IllegalArgumentException if a PATCH record arrives and {@code base} is null
     */
    public DeltaRecord next(BaseSource base) throws IOException {
        advance(base);
        return current;
    }

    /** Reads one record or the trailer; false once the trailer is verified. */
    boolean advance(BaseSource base) throws IOException {
        if (failure != null) {
            throw failure;
        }
        if (broken) {
            throw new IllegalStateException("delta reader failed earlier with an I/O error");
        }
        if (done) {
            current = null;
            return false;
        }
        broken = true; // cleared below on success; an exception leaves the reader unusable
        try {
            readItem(base);
        } catch (DeltaFormatException e) {
            failure = e;
            throw e;
        }
        broken = false;
        return !done;
    }

    private void readItem(BaseSource base) throws IOException {
        if (sealing != null) {
            readFrame(base);
            return;
        }
        long at = in.position();
        in.readFully(recordHeader, 0, RecordFormat.HEADER_BYTES, "record header or trailer");
        if (Bytes.u8(recordHeader, RecordFormat.OFF_KIND) == RecordFormat.KIND_TRAILER) {
            readTrailer(at);
            current = null;
            done = true;
            return;
        }
        RecordFormat.Header h = RecordFormat.check(recordHeader, header, chain.volumeCursor(), at);
        // check() bounded both: stored <= length <= MAX_RECORD_BYTES (and <= chunk size for PATCH)
        int stored = (int) h.storedLength();
        boolean rawData = h.kind() == RecordFormat.KIND_DATA && !h.compressed();
        byte[] payload = rawData && !inspect ? new byte[stored] : scratch(stored);
        in.readFully(payload, 0, stored, RecordFormat.kindName(h.kind()) + " payload");
        DeltaRecord r = decodeRecord(h, recordHeader, payload, 0, at, base);
        chain.add(h.kind(), h.offset(), h.length(), recordHeader, 0, payload, 0, stored);
        storedBytes += stored;
        assert chain.byteOffset() == in.position();
        current = r;
    }

    /** Reads one sealed record of a version 2 delta, or its trailer. */
    private void readFrame(BaseSource base) throws IOException {
        long at = in.position();
        byte[] fh = recordHeader; // the first 8 bytes
        in.readFully(fh, 0, RecordCipher.FRAME_HEADER_BYTES, "sealed record frame or trailer");
        int kind = Bytes.u8(fh, 0);
        if (kind == RecordFormat.KIND_TRAILER) {
            readSealedTrailer(at);
            current = null;
            done = true;
            return;
        }
        if (kind != RecordCipher.KIND_SEALED) {
            throw DeltaFormatException.corrupt(at, "frame kind", "0x53 (sealed record) or 0xff (trailer)",
                    "0x" + Integer.toHexString(kind));
        }
        for (int i = 1; i < RecordCipher.OFF_SEALED_LENGTH; i++) {
            if (fh[i] != 0) {
                throw DeltaFormatException.corrupt(at + i, "reserved frame byte", 0, Bytes.u8(fh, i));
            }
        }
        long sealed = Bytes.u32(fh, RecordCipher.OFF_SEALED_LENGTH);
        if (sealed < RecordCipher.MIN_SEALED || sealed > RecordCipher.MAX_SEALED) {
            throw DeltaFormatException.corrupt(at + RecordCipher.OFF_SEALED_LENGTH, "sealed record length",
                    RecordCipher.MIN_SEALED + ".." + RecordCipher.MAX_SEALED, sealed);
        }
        int frameLength = RecordCipher.FRAME_HEADER_BYTES + (int) sealed;
        if (frame.length < frameLength) {
            frame = new byte[frameLength];
        }
        System.arraycopy(fh, 0, frame, 0, RecordCipher.FRAME_HEADER_BYTES);
        in.readFully(frame, RecordCipher.FRAME_HEADER_BYTES, (int) sealed, "sealed record");
        long index = chain.records();
        DeltaRecord r = null;
        if (cipher != null) {
            byte[] plain = cipher.open(index, frame, frameLength, at);
            long recAt = at + RecordCipher.FRAME_HEADER_BYTES; // plaintext byte k is at recAt + k
            RecordFormat.Header h = RecordFormat.check(plain, header, chain.volumeCursor(), recAt);
            long stored = plain.length - RecordFormat.HEADER_BYTES;
            if (h.storedLength() != stored) {
                throw DeltaFormatException.corrupt(recAt + RecordFormat.OFF_STORED, "stored length of the sealed record",
                        stored + " (the frame's length less header and tag)", h.storedLength());
            }
            r = decodeRecord(h, plain, plain, RecordFormat.HEADER_BYTES, recAt, base);
            chain.tally(h.kind(), h.offset(), h.length());
        }
        chain.addFrame(frame, frameLength);
        storedBytes += sealed;
        assert chain.byteOffset() == in.position();
        current = r;
    }

    /**
     * Checks the payload of a record whose header passed {@link RecordFormat#check} and decodes it.
     * The payload is {@code h.storedLength()} bytes of {@code payload} from {@code payloadOff};
     * {@code at} is the stream offset of the record header. Null when inspecting a DATA or PATCH record.
     */
    private DeltaRecord decodeRecord(RecordFormat.Header h, byte[] hdr, byte[] payload, int payloadOff, long at,
                                     BaseSource base) throws IOException {
        int stored = (int) h.storedLength();
        int length = (int) Math.min(h.length(), Integer.MAX_VALUE); // ZERO lengths are not allocated
        boolean rawData = h.kind() == RecordFormat.KIND_DATA && !h.compressed();
        long payloadAt = at + RecordFormat.HEADER_BYTES;
        long crc = Bytes.crc32c(payload, payloadOff, stored) & 0xFFFF_FFFFL;
        if (crc != h.payloadCrc()) {
            throw DeltaFormatException.corrupt(payloadAt, "payload checksum over bytes " + payloadAt + ".."
                    + (payloadAt + stored - 1), Bytes.crcString(h.payloadCrc()) + " (stored)",
                    Bytes.crcString(crc) + " (computed)");
        }
        if (h.kind() == RecordFormat.KIND_ZERO) {
            return new DeltaRecord.Zero(h.offset(), h.length());
        }
        if (inspect) {
            return null;
        }
        if (h.kind() == RecordFormat.KIND_PATCH && base == BaseSource.KEEP_ENCODED) {
            byte[] rec = new byte[RecordFormat.HEADER_BYTES + stored];
            System.arraycopy(hdr, 0, rec, 0, RecordFormat.HEADER_BYTES);
            System.arraycopy(payload, payloadOff, rec, RecordFormat.HEADER_BYTES, stored);
            return new DeltaRecord.EncodedPatch(h.offset(), h.length(), rec);
        }
        byte[] content;
        if (rawData) {
            content = payloadOff == 0 && payload.length == stored ? payload
                    : java.util.Arrays.copyOfRange(payload, payloadOff, payloadOff + stored);
        } else if (h.kind() == RecordFormat.KIND_DATA) {
            content = decompress(plain(), payload, payloadOff, stored, length, payloadAt);
        } else {
            if (base == null) {
                throw new IllegalArgumentException("PATCH record at byte " + at + " needs the base snapshot: pass a BaseSource");
            }
            byte[] old = new byte[length];
            base.read(h.offset(), old);
            ZstdDecompressCtx ctx = patch();
            ctx.loadDict(old, ZstdDictContentType.RAW_CONTENT);
            content = decompress(ctx, payload, payloadOff, stored, length, payloadAt);
        }
        long contentCrc = Bytes.crc32c(content, 0, length) & 0xFFFF_FFFFL;
        if (contentCrc != h.contentCrc()) {
            if (h.kind() == RecordFormat.KIND_PATCH) {
                throw DeltaFormatException.baseMismatch(at, h.offset(), h.contentCrc(), contentCrc);
            }
            throw DeltaFormatException.corrupt(at + RecordFormat.OFF_CONTENT_CRC, "content checksum of the decoded DATA record at byte "
                    + at, Bytes.crcString(h.contentCrc()) + " (stored)", Bytes.crcString(contentCrc) + " (computed)");
        }
        return h.kind() == RecordFormat.KIND_DATA ? new DeltaRecord.Data(h.offset(), content)
                : new DeltaRecord.Patch(h.offset(), content);
    }

    /**
     * Decodes an encoded PATCH record against the base bytes of its chunk and checks the result
     * against the record's content checksum.
     *
     * @throws DeltaFormatException (BASE_MISMATCH) if the result does not match: wrong base bytes
     */
    public static byte[] decode(DeltaRecord.EncodedPatch p, byte[] base) throws DeltaFormatException {
        RecordFormat.Header h = RecordFormat.Header.parse(p.record());
        int stored = (int) h.storedLength();
        int length = (int) h.length();
        if (base.length != length || stored + RecordFormat.HEADER_BYTES != p.record().length) {
            throw new IllegalArgumentException("base of " + base.length + " bytes for a patch of " + length);
        }
        byte[] payload = java.util.Arrays.copyOfRange(p.record(), RecordFormat.HEADER_BYTES, p.record().length);
        try (ZstdDecompressCtx ctx = new ZstdDecompressCtx()) {
            ctx.loadDict(base, ZstdDictContentType.RAW_CONTENT);
            byte[] dst = new byte[length];
            int n;
            try {
                n = ctx.decompressByteArray(dst, 0, length, payload, 0, stored);
            } catch (ZstdException e) {
                throw DeltaFormatException.baseMismatch(0, h.offset(), h.contentCrc(), 0);
            }
            long crc = Bytes.crc32c(dst, 0, length) & 0xFFFF_FFFFL;
            if (n != length || crc != h.contentCrc()) {
                throw DeltaFormatException.baseMismatch(0, h.offset(), h.contentCrc(), crc);
            }
            return dst;
        }
    }

    private byte[] decompress(ZstdDecompressCtx ctx, byte[] src, int srcOff, int stored, int length, long payloadAt)
            throws DeltaFormatException {
        byte[] dst = new byte[length];
        int n;
        try {
            n = ctx.decompressByteArray(dst, 0, length, src, srcOff, stored);
        } catch (ZstdException e) {
            throw DeltaFormatException.corrupt(payloadAt, "zstd payload of " + stored + " bytes does not decode to "
                    + length + " bytes (" + e.getMessage() + ")");
        }
        if (n != length) {
            throw DeltaFormatException.corrupt(payloadAt, "decoded length of the zstd payload", length, n);
        }
        return dst;
    }

    private void readTrailer(long at) throws IOException {
        byte[] t = new byte[TrailerFormat.TRAILER_BYTES];
        System.arraycopy(recordHeader, 0, t, 0, RecordFormat.HEADER_BYTES);
        in.readFully(t, RecordFormat.HEADER_BYTES, TrailerFormat.TRAILER_BYTES - RecordFormat.HEADER_BYTES, "trailer");
        TrailerFormat.check(t, at, chain, header);
        requireEnd(at + TrailerFormat.TRAILER_BYTES);
        checkSignature(TrailerFormat.verify(t, header.signerKey()), at + TrailerFormat.OFF_SIGNATURE);
    }

    private void readSealedTrailer(long at) throws IOException {
        byte[] t = new byte[SealedTrailerFormat.TRAILER_BYTES];
        System.arraycopy(recordHeader, 0, t, 0, RecordCipher.FRAME_HEADER_BYTES);
        in.readFully(t, RecordCipher.FRAME_HEADER_BYTES, SealedTrailerFormat.TRAILER_BYTES - RecordCipher.FRAME_HEADER_BYTES,
                "trailer");
        SealedTrailerFormat.check(t, at, chain);
        if (cipher != null) {
            SealedTrailerFormat.checkSealed(t, at, chain, header, cipher);
        }
        requireEnd(at + SealedTrailerFormat.TRAILER_BYTES);
        checkSignature(SealedTrailerFormat.verify(t, header.signerKey()), at + SealedTrailerFormat.OFF_SIGNATURE);
    }

    private void requireEnd(long at) throws IOException {
        if (!in.atEnd()) {
            throw DeltaFormatException.corrupt(at, "unexpected data after the trailer (a delta ends with its trailer)");
        }
    }

    /** Throws for a bad signature, or (inspecting) records how far it could be checked. */
    private void checkSignature(boolean valid, long sigAt) throws DeltaFormatException {
        String fp = header.signerFingerprint();
        if (!inspect) {
            if (!valid) {
                throw DeltaFormatException.badSignature(sigAt, fp);
            }
            return;
        }
        if (trust == null) {
            signature = valid ? new DeltaInspection.Signature(DeltaInspection.SignatureState.UNVERIFIED, "unverified: no trust file")
                    : new DeltaInspection.Signature(DeltaInspection.SignatureState.INVALID,
                    "invalid: the signature does not verify with the header's signer key " + fp);
            return;
        }
        var trusted = trust.find(header.signerKey());
        if (trusted.isEmpty()) {
            signature = new DeltaInspection.Signature(DeltaInspection.SignatureState.UNTRUSTED,
                    "untrusted: signer " + fp + " is not in the trust file");
        } else if (valid) {
            String comment = trusted.get().comment();
            signature = new DeltaInspection.Signature(DeltaInspection.SignatureState.VERIFIED,
                    "verified: " + fp + (comment.isEmpty() ? "" : " (" + comment + ")"));
        } else {
            signature = new DeltaInspection.Signature(DeltaInspection.SignatureState.INVALID,
                    "invalid: the signature does not verify with trusted key " + fp);
        }
    }

    /** Records read so far, whatever their kind (sealed or not). */
    long records() {
        return chain.records();
    }

    long storedBytes() {
        return storedBytes;
    }

    long position() {
        return in.position();
    }

    DeltaInspection.Signature signature() {
        return signature;
    }

    private byte[] scratch(int n) {
        if (scratch.length < n) {
            scratch = new byte[n];
        }
        return scratch;
    }

    private ZstdDecompressCtx plain() {
        if (plainCtx == null) {
            plainCtx = new ZstdDecompressCtx();
        }
        return plainCtx;
    }

    private ZstdDecompressCtx patch() {
        if (patchCtx == null) {
            patchCtx = new ZstdDecompressCtx();
        }
        return patchCtx;
    }

    /** Releases the native zstd contexts; the input stream stays open. */
    @Override
    public void close() {
        if (plainCtx != null) {
            plainCtx.close();
            plainCtx = null;
        }
        if (patchCtx != null) {
            patchCtx.close();
            patchCtx = null;
        }
    }
}
