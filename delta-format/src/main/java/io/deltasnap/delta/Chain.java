package io.deltasnap.delta;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The running hash chain and tallies of a stream being written or read: {@code h0 = SHA-256(header
 * bytes)}, {@code h_i = SHA-256(h_(i-1) || record_i bytes)}, where a record's bytes are its 36-byte
 * header and its payload (in a version 2 delta: the sealed record's frame, as on the medium).
 * Mutable and confined to one thread; {@link #snapshot()} gives the immutable {@link HashChain}
 * used for resuming.
 */
final class Chain {
    static final int HASH_BYTES = 32;

    private final MessageDigest sha;
    private byte[] value;
    private long byteOffset;
    private long volumeCursor;
    private long dataRecords;
    private long zeroRecords;
    private long patchRecords;
    private long dataBytes;
    private long zeroBytes;
    /** Records hashed so far, whatever their kind: the next record's index. */
    private long records;

    private Chain(byte[] value, long byteOffset) {
        this.sha = sha256();
        this.value = value;
        this.byteOffset = byteOffset;
    }

    static Chain start(byte[] headerBytes) {
        return new Chain(sha256().digest(headerBytes), headerBytes.length);
    }

    static Chain resume(HashChain s) {
        Chain c = new Chain(s.value(), s.byteOffset());
        c.volumeCursor = s.volumeCursor();
        c.dataRecords = s.dataRecords();
        c.zeroRecords = s.zeroRecords();
        c.patchRecords = s.patchRecords();
        c.dataBytes = s.dataBytes();
        c.zeroBytes = s.zeroBytes();
        c.records = s.recordCount();
        return c;
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform provides SHA-256", e);
        }
    }

    /** Adds one record whose header and payload were verified (reader) or built (writer). */
    void add(int kind, long volumeOffset, long length, byte[] header, int headerOff, byte[] payload, int payloadOff,
             int payloadLen) {
        sha.update(value);
        sha.update(header, headerOff, RecordFormat.HEADER_BYTES);
        sha.update(payload, payloadOff, payloadLen);
        value = sha.digest();
        byteOffset += RecordFormat.HEADER_BYTES + payloadLen;
        records++;
        tally(kind, volumeOffset, length);
    }

    /** Adds one sealed record's frame (version 2), as on the medium; the reader tallies its kind if it can open it. */
    void addFrame(byte[] frame, int frameLength) {
        sha.update(value);
        sha.update(frame, 0, frameLength);
        value = sha.digest();
        byteOffset += frameLength;
        records++;
    }

    /** Counts a record's kind and advances the volume cursor (done by {@link #add} for version 1). */
    void tally(int kind, long volumeOffset, long length) {
        assert volumeOffset >= volumeCursor : volumeOffset + " < " + volumeCursor;
        volumeCursor = volumeOffset + length;
        switch (kind) {
            case RecordFormat.KIND_DATA -> {
                dataRecords++;
                dataBytes += length;
            }
            case RecordFormat.KIND_PATCH -> {
                patchRecords++;
                dataBytes += length;
            }
            case RecordFormat.KIND_ZERO -> {
                zeroRecords++;
                zeroBytes += length;
            }
            default -> throw new AssertionError("not a record kind: " + kind);
        }
    }

    /** Adds a complete encoded record (header immediately followed by payload). */
    void add(int kind, long volumeOffset, long length, byte[] record) {
        add(kind, volumeOffset, length, record, 0, record, RecordFormat.HEADER_BYTES,
                record.length - RecordFormat.HEADER_BYTES);
    }

    byte[] value() {
        return value.clone();
    }

    long byteOffset() {
        return byteOffset;
    }

    long volumeCursor() {
        return volumeCursor;
    }

    /** Records hashed so far; in a version 2 delta, the index of the next sealed record. */
    long records() {
        return records;
    }

    long dataRecords() {
        return dataRecords;
    }

    long zeroRecords() {
        return zeroRecords;
    }

    long patchRecords() {
        return patchRecords;
    }

    long dataBytes() {
        return dataBytes;
    }

    long zeroBytes() {
        return zeroBytes;
    }

    HashChain snapshot() {
        return new HashChain(value, byteOffset, volumeCursor, dataRecords, zeroRecords, patchRecords, dataBytes, zeroBytes);
    }
}
