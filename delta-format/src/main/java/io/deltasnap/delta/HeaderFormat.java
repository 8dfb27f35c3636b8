package io.deltasnap.delta;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.UUID;

/**
 * Encodes and decodes the delta header, the first bytes of every delta stream.
 *
 * <p>Byte layout (integers little-endian, UUIDs in printed byte order, {@code n} = name length,
 * {@code L} = header length):
 *
 * <pre>
 * | offset | size | type   | field            | bounds / meaning                                        |
 * |--------|------|--------|------------------|---------------------------------------------------------|
 * | 0      | 8    | bytes  | magic            | 89 44 53 44 45 4C 54 0A ("\x89DSDELT\n")                |
 * | 8      | 2    | u16    | major version    | 1 plain, 2 encrypted; other values: UNSUPPORTED         |
 * | 10     | 2    | u16    | minor version    | 0 written; any value accepted                           |
 * | 12     | 4    | u32    | header length L  | 148 + n .. 4096, includes the CRC                       |
 * | 16     | 4    | u32    | flags            | bit 0 HAS_BASE, bit 1 TARGET_WRITABLE, others 0         |
 * | 20     | 4    | u32    | chunk size       | power of two, 4096 .. 1048576                           |
 * | 24     | 8    | u64    | volume size      | 1 .. 2^63-1 bytes                                       |
 * | 32     | 16   | uuid   | volume UUID      |                                                         |
 * | 48     | 8    | u64    | base snapshot ID | 0 .. 2^63-1; 0 when HAS_BASE is clear                   |
 * | 56     | 16   | uuid   | base UUID        | all zero when HAS_BASE is clear                         |
 * | 72     | 8    | u64    | target ID        | 0 .. 2^63-1                                             |
 * | 80     | 16   | uuid   | target UUID      |                                                         |
 * | 96     | 8    | i64    | target created   | milliseconds since 1970-01-01T00:00Z                    |
 * | 104    | 1    | u8     | codec            | 1 = zstd; any other value: UNSUPPORTED                  |
 * | 105    | 1    | u8     | reserved         | 0                                                       |
 * | 106    | 2    | u16    | name length n    | 0 .. 255                                                |
 * | 108    | 4    | i32    | zstd level       | -131072 .. 22 (informative)                             |
 * | 112    | 32   | bytes  | signer key       | Ed25519 public key (RFC 8032 encoding)                  |
 * | 144    | n    | utf-8  | target name      | valid UTF-8                                             |
 * | 144+n  | 4+88r | bytes | encryption     | major version 2 only: see {@link Encryption}           |
 * | ...    | ...  | bytes  | extension        | minor versions &gt; 0 only; skipped, but checksummed    |
 * | L-4    | 4    | u32    | header CRC32C    | CRC32C of bytes 0 .. L-5                                |
 * </pre>
 *
 * <p>Checks run in this order: magic, major version, header length (these three before the rest
 * is read, since a future major version may lay the rest out differently), then the CRC, then
 * every field in offset order.
 */
final class HeaderFormat {
    static final byte[] MAGIC = {(byte) 0x89, 'D', 'S', 'D', 'E', 'L', 'T', '\n'};
    static final int MAJOR = 1;
    /** Major version of an encrypted delta: the encryption section follows the name, records are sealed. */
    static final int MAJOR_SEALED = 2;
    static final int MINOR = 0;
    static final int CODEC_ZSTD = 1;

    static final int FLAG_HAS_BASE = 1;
    static final int FLAG_TARGET_WRITABLE = 2;
    static final int KNOWN_FLAGS = FLAG_HAS_BASE | FLAG_TARGET_WRITABLE;

    static final int OFF_MAGIC = 0;
    static final int OFF_MAJOR = 8;
    static final int OFF_MINOR = 10;
    static final int OFF_LENGTH = 12;
    static final int OFF_FLAGS = 16;
    static final int OFF_CHUNK_SIZE = 20;
    static final int OFF_VOLUME_SIZE = 24;
    static final int OFF_VOLUME_UUID = 32;
    static final int OFF_BASE_ID = 48;
    static final int OFF_BASE_UUID = 56;
    static final int OFF_TARGET_ID = 72;
    static final int OFF_TARGET_UUID = 80;
    static final int OFF_CREATED = 96;
    static final int OFF_CODEC = 104;
    static final int OFF_RESERVED = 105;
    static final int OFF_NAME_LENGTH = 106;
    static final int OFF_LEVEL = 108;
    static final int OFF_SIGNER = DeltaLayout.SIGNER_KEY_OFFSET;
    static final int OFF_NAME = 144;
    /** Bytes before the name plus the trailing CRC: the smallest header (empty name) is this long. */
    static final int FIXED_BYTES = DeltaLayout.MIN_HEADER_BYTES;
    /** Bytes read before the header length is known. */
    static final int PREFIX_BYTES = 16;
    static final int MAX_HEADER_BYTES = DeltaLayout.MAX_HEADER_BYTES;

    private static final UUID ZERO_UUID = new UUID(0, 0);

    private HeaderFormat() {}

    /**
     * A decoded header together with its exact bytes (hashed into the chain as h0) and, for major
     * version 2, its encryption section (null for version 1).
     */
    record Decoded(DeltaHeader header, byte[] bytes, Encryption.Section sealing) {}

    static byte[] encode(DeltaHeader h) {
        return encode(h, null);
    }

    /** Encodes a version 1 header, or a version 2 one when {@code sealing} is given. */
    static byte[] encode(DeltaHeader h, Encryption.Section sealing) {
        byte[] name = TargetSnapshot.utf8(h.target().name());
        int len = FIXED_BYTES + name.length + (sealing == null ? 0 : sealing.bytes());
        byte[] b = new byte[len];
        System.arraycopy(MAGIC, 0, b, OFF_MAGIC, MAGIC.length);
        Bytes.putU16(b, OFF_MAJOR, sealing == null ? MAJOR : MAJOR_SEALED);
        Bytes.putU16(b, OFF_MINOR, MINOR);
        Bytes.putI32(b, OFF_LENGTH, len);
        int flags = (h.base() != null ? FLAG_HAS_BASE : 0) | (h.target().writable() ? FLAG_TARGET_WRITABLE : 0);
        Bytes.putI32(b, OFF_FLAGS, flags);
        Bytes.putI32(b, OFF_CHUNK_SIZE, h.chunkSize());
        Bytes.putU64(b, OFF_VOLUME_SIZE, h.volumeSize());
        Bytes.putUuid(b, OFF_VOLUME_UUID, h.volume());
        if (h.base() != null) {
            Bytes.putU64(b, OFF_BASE_ID, h.base().id());
            Bytes.putUuid(b, OFF_BASE_UUID, h.base().uuid());
        }
        Bytes.putU64(b, OFF_TARGET_ID, h.target().id());
        Bytes.putUuid(b, OFF_TARGET_UUID, h.target().uuid());
        Bytes.putU64(b, OFF_CREATED, h.target().createdMillis());
        b[OFF_CODEC] = CODEC_ZSTD;
        Bytes.putU16(b, OFF_NAME_LENGTH, name.length);
        Bytes.putI32(b, OFF_LEVEL, h.compressionLevel());
        System.arraycopy(h.signerKey(), 0, b, OFF_SIGNER, DeltaHeader.KEY_BYTES);
        System.arraycopy(name, 0, b, OFF_NAME, name.length);
        if (sealing != null) {
            assert sealing.offset() == OFF_NAME + name.length;
            Encryption.encode(sealing, b, OFF_NAME + name.length);
        }
        Bytes.putI32(b, len - 4, Bytes.crc32c(b, 0, len - 4));
        return b;
    }

    /** Reads and validates a header from the start of a stream (offset 0). */
    static Decoded read(StreamInput in) throws IOException {
        assert in.position() == 0;
        byte[] prefix = new byte[PREFIX_BYTES];
        in.readFully(prefix, 0, PREFIX_BYTES, "header");
        for (int i = 0; i < MAGIC.length; i++) {
            if (prefix[i] != MAGIC[i]) {
                throw DeltaFormatException.corrupt(i, "not a deltasnap delta: magic",
                        Bytes.hex(MAGIC, 0, MAGIC.length), Bytes.hex(prefix, 0, MAGIC.length));
            }
        }
        int major = Bytes.u16(prefix, OFF_MAJOR);
        if (major != MAJOR && major != MAJOR_SEALED) {
            throw DeltaFormatException.unsupported(OFF_MAJOR, "format major version " + major
                    + " (this reader reads major versions " + MAJOR + " and " + MAJOR_SEALED + ")");
        }
        long len = Bytes.u32(prefix, OFF_LENGTH);
        if (len < FIXED_BYTES || len > MAX_HEADER_BYTES) {
            throw DeltaFormatException.corrupt(OFF_LENGTH, "header length", FIXED_BYTES + ".." + MAX_HEADER_BYTES, len);
        }
        byte[] b = Arrays.copyOf(prefix, (int) len);
        in.readFully(b, PREFIX_BYTES, (int) len - PREFIX_BYTES, "header");
        DeltaHeader h = decode(b);
        Encryption.Section sealing = major == MAJOR_SEALED
                ? Encryption.decode(b, OFF_NAME + TargetSnapshot.utf8(h.target().name()).length, (int) len - 4) : null;
        return new Decoded(h, b, sealing);
    }

    /** Validates every field of a complete header whose prefix checks have passed. */
    private static DeltaHeader decode(byte[] b) throws DeltaFormatException {
        int len = b.length;
        long storedCrc = Bytes.u32(b, len - 4);
        long crc = Bytes.crc32c(b, 0, len - 4) & 0xFFFF_FFFFL;
        if (crc != storedCrc) {
            throw DeltaFormatException.corrupt(0, "header checksum over bytes 0.." + (len - 5),
                    Bytes.crcString(storedCrc) + " (stored)", Bytes.crcString(crc) + " (computed)");
        }
        long flags = Bytes.u32(b, OFF_FLAGS);
        if ((flags & ~KNOWN_FLAGS) != 0) {
            throw DeltaFormatException.corrupt(OFF_FLAGS, "header flags", "only bits 0x3", "0x" + Long.toHexString(flags));
        }
        long chunkSize = Bytes.u32(b, OFF_CHUNK_SIZE);
        if (!DeltaHeader.validChunkSize(chunkSize)) {
            throw DeltaFormatException.corrupt(OFF_CHUNK_SIZE, "chunk size", "a power of two 4096..1048576", chunkSize);
        }
        long volumeSize = Bytes.u64(b, OFF_VOLUME_SIZE);
        if (volumeSize < 1) {
            throw DeltaFormatException.corrupt(OFF_VOLUME_SIZE, "volume size", "1..2^63-1", Bytes.u64String(volumeSize));
        }
        UUID volume = Bytes.uuid(b, OFF_VOLUME_UUID);
        long baseId = Bytes.u64(b, OFF_BASE_ID);
        UUID baseUuid = Bytes.uuid(b, OFF_BASE_UUID);
        SnapshotRef base = null;
        if ((flags & FLAG_HAS_BASE) != 0) {
            if (baseId < 0) {
                throw DeltaFormatException.corrupt(OFF_BASE_ID, "base snapshot id", "0..2^63-1", Bytes.u64String(baseId));
            }
            base = new SnapshotRef(baseId, baseUuid);
        } else {
            if (baseId != 0) {
                throw DeltaFormatException.corrupt(OFF_BASE_ID, "base snapshot id of a full delta", 0, Bytes.u64String(baseId));
            }
            if (!baseUuid.equals(ZERO_UUID)) {
                throw DeltaFormatException.corrupt(OFF_BASE_UUID, "base UUID of a full delta", ZERO_UUID, baseUuid);
            }
        }
        long targetId = Bytes.u64(b, OFF_TARGET_ID);
        if (targetId < 0) {
            throw DeltaFormatException.corrupt(OFF_TARGET_ID, "target snapshot id", "0..2^63-1", Bytes.u64String(targetId));
        }
        UUID targetUuid = Bytes.uuid(b, OFF_TARGET_UUID);
        long created = Bytes.u64(b, OFF_CREATED);
        int codec = Bytes.u8(b, OFF_CODEC);
        if (codec != CODEC_ZSTD) {
            throw DeltaFormatException.unsupported(OFF_CODEC, "codec " + codec + " (this reader knows 1 = zstd)");
        }
        if (b[OFF_RESERVED] != 0) {
            throw DeltaFormatException.corrupt(OFF_RESERVED, "reserved header byte", 0, Bytes.u8(b, OFF_RESERVED));
        }
        int nameLength = Bytes.u16(b, OFF_NAME_LENGTH);
        if (nameLength > TargetSnapshot.MAX_NAME_BYTES || FIXED_BYTES + nameLength > len) {
            throw DeltaFormatException.corrupt(OFF_NAME_LENGTH, "name length",
                    "0.." + Math.min(TargetSnapshot.MAX_NAME_BYTES, len - FIXED_BYTES), nameLength);
        }
        int level = Bytes.i32(b, OFF_LEVEL);
        if (level < DeltaHeader.MIN_LEVEL || level > DeltaHeader.MAX_LEVEL) {
            throw DeltaFormatException.corrupt(OFF_LEVEL, "zstd level", DeltaHeader.MIN_LEVEL + ".." + DeltaHeader.MAX_LEVEL, level);
        }
        byte[] signer = Arrays.copyOfRange(b, OFF_SIGNER, OFF_SIGNER + DeltaHeader.KEY_BYTES);
        String name;
        try {
            name = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(b, OFF_NAME, nameLength)).toString();
        } catch (CharacterCodingException e) {
            throw DeltaFormatException.corrupt(OFF_NAME, "target name", "valid UTF-8", Bytes.hex(b, OFF_NAME, nameLength));
        }
        TargetSnapshot target = new TargetSnapshot(targetId, targetUuid, name, created, (flags & FLAG_TARGET_WRITABLE) != 0);
        return new DeltaHeader(volume, (int) chunkSize, volumeSize, base, target, level, signer);
    }
}
