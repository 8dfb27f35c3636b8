package io.deltasnap.delta;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Seals and opens the records of a version 2 delta with its data key (AES-256-GCM). A sealed
 * record is a frame: an 8-byte frame header, then the AEAD ciphertext of the whole version 1
 * record (its 36-byte record header and payload), tag appended.
 *
 * <pre>
 * | offset | size | type  | field          | meaning                                                   |
 * |--------|------|-------|----------------|-----------------------------------------------------------|
 * | 0      | 1    | u8    | kind           | 0x53 ('S', sealed record); 0xFF starts the trailer        |
 * | 1      | 3    | bytes | reserved       | 0                                                         |
 * | 4      | 4    | u32   | sealed length S| 36 + 16 .. 36 + 4 MiB + 16: ciphertext and tag bytes      |
 * | 8      | S    | bytes | ciphertext     | AES-256-GCM(data key, nonce(i, 0), AAD, record_i)          |
 * </pre>
 *
 * <p>{@code nonce(i, d)} is 12 bytes: the u64 record index i (0 for the first record) then the
 * u32 domain d (0 records, 1 the trailer's counts), little-endian. The AAD is h0 (SHA-256 of the
 * header bytes, recipients included) followed by the 8-byte frame header. So a record opens only
 * in its own delta (h0 and, through the fresh data key, the key), at its own position (i), with
 * its own length; reordering, dropping or splicing records fails the tag.
 *
 * <p>GCM is a stream cipher: plaintext byte k of a record sits at stream offset R + 8 + k, so a
 * decrypted field is reported at its true offset on the medium.
 *
 * <p>Speed: the JDK's GCM reaches its AES and GHASH intrinsics only once the JIT has compiled
 * them, and one {@code doFinal} over a 1 MiB record runs interpreted for the first GiB or so
 * (70 MB/s measured, against 3 GB/s compiled). So records are encrypted in {@value #SLICE}-byte
 * {@code update}s, which get compiled within the first megabytes; and since GCM decryption
 * buffers the whole message until {@code doFinal}, a record is opened as GCM defines it
 * instead: AES-CTR from counter block 2 gives the plaintext, then encrypting that plaintext again
 * under the same nonce and AAD gives the tag of the stored ciphertext, compared in constant time
 * before any plaintext is used. (GCM encryption is deterministic: it gives back the stored
 * ciphertext and its tag exactly when they are genuine.)
 */
final class RecordCipher {
    static final int KIND_SEALED = 0x53;
    static final int FRAME_HEADER_BYTES = 8;
    static final int OFF_SEALED_LENGTH = 4;
    static final int MIN_SEALED = RecordFormat.HEADER_BYTES + Encryption.TAG_BYTES;
    static final int MAX_SEALED = RecordFormat.HEADER_BYTES + RecordFormat.MAX_RECORD_BYTES + Encryption.TAG_BYTES;
    static final int DOMAIN_RECORD = 0;
    static final int DOMAIN_TRAILER = 1;
    /** Bytes per {@code Cipher.update}: small calls get the intrinsics compiled early (see the class comment). */
    static final int SLICE = 2048;

    private final SecretKeySpec key;
    private final byte[] h0;
    private final Cipher cipher;
    private final Cipher ctr;
    private final byte[] nonce = new byte[Encryption.NONCE_BYTES];
    private final byte[] counter = new byte[16];

    RecordCipher(byte[] dataKey, byte[] h0) {
        assert dataKey.length == Encryption.KEY_BYTES && h0.length == Chain.HASH_BYTES;
        this.key = new SecretKeySpec(dataKey, "AES");
        this.h0 = h0.clone();
        try {
            this.cipher = Cipher.getInstance("AES/GCM/NoPadding");
            this.ctr = Cipher.getInstance("AES/CTR/NoPadding");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-256-GCM is part of every Java 17 platform", e);
        }
    }

    /** The frame of record {@code index}: frame header and ciphertext of {@code record}. */
    byte[] seal(long index, byte[] record) {
        int sealed = record.length + Encryption.TAG_BYTES;
        byte[] frame = new byte[FRAME_HEADER_BYTES + sealed];
        frame[0] = (byte) KIND_SEALED;
        Bytes.putI32(frame, OFF_SEALED_LENGTH, sealed);
        init(Cipher.ENCRYPT_MODE, index, DOMAIN_RECORD, frame, 0, FRAME_HEADER_BYTES);
        int n = encrypt(record, 0, record.length, frame, FRAME_HEADER_BYTES);
        assert n == sealed;
        return frame;
    }

    /** GCM-encrypts {@code len} bytes (the cipher initialized) in slices; returns the bytes written, tag included. */
    private int encrypt(byte[] in, int off, int len, byte[] out, int outOff) {
        try {
            int o = outOff;
            int p = off;
            for (; len - (p - off) > SLICE; p += SLICE) {
                o += cipher.update(in, p, SLICE, out, o);
            }
            o += cipher.doFinal(in, p, len - (p - off), out, o);
            return o - outOff;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM encryption failed", e);
        }
    }

    /**
     * Opens record {@code index} from its frame ({@code frameLength} bytes of {@code frame}) into
     * a fresh array holding the version 1 record.
     *
     * @throws DeltaFormatException CORRUPT at {@code at} (the frame's stream offset) if the tag fails
     */
    byte[] open(long index, byte[] frame, int frameLength, long at) throws DeltaFormatException {
        int n = frameLength - FRAME_HEADER_BYTES - Encryption.TAG_BYTES;
        byte[] plain = new byte[n];
        Bytes.putU64(counter, 0, index);
        Bytes.putI32(counter, 8, DOMAIN_RECORD);
        counter[12] = 0;
        counter[13] = 0;
        counter[14] = 0;
        counter[15] = 2; // GCM: counter block 1 encrypts the tag, the data starts at 2
        try {
            ctr.init(Cipher.DECRYPT_MODE, key, new IvParameterSpec(counter));
            for (int p = 0; p < n; p += SLICE) {
                ctr.update(frame, FRAME_HEADER_BYTES + p, Math.min(SLICE, n - p), plain, p);
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-CTR decryption failed", e);
        }
        init(Cipher.ENCRYPT_MODE, index, DOMAIN_RECORD, frame, 0, FRAME_HEADER_BYTES);
        byte[] again = new byte[n + Encryption.TAG_BYTES];
        encrypt(plain, 0, n, again, 0);
        if (!MessageDigest.isEqual(Arrays.copyOfRange(again, n, n + Encryption.TAG_BYTES),
                Arrays.copyOfRange(frame, FRAME_HEADER_BYTES + n, frameLength))) {
            throw DeltaFormatException.corrupt(at, "sealed record " + index + " (bytes " + at + ".." + (at + frameLength - 1)
                    + ") does not authenticate: altered, moved from another position, or from another delta");
        }
        return plain;
    }

    /** Seals the trailer's five counts (40 bytes) under nonce (n, 1); AAD h0 and {@code aad}. */
    byte[] sealCounts(long n, byte[] counts, byte[] aad, int aadOff, int aadLen) {
        init(Cipher.ENCRYPT_MODE, n, DOMAIN_TRAILER, aad, aadOff, aadLen);
        try {
            return cipher.doFinal(counts);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM encryption failed", e);
        }
    }

    /** Opens what {@link #sealCounts} made; null if it does not authenticate. */
    byte[] openCounts(long n, byte[] sealed, int off, int len, byte[] aad, int aadOff, int aadLen) {
        init(Cipher.DECRYPT_MODE, n, DOMAIN_TRAILER, aad, aadOff, aadLen);
        try {
            return cipher.doFinal(sealed, off, len);
        } catch (AEADBadTagException e) {
            return null;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM decryption failed", e);
        }
    }

    private void init(int mode, long index, int domain, byte[] aad, int aadOff, int aadLen) {
        Bytes.putU64(nonce, 0, index);
        Bytes.putI32(nonce, 8, domain);
        try {
            cipher.init(mode, key, new GCMParameterSpec(8 * Encryption.TAG_BYTES, nonce));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM key or nonce refused", e);
        }
        cipher.updateAAD(h0);
        cipher.updateAAD(aad, aadOff, aadLen);
    }
}
