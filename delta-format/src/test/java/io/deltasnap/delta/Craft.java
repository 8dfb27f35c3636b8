package io.deltasnap.delta;

import java.io.ByteArrayOutputStream;
import java.util.List;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;

/** Builds streams by hand, with any field values and valid checksums, to test the reader's checks. */
final class Craft {
    private Craft() {}

    /** A record with the given raw field values; both CRCs are made valid. */
    static byte[] record(int kind, int flags, long stored, long offset, long length, int contentCrc, byte[] payload) {
        byte[] r = new byte[RecordFormat.HEADER_BYTES + payload.length];
        System.arraycopy(payload, 0, r, RecordFormat.HEADER_BYTES, payload.length);
        r[RecordFormat.OFF_KIND] = (byte) kind;
        r[RecordFormat.OFF_FLAGS] = (byte) flags;
        Bytes.putI32(r, RecordFormat.OFF_STORED, (int) stored);
        Bytes.putU64(r, RecordFormat.OFF_OFFSET, offset);
        Bytes.putU64(r, RecordFormat.OFF_LENGTH, length);
        Bytes.putI32(r, RecordFormat.OFF_CONTENT_CRC, contentCrc);
        Bytes.putI32(r, RecordFormat.OFF_PAYLOAD_CRC, Bytes.crc32c(payload, 0, payload.length));
        resealHeader(r, 0);
        return r;
    }

    /** A correct raw DATA record. */
    static byte[] rawData(long offset, byte[] content) {
        return record(RecordFormat.KIND_DATA, 0, content.length, offset, content.length,
                Bytes.crc32c(content, 0, content.length), content);
    }

    static byte[] zero(long offset, long length) {
        return RecordFormat.zeroRecord(offset, length);
    }

    static void resealHeader(byte[] b, int recordStart) {
        Bytes.putI32(b, recordStart + RecordFormat.OFF_HEADER_CRC, Bytes.crc32c(b, recordStart, RecordFormat.OFF_HEADER_CRC));
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    /** Header bytes, records and a trailer that signs exactly what precedes it. */
    static byte[] signed(byte[] headerBytes, List<byte[]> records, Ed25519PrivateKeyParameters key) {
        Chain chain = Chain.start(headerBytes);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(headerBytes);
        for (byte[] r : records) {
            chain.add(Bytes.u8(r, 0), Bytes.u64(r, RecordFormat.OFF_OFFSET), Bytes.u64(r, RecordFormat.OFF_LENGTH), r);
            out.writeBytes(r);
        }
        out.writeBytes(TrailerFormat.encode(chain, key));
        return out.toByteArray();
    }

    /** Re-signs a trailer (at {@code at} in {@code delta}) after its fields were edited, and fixes its CRC. */
    static void resign(byte[] delta, int at, Ed25519PrivateKeyParameters key) {
        byte[] t = java.util.Arrays.copyOfRange(delta, at, at + TrailerFormat.TRAILER_BYTES);
        Ed25519Signer s = new Ed25519Signer();
        s.init(true, key);
        byte[] m = TrailerFormat.signedMessage(t);
        s.update(m, 0, m.length);
        System.arraycopy(s.generateSignature(), 0, delta, at + TrailerFormat.OFF_SIGNATURE, TrailerFormat.SIGNATURE_BYTES);
        recrcTrailer(delta, at);
    }

    static void recrcTrailer(byte[] delta, int at) {
        Bytes.putI32(delta, at + TrailerFormat.OFF_CRC, Bytes.crc32c(delta, at, TrailerFormat.OFF_CRC));
    }

    static void recrcHeader(byte[] h) {
        Bytes.putI32(h, h.length - 4, Bytes.crc32c(h, 0, h.length - 4));
    }
}
