package io.deltasnap.delta;

import java.util.Arrays;
import java.util.Objects;

/**
 * The verification state of a delta stream at a record boundary: the hash-chain value and the
 * tallies the trailer is checked against. It is all a reader needs to continue a stream
 * interrupted after a record ({@link DeltaReader#resume}), and it serializes to
 * {@value #SERIALIZED_BYTES} bytes.
 *
 * <p>The chain: {@code h0 = SHA-256(header bytes)}, {@code h_i = SHA-256(h_(i-1) || record_i)}
 * where {@code record_i} is the record's 36-byte header followed by its stored payload.
 *
 * <p>Serialized layout ({@link #toBytes()}), integers little-endian:
 *
 * <pre>
 * | offset | size | type  | field         | meaning                                                 |
 * |--------|------|-------|---------------|---------------------------------------------------------|
 * | 0      | 8    | bytes | magic         | 44 53 43 48 41 49 4E 01 ("DSCHAIN\x01")                 |
 * | 8      | 32   | bytes | value         | h_i                                                     |
 * | 40     | 8    | u64   | byte offset   | stream offset of the next record (header included)      |
 * | 48     | 8    | u64   | volume cursor | volume offset where the last record ended               |
 * | 56     | 8    | u64   | data records  | DATA records so far                                     |
 * | 64     | 8    | u64   | zero records  | ZERO records so far                                     |
 * | 72     | 8    | u64   | patch records | PATCH records so far                                    |
 * | 80     | 8    | u64   | data bytes    | content bytes of DATA and PATCH records so far          |
 * | 88     | 8    | u64   | zero bytes    | bytes described by ZERO records so far                  |
 * | 96     | 4    | u32   | CRC32C        | CRC32C of bytes 0..95                                   |
 * </pre>
 *
 * @param value        the chain value h_i, 32 bytes
 * @param byteOffset   stream offset of the next record
 * @param volumeCursor volume offset where the last record ended
 * @param dataRecords  DATA records so far
 * @param zeroRecords  ZERO records so far
 * @param patchRecords PATCH records so far
 * @param dataBytes    content bytes of DATA and PATCH records so far
 * @param zeroBytes    bytes described by ZERO records so far
 */
public record HashChain(byte[] value, long byteOffset, long volumeCursor, long dataRecords, long zeroRecords,
                        long patchRecords, long dataBytes, long zeroBytes) {
    public static final int SERIALIZED_BYTES = 100;
    private static final byte[] MAGIC = {'D', 'S', 'C', 'H', 'A', 'I', 'N', 1};

    public HashChain {
        Objects.requireNonNull(value, "value");
        if (value.length != Chain.HASH_BYTES) {
            throw new IllegalArgumentException("chain value must be 32 bytes, got " + value.length);
        }
        if (byteOffset < HeaderFormat.FIXED_BYTES || volumeCursor < 0 || dataRecords < 0 || zeroRecords < 0
                || patchRecords < 0 || dataBytes < 0 || zeroBytes < 0) {
            throw new IllegalArgumentException("hash chain fields out of range");
        }
        value = value.clone();
    }

    /** Records covered so far. */
    public long recordCount() {
        return dataRecords + zeroRecords + patchRecords;
    }

    @Override
    public byte[] value() {
        return value.clone();
    }

    public byte[] toBytes() {
        byte[] b = new byte[SERIALIZED_BYTES];
        System.arraycopy(MAGIC, 0, b, 0, MAGIC.length);
        System.arraycopy(value, 0, b, 8, Chain.HASH_BYTES);
        long[] fields = {byteOffset, volumeCursor, dataRecords, zeroRecords, patchRecords, dataBytes, zeroBytes};
        for (int i = 0; i < fields.length; i++) {
            Bytes.putU64(b, 40 + 8 * i, fields[i]);
        }
        Bytes.putI32(b, 96, Bytes.crc32c(b, 0, 96));
        return b;
    }

    /**
     * Parses {@link #toBytes()} output. Offsets in errors are within {@code b}, not a delta stream.
     *
     * @throws DeltaFormatException if the bytes are not an intact serialized chain state
     */
    public static HashChain fromBytes(byte[] b) throws DeltaFormatException {
        if (b.length != SERIALIZED_BYTES) {
            throw DeltaFormatException.corrupt(Math.min(b.length, SERIALIZED_BYTES), "hash chain state length",
                    SERIALIZED_BYTES, b.length);
        }
        if (!Arrays.equals(b, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
            throw DeltaFormatException.corrupt(0, "hash chain state magic", Bytes.hex(MAGIC, 0, 8), Bytes.hex(b, 0, 8));
        }
        long crc = Bytes.crc32c(b, 0, 96) & 0xFFFF_FFFFL;
        if (crc != Bytes.u32(b, 96)) {
            throw DeltaFormatException.corrupt(0, "hash chain state checksum", Bytes.crcString(Bytes.u32(b, 96)) + " (stored)",
                    Bytes.crcString(crc) + " (computed)");
        }
        long[] f = new long[7];
        for (int i = 0; i < f.length; i++) {
            f[i] = Bytes.u64(b, 40 + 8 * i);
            if (f[i] < 0) {
                throw DeltaFormatException.corrupt(40 + 8 * i, "hash chain state field", "0..2^63-1", Bytes.u64String(f[i]));
            }
        }
        if (f[0] < HeaderFormat.FIXED_BYTES) {
            throw DeltaFormatException.corrupt(40, "hash chain byte offset", ">= " + HeaderFormat.FIXED_BYTES, f[0]);
        }
        return new HashChain(Arrays.copyOfRange(b, 8, 40), f[0], f[1], f[2], f[3], f[4], f[5], f[6]);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HashChain c && Arrays.equals(value, c.value) && byteOffset == c.byteOffset
                && volumeCursor == c.volumeCursor && dataRecords == c.dataRecords && zeroRecords == c.zeroRecords
                && patchRecords == c.patchRecords && dataBytes == c.dataBytes && zeroBytes == c.zeroBytes;
    }

    @Override
    public int hashCode() {
        return Objects.hash(Arrays.hashCode(value), byteOffset, volumeCursor, dataRecords, zeroRecords, patchRecords,
                dataBytes, zeroBytes);
    }

    @Override
    public String toString() {
        return "HashChain[value=" + Bytes.hex(value, 0, value.length) + ", byteOffset=" + byteOffset + ", volumeCursor="
                + volumeCursor + ", records=" + dataRecords + "/" + zeroRecords + "/" + patchRecords + ", dataBytes="
                + dataBytes + ", zeroBytes=" + zeroBytes + "]";
    }
}
