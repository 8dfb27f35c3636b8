package io.deltasnap.delta;

/**
 * Encodes and validates record headers. A record is a 36-byte header followed by
 * {@code stored length} payload bytes. Every record kind of format major version 1, present or
 * future, starts with this header, so a reader can check the header checksum of a kind it does not
 * know and tell an unknown kind (UNSUPPORTED) from a damaged one (CORRUPT).
 *
 * <p>Byte layout (integers little-endian; {@code R} = offset of the record in the stream):
 *
 * <pre>
 * | offset | size | type | field           | bounds / meaning                                                  |
 * |--------|------|------|-----------------|-------------------------------------------------------------------|
 * | 0      | 1    | u8   | kind            | 1 DATA, 2 ZERO, 3 PATCH; 0xFF starts the trailer; else UNSUPPORTED |
 * | 1      | 1    | u8   | flags           | DATA: bit 0 COMPRESSED; all other bits, and other kinds: 0         |
 * | 2      | 2    | u16  | reserved        | 0                                                                 |
 * | 4      | 4    | u32  | stored length   | payload bytes: DATA raw = length; DATA compressed and PATCH:      |
 * |        |      |      |                 | 1 .. length-1; ZERO: 0                                            |
 * | 8      | 8    | u64  | volume offset   | multiple of chunk size, &lt; volume size, &gt;= end of the previous    |
 * |        |      |      |                 | record (= it, in a full delta)                                    |
 * | 16     | 8    | u64  | length          | content bytes, &gt;= 1, offset + length &lt;= volume size; a multiple |
 * |        |      |      |                 | of chunk size unless offset + length = volume size; DATA &lt;= 4 MiB,|
 * |        |      |      |                 | PATCH &lt;= chunk size (exactly one chunk)                           |
 * | 24     | 4    | u32  | content CRC32C  | CRC32C of the decoded content; ZERO: 0                            |
 * | 28     | 4    | u32  | payload CRC32C  | CRC32C of the stored payload (0 for an empty payload)             |
 * | 32     | 4    | u32  | header CRC32C   | CRC32C of bytes 0..31 of this header                              |
 * | 36     | stored length | bytes | payload | raw content, or one zstd frame (see docs/delta-format.md)    |
 * </pre>
 *
 * <p>The reader checks, in order: the header CRC; the kind; then every bound, in the order flags,
 * reserved, volume offset, length, stored length, content CRC (stored length depends on length);
 * only then does it read the payload, into a buffer no larger than {@link #MAX_RECORD_BYTES};
 * then the payload CRC; then it decodes and checks the content CRC. So no field read from the
 * stream can make the reader allocate more than one record's worth, and a damaged header is
 * reported before any of its fields is used.
 */
final class RecordFormat {
    static final int KIND_DATA = 1;
    static final int KIND_ZERO = 2;
    static final int KIND_PATCH = 3;
    static final int KIND_TRAILER = 0xFF;

    static final int FLAG_COMPRESSED = 1;

    static final int OFF_KIND = 0;
    static final int OFF_FLAGS = 1;
    static final int OFF_RESERVED = 2;
    static final int OFF_STORED = 4;
    static final int OFF_OFFSET = 8;
    static final int OFF_LENGTH = 16;
    static final int OFF_CONTENT_CRC = 24;
    static final int OFF_PAYLOAD_CRC = 28;
    static final int OFF_HEADER_CRC = 32;
    static final int HEADER_BYTES = 36;

    /** Largest content of one DATA record: 4 MiB. */
    static final int MAX_RECORD_BYTES = 4 << 20;

    private RecordFormat() {}

    /** The fields of a record header, as read; {@link #validate} decides whether they may be used. */
    record Header(int kind, int flags, int reserved, long storedLength, long offset, long length,
                  long contentCrc, long payloadCrc) {
        static Header parse(byte[] b) {
            return new Header(Bytes.u8(b, OFF_KIND), Bytes.u8(b, OFF_FLAGS), Bytes.u16(b, OFF_RESERVED),
                    Bytes.u32(b, OFF_STORED), Bytes.u64(b, OFF_OFFSET), Bytes.u64(b, OFF_LENGTH),
                    Bytes.u32(b, OFF_CONTENT_CRC), Bytes.u32(b, OFF_PAYLOAD_CRC));
        }

        boolean compressed() {
            return (flags & FLAG_COMPRESSED) != 0;
        }
    }

    static String kindName(int kind) {
        return switch (kind) {
            case KIND_DATA -> "DATA";
            case KIND_ZERO -> "ZERO";
            case KIND_PATCH -> "PATCH";
            case KIND_TRAILER -> "TRAILER";
            default -> "kind " + kind;
        };
    }

    /**
     * Checks a record header read into {@code b} (its kind byte is not the trailer's): its CRC,
     * its kind, then every field against its bounds. {@code at} is the stream offset of the
     * record, {@code cursor} the volume offset where the previous record ended.
     */
    static Header check(byte[] b, DeltaHeader dh, long cursor, long at) throws DeltaFormatException {
        long crc = Bytes.crc32c(b, 0, OFF_HEADER_CRC) & 0xFFFF_FFFFL;
        long stored = Bytes.u32(b, OFF_HEADER_CRC);
        int kind = Bytes.u8(b, OFF_KIND);
        boolean known = kind == KIND_DATA || kind == KIND_ZERO || kind == KIND_PATCH;
        if (crc != stored) {
            throw DeltaFormatException.corrupt(at, "record header checksum over bytes " + at + ".." + (at + OFF_HEADER_CRC - 1)
                    + (known ? "" : " (kind byte 0x" + Integer.toHexString(kind) + " is unknown too)"),
                    Bytes.crcString(stored) + " (stored)", Bytes.crcString(crc) + " (computed)");
        }
        if (!known) {
            throw DeltaFormatException.unsupported(at + OFF_KIND, "unknown record kind 0x" + Integer.toHexString(kind)
                    + " (this reader knows 0x1 DATA, 0x2 ZERO, 0x3 PATCH, 0xff TRAILER)");
        }
        Header h = Header.parse(b);
        validate(h, dh, cursor, at);
        return h;
    }

    private static void validate(Header h, DeltaHeader dh, long cursor, long at) throws DeltaFormatException {
        int kind = h.kind();
        if (kind == KIND_PATCH && dh.isFull()) {
            throw DeltaFormatException.corrupt(at + OFF_KIND, "PATCH record in a full delta (the header names no base)");
        }
        int allowedFlags = kind == KIND_DATA ? FLAG_COMPRESSED : 0;
        if ((h.flags() & ~allowedFlags) != 0) {
            throw DeltaFormatException.corrupt(at + OFF_FLAGS, kindName(kind) + " record flags",
                    allowedFlags == 0 ? "0x0" : "0x0 or 0x1", "0x" + Integer.toHexString(h.flags()));
        }
        if (h.reserved() != 0) {
            throw DeltaFormatException.corrupt(at + OFF_RESERVED, "reserved record field", 0, h.reserved());
        }
        long length = h.length();
        long stored = h.storedLength();
        long volumeSize = dh.volumeSize();
        long chunkSize = dh.chunkSize();
        long offset = h.offset();
        if (offset < 0 || offset >= volumeSize || offset % chunkSize != 0) {
            throw DeltaFormatException.corrupt(at + OFF_OFFSET, "record volume offset",
                    "a multiple of " + chunkSize + " below " + volumeSize, Bytes.u64String(offset));
        }
        if (dh.isFull() ? offset != cursor : offset < cursor) {
            throw DeltaFormatException.corrupt(at + OFF_OFFSET, "record volume offset",
                    (dh.isFull() ? "" : ">= ") + cursor + (dh.isFull() ? " (a full delta covers the volume in order)"
                            : " (records are in volume order and do not overlap)"), offset);
        }
        long room = volumeSize - offset;
        long max = switch (kind) {
            case KIND_DATA -> Math.min(MAX_RECORD_BYTES, room);
            case KIND_PATCH -> Math.min(chunkSize, room);
            default -> room;
        };
        if (length < 1 || length > max) {
            throw DeltaFormatException.corrupt(at + OFF_LENGTH, kindName(kind) + " record length", "1.." + max,
                    Bytes.u64String(length));
        }
        if (length != room && length % chunkSize != 0) {
            throw DeltaFormatException.corrupt(at + OFF_LENGTH, kindName(kind) + " record length",
                    "a multiple of " + chunkSize + " or " + room + " (to the volume end)", length);
        }
        if (kind == KIND_ZERO) {
            if (stored != 0) {
                throw DeltaFormatException.corrupt(at + OFF_STORED, "ZERO record stored length", 0, stored);
            }
            if (h.contentCrc() != 0) {
                throw DeltaFormatException.corrupt(at + OFF_CONTENT_CRC, "ZERO record content checksum", "0x00000000",
                        Bytes.crcString(h.contentCrc()));
            }
        } else if (kind == KIND_DATA && !h.compressed()) {
            if (stored != length) {
                throw DeltaFormatException.corrupt(at + OFF_STORED, "raw DATA record stored length", length, stored);
            }
        } else if (stored < 1 || stored >= length) {
            throw DeltaFormatException.corrupt(at + OFF_STORED, "compressed " + kindName(kind) + " record stored length",
                    "1.." + (length - 1), stored);
        }
    }

    /** Fills the header of {@code rec}, whose payload is already at offset 36, with both checksums. */
    static void seal(byte[] rec, int kind, int flags, long offset, long length, int contentCrc) {
        int stored = rec.length - HEADER_BYTES;
        rec[OFF_KIND] = (byte) kind;
        rec[OFF_FLAGS] = (byte) flags;
        Bytes.putU16(rec, OFF_RESERVED, 0);
        Bytes.putI32(rec, OFF_STORED, stored);
        Bytes.putU64(rec, OFF_OFFSET, offset);
        Bytes.putU64(rec, OFF_LENGTH, length);
        Bytes.putI32(rec, OFF_CONTENT_CRC, contentCrc);
        Bytes.putI32(rec, OFF_PAYLOAD_CRC, Bytes.crc32c(rec, HEADER_BYTES, stored));
        Bytes.putI32(rec, OFF_HEADER_CRC, Bytes.crc32c(rec, 0, OFF_HEADER_CRC));
    }

    static byte[] zeroRecord(long offset, long length) {
        byte[] rec = new byte[HEADER_BYTES];
        seal(rec, KIND_ZERO, 0, offset, length, 0);
        return rec;
    }
}
