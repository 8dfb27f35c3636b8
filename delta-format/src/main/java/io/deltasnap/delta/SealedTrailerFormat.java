package io.deltasnap.delta;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;

/**
 * Encodes and checks the trailer of a version 2 (encrypted) delta, its last {@value #TRAILER_BYTES}
 * bytes. Its first byte sits where the next frame's kind byte would, and is 0xFF. The per-kind
 * counts a version 1 trailer shows are sealed here, so the medium reveals only the number of
 * records; the hash chain and signature cover what is on the medium, so a reader without the
 * decryption key checks everything but the sealed counts and the records' contents.
 *
 * <p>Byte layout (integers little-endian; {@code T} = offset of the trailer in the stream):
 *
 * <pre>
 * | offset | size | type  | field          | meaning                                                  |
 * |--------|------|-------|----------------|----------------------------------------------------------|
 * | 0      | 1    | u8    | kind           | 0xFF                                                     |
 * | 1      | 7    | bytes | reserved       | 0                                                        |
 * | 8      | 8    | u64   | records n      | sealed records in the stream                             |
 * | 16     | 56   | bytes | sealed counts  | AES-256-GCM(data key, nonce(n, 1), AAD h0 || bytes 0..15) |
 * |        |      |       |                | of the five counts of a version 1 trailer (40 bytes)     |
 * | 72     | 32   | bytes | chain hash     | h_n over the header and the n frames                     |
 * | 104    | 64   | bytes | signature      | Ed25519 over the signed message                          |
 * | 168    | 4    | u32   | trailer CRC32C | CRC32C of bytes 0..167                                   |
 * </pre>
 *
 * <p>Signed message ({@value #SIGNED_BYTES} bytes): {@code deltasnap-delta-v2} (18 ASCII bytes),
 * h_n, then trailer bytes 8..71 (n and the sealed counts, as stored). The sealed counts are the
 * last AEAD message of the stream, under index n: a stream cut after record k &lt; n and given a
 * trailer naming k fails their tag (for a key holder) and the signature (for anyone).
 */
final class SealedTrailerFormat {
    static final int TRAILER_BYTES = DeltaLayout.SEALED_TRAILER_BYTES;
    static final int OFF_RESERVED = 1;
    static final int OFF_RECORDS = 8;
    static final int OFF_SEALED_COUNTS = 16;
    static final int COUNTS_BYTES = 40;
    static final int SEALED_COUNTS_BYTES = COUNTS_BYTES + Encryption.TAG_BYTES;
    static final int OFF_HASH = 72;
    static final int OFF_SIGNATURE = 104;
    static final int OFF_CRC = 168;
    static final byte[] DOMAIN = "deltasnap-delta-v2".getBytes(StandardCharsets.US_ASCII);
    static final int SIGNED_BYTES = 18 + 32 + 64;

    private SealedTrailerFormat() {}

    static byte[] encode(Chain chain, RecordCipher cipher, Ed25519PrivateKeyParameters key) {
        byte[] t = new byte[TRAILER_BYTES];
        t[0] = (byte) RecordFormat.KIND_TRAILER;
        Bytes.putU64(t, OFF_RECORDS, chain.records());
        byte[] counts = new byte[COUNTS_BYTES];
        Bytes.putU64(counts, 0, chain.dataRecords());
        Bytes.putU64(counts, 8, chain.zeroRecords());
        Bytes.putU64(counts, 16, chain.patchRecords());
        Bytes.putU64(counts, 24, chain.dataBytes());
        Bytes.putU64(counts, 32, chain.zeroBytes());
        byte[] sealed = cipher.sealCounts(chain.records(), counts, t, 0, OFF_SEALED_COUNTS);
        System.arraycopy(sealed, 0, t, OFF_SEALED_COUNTS, SEALED_COUNTS_BYTES);
        System.arraycopy(chain.value(), 0, t, OFF_HASH, Chain.HASH_BYTES);
        Ed25519Signer signer = new Ed25519Signer();
        signer.init(true, key);
        byte[] msg = signedMessage(t);
        signer.update(msg, 0, msg.length);
        System.arraycopy(signer.generateSignature(), 0, t, OFF_SIGNATURE, TrailerFormat.SIGNATURE_BYTES);
        Bytes.putI32(t, OFF_CRC, Bytes.crc32c(t, 0, OFF_CRC));
        return t;
    }

    static byte[] signedMessage(byte[] t) {
        byte[] m = new byte[SIGNED_BYTES];
        System.arraycopy(DOMAIN, 0, m, 0, DOMAIN.length);
        System.arraycopy(t, OFF_HASH, m, DOMAIN.length, Chain.HASH_BYTES);
        System.arraycopy(t, OFF_RECORDS, m, DOMAIN.length + Chain.HASH_BYTES, OFF_HASH - OFF_RECORDS);
        return m;
    }

    /** What anyone can check: CRC, reserved bytes, the record count and the chain hash. */
    static void check(byte[] t, long at, Chain chain) throws DeltaFormatException {
        long crc = Bytes.crc32c(t, 0, OFF_CRC) & 0xFFFF_FFFFL;
        if (crc != Bytes.u32(t, OFF_CRC)) {
            throw DeltaFormatException.corrupt(at, "trailer checksum over bytes " + at + ".." + (at + OFF_CRC - 1),
                    Bytes.crcString(Bytes.u32(t, OFF_CRC)) + " (stored)", Bytes.crcString(crc) + " (computed)");
        }
        for (int i = OFF_RESERVED; i < OFF_RECORDS; i++) {
            if (t[i] != 0) {
                throw DeltaFormatException.corrupt(at + i, "reserved trailer byte", 0, Bytes.u8(t, i));
            }
        }
        long n = Bytes.u64(t, OFF_RECORDS);
        if (n != chain.records()) {
            throw DeltaFormatException.corrupt(at + OFF_RECORDS, "trailer record count", chain.records()
                    + " (what the stream holds)", Bytes.u64String(n) + " (stored)");
        }
        byte[] h = chain.value();
        if (!Arrays.equals(t, OFF_HASH, OFF_HASH + Chain.HASH_BYTES, h, 0, Chain.HASH_BYTES)) {
            throw DeltaFormatException.corrupt(at + OFF_HASH, "trailer chain hash",
                    Bytes.hex(h, 0, h.length) + " (computed over the header and records)",
                    Bytes.hex(t, OFF_HASH, Chain.HASH_BYTES) + " (stored)");
        }
    }

    /** What a key holder checks on top: the sealed counts open and equal what the records held. */
    static void checkSealed(byte[] t, long at, Chain chain, DeltaHeader header, RecordCipher cipher)
            throws DeltaFormatException {
        byte[] c = cipher.openCounts(Bytes.u64(t, OFF_RECORDS), t, OFF_SEALED_COUNTS, SEALED_COUNTS_BYTES, t, 0,
                OFF_SEALED_COUNTS);
        if (c == null) {
            throw DeltaFormatException.corrupt(at + OFF_SEALED_COUNTS, "the trailer's sealed counts do not authenticate "
                    + "(altered, or the stream was cut and given another trailer)");
        }
        long[] seen = {chain.dataRecords(), chain.zeroRecords(), chain.patchRecords(), chain.dataBytes(), chain.zeroBytes()};
        String[] what = {"DATA record count", "ZERO record count", "PATCH record count", "data byte count", "zero byte count"};
        for (int i = 0; i < seen.length; i++) {
            long v = Bytes.u64(c, 8 * i);
            if (v != seen[i]) {
                throw DeltaFormatException.corrupt(at + OFF_SEALED_COUNTS + 8 * i, "sealed trailer " + what[i],
                        seen[i] + " (what the stream holds)", Bytes.u64String(v) + " (stored)");
            }
        }
        if (header.isFull() && chain.volumeCursor() != header.volumeSize()) {
            throw DeltaFormatException.corrupt(at, "end of a full delta's records (a full delta covers the whole volume)",
                    "volume offset " + header.volumeSize(), "volume offset " + chain.volumeCursor());
        }
    }

    static boolean verify(byte[] t, byte[] publicKey) {
        return TrailerFormat.verifySignature(signedMessage(t), t, OFF_SIGNATURE, publicKey);
    }
}
