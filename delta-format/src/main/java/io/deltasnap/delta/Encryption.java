package io.deltasnap.delta;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.crypto.agreement.X25519Agreement;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.params.HKDFParameters;
import org.bouncycastle.crypto.params.X25519PrivateKeyParameters;

/**
 * The encryption section of a version 2 header: the delta's data key, wrapped for each recipient
 * as age does it (an ephemeral X25519 key, HKDF-SHA-256, an AEAD), and the key ID that tells a
 * reader which stanza is its own.
 *
 * <p>Byte layout, at {@code E = 144 + name length} in the header ({@code r} = recipients):
 *
 * <pre>
 * | offset     | size | type  | field           | bounds / meaning                                       |
 * |------------|------|-------|-----------------|--------------------------------------------------------|
 * | E          | 1    | u8    | AEAD            | 1 = AES-256-GCM; other values: UNSUPPORTED             |
 * | E+1        | 1    | u8    | recipients r    | 1 .. 32                                                |
 * | E+2        | 2    | u16   | reserved        | 0                                                      |
 * | E+4+88i    | 8    | bytes | key ID          | first 8 bytes of SHA-256(recipient's X25519 public key) |
 * | E+12+88i   | 32   | bytes | ephemeral key   | X25519(e, 9) for a fresh secret e per stanza           |
 * | E+44+88i   | 48   | bytes | wrapped data key| AES-256-GCM(wrap key, nonce 0^12, no AAD) of the 32-byte data key, tag appended |
 * </pre>
 *
 * <p>{@code wrap key = HKDF-SHA-256(IKM = X25519(e, R), salt = ephemeral key || R, info =
 * "deltasnap-delta-v2 x25519", 32 bytes)}, R being the recipient's public key. The zero nonce is
 * safe: each wrap key encrypts exactly one message. Invariant: the data key is 32 fresh random
 * bytes per delta, so no two deltas share a record key.
 */
final class Encryption {
    static final int KEY_BYTES = 32;
    static final int KEY_ID_BYTES = 8;
    static final int AEAD_AES_256_GCM = 1;
    static final int TAG_BYTES = 16;
    static final int NONCE_BYTES = 12;
    static final int WRAPPED_BYTES = KEY_BYTES + TAG_BYTES;
    static final int STANZA_BYTES = KEY_ID_BYTES + KEY_BYTES + WRAPPED_BYTES;
    /** AEAD id, recipient count and reserved u16, before the stanzas. */
    static final int PREFIX_BYTES = 4;
    static final int OFF_STANZA_EPHEMERAL = KEY_ID_BYTES;
    static final int OFF_STANZA_WRAPPED = KEY_ID_BYTES + KEY_BYTES;
    static final byte[] WRAP_INFO = "deltasnap-delta-v2 x25519".getBytes(StandardCharsets.US_ASCII);

    private Encryption() {}

    /** One recipient's stanza, as stored. */
    record Stanza(byte[] keyId, byte[] ephemeral, byte[] wrapped) {
        String keyIdHex() {
            return Bytes.hex(keyId, 0, KEY_ID_BYTES);
        }
    }

    /** The decoded section; {@code offset} is its position in the header (E). */
    record Section(int aead, List<Stanza> stanzas, int offset) {
        int bytes() {
            return PREFIX_BYTES + STANZA_BYTES * stanzas.size();
        }

        EncryptionInfo info() {
            return new EncryptionInfo("AES-256-GCM", stanzas.stream().map(Stanza::keyIdHex).toList());
        }
    }

    static byte[] keyId(byte[] publicKey) {
        return Arrays.copyOf(Chain.sha256().digest(publicKey), KEY_ID_BYTES);
    }

    /**
     * False for a low-order point: its shared secret with any clamped scalar is zero, so a data
     * key wrapped for it would be readable by anyone.
     */
    static boolean usable(byte[] publicKey) {
        byte[] probe = new byte[KEY_BYTES];
        probe[0] = 1;
        try {
            agree(new X25519PrivateKeyParameters(probe, 0), publicKey);
            return true;
        } catch (IllegalStateException e) {
            return false;
        }
    }

    private static byte[] agree(X25519PrivateKeyParameters secret, byte[] publicKey) {
        X25519Agreement a = new X25519Agreement();
        a.init(secret);
        byte[] shared = new byte[KEY_BYTES];
        a.calculateAgreement(EncryptionKeys.publicParameters(publicKey), shared, 0); // throws on an all-zero result
        return shared;
    }

    static byte[] wrapKey(byte[] shared, byte[] ephemeral, byte[] recipient) {
        byte[] salt = new byte[2 * KEY_BYTES];
        System.arraycopy(ephemeral, 0, salt, 0, KEY_BYTES);
        System.arraycopy(recipient, 0, salt, KEY_BYTES, KEY_BYTES);
        HKDFBytesGenerator hkdf = new HKDFBytesGenerator(new SHA256Digest());
        hkdf.init(new HKDFParameters(shared, salt, WRAP_INFO));
        byte[] k = new byte[KEY_BYTES];
        hkdf.generateBytes(k, 0, KEY_BYTES);
        Arrays.fill(shared, (byte) 0);
        return k;
    }

    /** Wraps {@code dataKey} for every recipient, each with a fresh ephemeral key from {@code random}. */
    static Section seal(byte[] dataKey, Recipients recipients, SecureRandom random, int offset) {
        List<Stanza> stanzas = new ArrayList<>();
        for (Recipient r : recipients.list()) {
            byte[] e = new byte[KEY_BYTES];
            random.nextBytes(e);
            X25519PrivateKeyParameters eph = new X25519PrivateKeyParameters(e, 0);
            Arrays.fill(e, (byte) 0);
            byte[] ephPub = eph.generatePublicKey().getEncoded();
            byte[] rk = r.publicKey();
            byte[] wk = wrapKey(agree(eph, rk), ephPub, rk);
            byte[] wrapped = gcm(Cipher.ENCRYPT_MODE, wk, dataKey);
            stanzas.add(new Stanza(keyId(rk), ephPub, wrapped));
        }
        return new Section(AEAD_AES_256_GCM, List.copyOf(stanzas), offset);
    }

    /**
     * Unwraps the data key with {@code secret}.
     *
     * @throws DeltaFormatException NOT_RECIPIENT if no stanza names the secret's key ID; CORRUPT
     *                              (at the stanza) if the stanza does not open with it
     */
    static byte[] open(Section s, RecipientSecret secret) throws DeltaFormatException {
        byte[] mine = keyId(secret.recipient().publicKey());
        for (int i = 0; i < s.stanzas().size(); i++) {
            Stanza st = s.stanzas().get(i);
            if (!Arrays.equals(st.keyId(), mine)) {
                continue;
            }
            long at = s.offset() + PREFIX_BYTES + (long) STANZA_BYTES * i;
            byte[] shared;
            try {
                shared = agree(secret.key(), st.ephemeral());
            } catch (IllegalStateException e) {
                throw DeltaFormatException.corrupt(at + OFF_STANZA_EPHEMERAL, "ephemeral key of the stanza for recipient "
                        + st.keyIdHex() + " is a low-order X25519 point");
            }
            byte[] wk = wrapKey(shared, st.ephemeral(), secret.recipient().publicKey());
            try {
                return gcmOpen(wk, st.wrapped());
            } catch (AEADBadTagException e) {
                throw DeltaFormatException.corrupt(at + OFF_STANZA_WRAPPED, "the data key wrapped for recipient "
                        + st.keyIdHex() + " does not authenticate with that recipient's secret key (the stanza was altered)");
            }
        }
        throw DeltaFormatException.notRecipient(s.offset(), secret.keyId(), s.info().recipientKeyIds());
    }

    private static byte[] gcm(int mode, byte[] key, byte[] in) {
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(mode, new SecretKeySpec(key, "AES"), new GCMParameterSpec(8 * TAG_BYTES, new byte[NONCE_BYTES]));
            return c.doFinal(in);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-256-GCM is part of every Java 17 platform", e);
        } finally {
            Arrays.fill(key, (byte) 0);
        }
    }

    private static byte[] gcmOpen(byte[] key, byte[] in) throws AEADBadTagException {
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(8 * TAG_BYTES, new byte[NONCE_BYTES]));
            return c.doFinal(in);
        } catch (AEADBadTagException e) {
            throw e;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-256-GCM is part of every Java 17 platform", e);
        } finally {
            Arrays.fill(key, (byte) 0);
        }
    }

    static void encode(Section s, byte[] b, int at) {
        b[at] = (byte) s.aead();
        b[at + 1] = (byte) s.stanzas().size();
        Bytes.putU16(b, at + 2, 0);
        int p = at + PREFIX_BYTES;
        for (Stanza st : s.stanzas()) {
            System.arraycopy(st.keyId(), 0, b, p, KEY_ID_BYTES);
            System.arraycopy(st.ephemeral(), 0, b, p + OFF_STANZA_EPHEMERAL, KEY_BYTES);
            System.arraycopy(st.wrapped(), 0, b, p + OFF_STANZA_WRAPPED, WRAPPED_BYTES);
            p += STANZA_BYTES;
        }
    }

    /** Decodes the section at {@code at}; {@code end} is where the header CRC starts. */
    static Section decode(byte[] b, int at, int end) throws DeltaFormatException {
        if (at + PREFIX_BYTES > end) {
            throw DeltaFormatException.corrupt(HeaderFormat.OFF_LENGTH, "header length of an encrypted delta",
                    ">= " + (at + PREFIX_BYTES + STANZA_BYTES + 4), end + 4);
        }
        int aead = Bytes.u8(b, at);
        if (aead != AEAD_AES_256_GCM) {
            throw DeltaFormatException.unsupported(at, "AEAD " + aead + " (this reader knows 1 = AES-256-GCM)");
        }
        int r = Bytes.u8(b, at + 1);
        if (r < 1 || r > Recipients.MAX) {
            throw DeltaFormatException.corrupt(at + 1, "recipient count", "1.." + Recipients.MAX, r);
        }
        if (Bytes.u16(b, at + 2) != 0) {
            throw DeltaFormatException.corrupt(at + 2, "reserved encryption field", 0, Bytes.u16(b, at + 2));
        }
        if (at + PREFIX_BYTES + (long) STANZA_BYTES * r > end) {
            throw DeltaFormatException.corrupt(HeaderFormat.OFF_LENGTH, "header length for " + r + " recipients",
                    ">= " + (at + PREFIX_BYTES + STANZA_BYTES * r + 4), end + 4);
        }
        List<Stanza> stanzas = new ArrayList<>(r);
        int p = at + PREFIX_BYTES;
        for (int i = 0; i < r; i++) {
            stanzas.add(new Stanza(Arrays.copyOfRange(b, p, p + KEY_ID_BYTES),
                    Arrays.copyOfRange(b, p + OFF_STANZA_EPHEMERAL, p + OFF_STANZA_EPHEMERAL + KEY_BYTES),
                    Arrays.copyOfRange(b, p + OFF_STANZA_WRAPPED, p + OFF_STANZA_WRAPPED + WRAPPED_BYTES)));
            p += STANZA_BYTES;
        }
        return new Section(aead, List.copyOf(stanzas), at);
    }
}
