package io.deltasnap.delta;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;

/**
 * Encodes and checks the trailer, the last {@value #TRAILER_BYTES} bytes of a delta stream. Its
 * first byte sits where the next record's kind byte would, and is 0xFF.
 *
 * <p>Byte layout (integers little-endian; {@code T} = offset of the trailer in the stream):
 *
 * <pre>
 * | offset | size | type  | field          | meaning                                                 |
 * |--------|------|-------|----------------|---------------------------------------------------------|
 * | 0      | 1    | u8    | kind           | 0xFF                                                    |
 * | 1      | 7    | bytes | reserved       | 0                                                       |
 * | 8      | 8    | u64   | data records   | number of DATA records                                  |
 * | 16     | 8    | u64   | zero records   | number of ZERO records                                  |
 * | 24     | 8    | u64   | patch records  | number of PATCH records                                 |
 * | 32     | 8    | u64   | data bytes     | sum of DATA and PATCH content lengths (uncompressed)    |
 * | 40     | 8    | u64   | zero bytes     | sum of ZERO lengths                                     |
 * | 48     | 32   | bytes | chain hash     | h_n, the hash chain after the last record               |
 * | 80     | 64   | bytes | signature      | Ed25519 (RFC 8032, pure) over the signed message        |
 * | 144    | 4    | u32   | trailer CRC32C | CRC32C of bytes 0..143                                  |
 * </pre>
 *
 * <p>Signed message ({@value #SIGNED_BYTES} bytes): the 18 ASCII bytes {@code deltasnap-delta-v1},
 * then h_n (32 bytes), then trailer bytes 8..47 (the five counts, as encoded above). The header is
 * bound through h0, every record through the chain, so one signature covers the whole stream.
 */
final class TrailerFormat {
    static final int TRAILER_BYTES = DeltaLayout.TRAILER_BYTES;
    static final int OFF_RESERVED = 1;
    static final int OFF_DATA_RECORDS = 8;
    static final int OFF_ZERO_RECORDS = 16;
    static final int OFF_PATCH_RECORDS = 24;
    static final int OFF_DATA_BYTES = 32;
    static final int OFF_ZERO_BYTES = 40;
    static final int OFF_HASH = 48;
    static final int OFF_SIGNATURE = 80;
    static final int OFF_CRC = 144;
    static final int SIGNATURE_BYTES = 64;
    static final byte[] DOMAIN = "deltasnap-delta-v1".getBytes(StandardCharsets.US_ASCII);
    static final int SIGNED_BYTES = 18 + 32 + 40;

    private TrailerFormat() {}

    static byte[] encode(Chain chain, Ed25519PrivateKeyParameters key) {
        byte[] t = new byte[TRAILER_BYTES];
        t[0] = (byte) RecordFormat.KIND_TRAILER;
        Bytes.putU64(t, OFF_DATA_RECORDS, chain.dataRecords());
        Bytes.putU64(t, OFF_ZERO_RECORDS, chain.zeroRecords());
        Bytes.putU64(t, OFF_PATCH_RECORDS, chain.patchRecords());
        Bytes.putU64(t, OFF_DATA_BYTES, chain.dataBytes());
        Bytes.putU64(t, OFF_ZERO_BYTES, chain.zeroBytes());
        System.arraycopy(chain.value(), 0, t, OFF_HASH, Chain.HASH_BYTES);
        Ed25519Signer signer = new Ed25519Signer();
        signer.init(true, key);
        byte[] msg = signedMessage(t);
        signer.update(msg, 0, msg.length);
        System.arraycopy(signer.generateSignature(), 0, t, OFF_SIGNATURE, SIGNATURE_BYTES);
        Bytes.putI32(t, OFF_CRC, Bytes.crc32c(t, 0, OFF_CRC));
        return t;
    }

    /** The message the signature covers: domain || h_n || the five counts. */
    static byte[] signedMessage(byte[] trailer) {
        byte[] m = new byte[SIGNED_BYTES];
        System.arraycopy(DOMAIN, 0, m, 0, DOMAIN.length);
        System.arraycopy(trailer, OFF_HASH, m, DOMAIN.length, Chain.HASH_BYTES);
        System.arraycopy(trailer, OFF_DATA_RECORDS, m, DOMAIN.length + Chain.HASH_BYTES, OFF_HASH - OFF_DATA_RECORDS);
        return m;
    }

    /**
     * Checks the trailer's CRC, reserved bytes, counts and chain hash against what the reader saw.
     * {@code at} is the stream offset of the trailer.
     */
    static void check(byte[] t, long at, Chain chain, DeltaHeader header) throws DeltaFormatException {
        long crc = Bytes.crc32c(t, 0, OFF_CRC) & 0xFFFF_FFFFL;
        if (crc != Bytes.u32(t, OFF_CRC)) {
            throw DeltaFormatException.corrupt(at, "trailer checksum over bytes " + at + ".." + (at + OFF_CRC - 1),
                    Bytes.crcString(Bytes.u32(t, OFF_CRC)) + " (stored)", Bytes.crcString(crc) + " (computed)");
        }
        for (int i = OFF_RESERVED; i < OFF_DATA_RECORDS; i++) {
            if (t[i] != 0) {
                throw DeltaFormatException.corrupt(at + i, "reserved trailer byte", 0, Bytes.u8(t, i));
            }
        }
        checkCount(t, at, OFF_DATA_RECORDS, "DATA record count", chain.dataRecords());
        checkCount(t, at, OFF_ZERO_RECORDS, "ZERO record count", chain.zeroRecords());
        checkCount(t, at, OFF_PATCH_RECORDS, "PATCH record count", chain.patchRecords());
        checkCount(t, at, OFF_DATA_BYTES, "data byte count", chain.dataBytes());
        checkCount(t, at, OFF_ZERO_BYTES, "zero byte count", chain.zeroBytes());
        if (header.isFull() && chain.volumeCursor() != header.volumeSize()) {
            throw DeltaFormatException.corrupt(at, "end of a full delta's records (a full delta covers the whole volume)",
                    "volume offset " + header.volumeSize(), "volume offset " + chain.volumeCursor());
        }
        byte[] h = chain.value();
        if (!Arrays.equals(t, OFF_HASH, OFF_HASH + Chain.HASH_BYTES, h, 0, Chain.HASH_BYTES)) {
            throw DeltaFormatException.corrupt(at + OFF_HASH, "trailer chain hash",
                    Bytes.hex(h, 0, h.length) + " (computed over the header and records)",
                    Bytes.hex(t, OFF_HASH, Chain.HASH_BYTES) + " (stored)");
        }
    }

    private static void checkCount(byte[] t, long at, int off, String what, long seen) throws DeltaFormatException {
        long v = Bytes.u64(t, off);
        if (v != seen) {
            throw DeltaFormatException.corrupt(at + off, "trailer " + what, seen + " (what the stream holds)",
                    Bytes.u64String(v) + " (stored)");
        }
    }

    /** Verifies the signature with a 32-byte public key; false for a bad signature or an invalid key encoding. */
    static boolean verify(byte[] t, byte[] publicKey) {
        return verifySignature(signedMessage(t), t, OFF_SIGNATURE, publicKey);
    }

    /** Verifies the 64-byte Ed25519 signature at {@code sigOff} of {@code t} over {@code msg}. */
    static boolean verifySignature(byte[] msg, byte[] t, int sigOff, byte[] publicKey) {
        Ed25519PublicKeyParameters pub;
        try {
            pub = new Ed25519PublicKeyParameters(publicKey, 0);
        } catch (IllegalArgumentException e) {
            return false; // not a point on the curve: nothing can verify with it
        }
        Ed25519Signer v = new Ed25519Signer();
        v.init(false, pub);
        v.update(msg, 0, msg.length);
        return v.verifySignature(Arrays.copyOfRange(t, sigOff, sigOff + SIGNATURE_BYTES));
    }
}
