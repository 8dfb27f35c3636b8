package io.deltasnap.delta;

import static io.deltasnap.delta.Fixtures.*;
import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Format version 2: deltas encrypted to X25519 recipients, read with and without their keys. */
class EncryptedDeltaTest {
    static final RecipientSecret ALICE = secret(0x20);
    static final RecipientSecret BOB = secret(0x40);
    static final RecipientSecret MALLORY = secret(0x60);
    static final Recipients TO_BOTH = Recipients.of(ALICE.recipient(), BOB.recipient());

    /** The incremental delta of ReaderRefusalTest (every record kind), plain and encrypted to both. */
    static byte[] plain;
    static byte[] sealed;
    static byte[] otherSealed;

    static RecipientSecret secret(int fill) {
        byte[] s = new byte[32];
        for (int i = 0; i < 32; i++) {
            s[i] = (byte) (fill + i);
        }
        return EncryptionKeys.secret(s, "test recipient " + fill);
    }

    @BeforeAll
    static void makeDeltas() throws IOException {
        ReaderRefusalTest.makeDelta();
        plain = ReaderRefusalTest.delta;
        sealed = encryptedCopy(plain, TO_BOTH);
        otherSealed = encryptedCopy(plain, TO_BOTH);
    }

    /** Writes the same records again, encrypted to {@code to}. */
    static byte[] encryptedCopy(byte[] delta, Recipients to) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (DeltaReader r = new DeltaReader(new ByteArrayInputStream(delta), TRUST);
             DeltaWriter w = new DeltaWriter(out, r.header(), KEY, new WriterOptions(2, 4, 1 << 20, to))) {
            for (DeltaRecord rec; (rec = r.next(BaseSource.KEEP_ENCODED)) != null; ) {
                if (rec instanceof DeltaRecord.EncodedPatch p) {
                    w.writeEncoded(p);
                } else if (rec instanceof DeltaRecord.Data d) {
                    w.writeData(d.offset(), d.bytes());
                } else {
                    w.writeZero(rec.offset(), rec.length());
                }
            }
            w.finish();
        }
        return out.toByteArray();
    }

    static List<DeltaRecord> read(byte[] d, RecipientSecret key) throws IOException {
        List<DeltaRecord> out = new ArrayList<>();
        try (DeltaReader r = new DeltaReader(new ByteArrayInputStream(d), TRUST, key)) {
            for (DeltaRecord rec; (rec = r.next(baseOf(ReaderRefusalTest.base))) != null; ) {
                out.add(rec);
            }
        }
        return out;
    }

    /** Offsets of the header end, each frame and the trailer of a version 2 delta, then its end. */
    static List<Integer> frames(byte[] d) {
        List<Integer> starts = new ArrayList<>();
        int p = (int) Bytes.u32(d, HeaderFormat.OFF_LENGTH);
        while (Bytes.u8(d, p) != RecordFormat.KIND_TRAILER) {
            starts.add(p);
            p += RecordCipher.FRAME_HEADER_BYTES + (int) Bytes.u32(d, p + RecordCipher.OFF_SEALED_LENGTH);
        }
        starts.add(p);
        return starts;
    }

    @Test
    void eachRecipientReadsTheSameRecordsAsFromThePlainDelta() throws IOException {
        assertEquals(ReaderRefusalTest.records, read(sealed, ALICE));
        assertEquals(ReaderRefusalTest.records, read(sealed, BOB));
        assertArrayEquals(ReaderRefusalTest.target, apply(ReaderRefusalTest.base, read(sealed, BOB)));
        assertEquals(2, Bytes.u16(sealed, HeaderFormat.OFF_MAJOR));
    }

    @Test
    void twoEncryptionsOfTheSameDeltaShareNoCiphertext() {
        assertFalse(Arrays.equals(sealed, otherSealed));
        List<Integer> a = frames(sealed);
        List<Integer> b = frames(otherSealed);
        assertEquals(a, b, "the same framing lengths");
        for (int i = 0; i + 1 < a.size(); i++) {
            assertFalse(Arrays.equals(sealed, a.get(i) + 8, a.get(i) + 24, otherSealed, b.get(i) + 8, b.get(i) + 24),
                    "record " + i + " under another data key");
        }
    }

    @Test
    void theMediumHoldsNoPlaintextRecordHeaderOrContent() {
        for (DeltaRecord r : ReaderRefusalTest.records) {
            if (r instanceof DeltaRecord.Data d && d.bytes().length >= 64) {
                byte[] probe = Arrays.copyOf(d.bytes(), 64);
                assertFalse(contains(sealed, probe), "content of " + r + " is on the medium");
            }
        }
        byte[] text = "snapshot".getBytes(StandardCharsets.US_ASCII);
        assertTrue(contains(ReaderRefusalTest.target, text), "the volume holds words");
        assertFalse(contains(Arrays.copyOfRange(sealed, (int) Bytes.u32(sealed, HeaderFormat.OFF_LENGTH), sealed.length), text));
        for (int f : frames(sealed).subList(0, frames(sealed).size() - 1)) {
            assertEquals(RecordCipher.KIND_SEALED, Bytes.u8(sealed, f), "only the frame kind and length are clear");
        }
    }

    static boolean contains(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    @Test
    void withoutAKeyTheReaderNamesWhatIsMissing() {
        DeltaFormatException e = assertThrows(DeltaFormatException.class,
                () -> new DeltaReader(new ByteArrayInputStream(sealed), TRUST));
        assertEquals(DeltaFormatException.Code.KEY_MISSING, e.code());
        assertTrue(e.getMessage().contains("needs a decryption key"), e.getMessage());
        assertTrue(e.getMessage().contains(ALICE.keyId()) && e.getMessage().contains(BOB.keyId()), e.getMessage());
    }

    @Test
    void aKeyOfAnotherRecipientIsRefusedByKeyId() {
        DeltaFormatException e = assertThrows(DeltaFormatException.class, () -> read(sealed, MALLORY));
        assertEquals(DeltaFormatException.Code.NOT_RECIPIENT, e.code());
        assertTrue(e.getMessage().contains(MALLORY.keyId() + " is not one of its recipients"), e.getMessage());
    }

    @Test
    void keylessVerificationChecksChainAndSignatureAndSaysRecordsWereNotOpened() throws IOException {
        DeltaInspection v = DeltaInspector.verify(new ByteArrayInputStream(sealed), TRUST, null);
        assertEquals(DeltaInspection.SignatureState.VERIFIED, v.signature().state());
        assertFalse(v.recordsOpened());
        assertEquals(ReaderRefusalTest.records.size(), v.records());
        assertEquals(2, v.encryption().recipients());
        assertEquals(List.of(ALICE.keyId(), BOB.keyId()), v.encryption().recipientKeyIds());
        assertEquals(sealed.length, v.streamBytes());
        DeltaInspection k = DeltaInspector.verify(new ByteArrayInputStream(sealed), TRUST, BOB);
        assertTrue(k.recordsOpened());
        DeltaInspection p = DeltaInspector.verify(new ByteArrayInputStream(plain), TRUST, null);
        assertEquals(List.of(p.dataRecords(), p.zeroRecords(), p.patchRecords(), p.dataBytes(), p.zeroBytes()),
                List.of(k.dataRecords(), k.zeroRecords(), k.patchRecords(), k.dataBytes(), k.zeroBytes()));
        assertEquals(List.of(3L, 1L, 1L), List.of(k.dataRecords(), k.zeroRecords(), k.patchRecords()));
    }

    @Test
    void keylessVerificationRefusesAnUntrustedSigner() {
        DeltaFormatException e = assertThrows(DeltaFormatException.class,
                () -> DeltaInspector.verify(new ByteArrayInputStream(sealed), Fixtures.trust(OTHER_KEY), null));
        assertEquals(DeltaFormatException.Code.UNTRUSTED, e.code());
    }

    @Test
    void aFlippedByteInAWrappedKeyIsRefusedWithAndWithoutTheKey() {
        byte[] bad = sealed.clone();
        int nameLen = Bytes.u16(bad, HeaderFormat.OFF_NAME_LENGTH);
        int stanza1 = HeaderFormat.OFF_NAME + nameLen + Encryption.PREFIX_BYTES + Encryption.STANZA_BYTES; // Bob's
        int at = stanza1 + Encryption.OFF_STANZA_WRAPPED + 5;
        bad[at] ^= 0x10;
        byte[] header = Arrays.copyOf(bad, (int) Bytes.u32(bad, HeaderFormat.OFF_LENGTH));
        Craft.recrcHeader(header); // as an attacker would: the CRC is no protection
        System.arraycopy(header, 0, bad, 0, header.length);
        DeltaFormatException e = assertThrows(DeltaFormatException.class, () -> read(bad, BOB));
        assertEquals(DeltaFormatException.Code.CORRUPT, e.code());
        assertEquals(stanza1 + Encryption.OFF_STANZA_WRAPPED, e.offset());
        assertTrue(e.getMessage().contains("wrapped for recipient " + BOB.keyId()), e.getMessage());
        DeltaFormatException alice = assertThrows(DeltaFormatException.class, () -> read(bad, ALICE));
        assertTrue(alice.getMessage().contains("does not authenticate"), "h0 changed: " + alice.getMessage());
        DeltaFormatException keyless = assertThrows(DeltaFormatException.class,
                () -> DeltaInspector.verify(new ByteArrayInputStream(bad), TRUST, null));
        assertTrue(keyless.getMessage().contains("trailer chain hash"), "h0 is in the chain: " + keyless.getMessage());
    }

    @Test
    void aRecordSplicedFromAnotherEncryptedDeltaIsRefusedAtItsOffset() throws IOException {
        List<Integer> f = frames(sealed);
        List<Integer> g = frames(otherSealed);
        int r = 2;
        byte[] bad = Craft.concat(Arrays.copyOf(sealed, f.get(r)), Arrays.copyOfRange(otherSealed, g.get(r), g.get(r + 1)),
                Arrays.copyOfRange(sealed, f.get(r + 1), sealed.length));
        assertEquals(sealed.length, bad.length, "same framing: only the key differs");
        List<DeltaRecord> got = new ArrayList<>();
        DeltaFormatException e = assertThrows(DeltaFormatException.class, () -> {
            try (DeltaReader rd = new DeltaReader(new ByteArrayInputStream(bad), TRUST, ALICE)) {
                for (DeltaRecord rec; (rec = rd.next(baseOf(ReaderRefusalTest.base))) != null; ) {
                    got.add(rec);
                }
            }
        });
        assertEquals(f.get(r).longValue(), e.offset(), e.getMessage());
        assertTrue(e.getMessage().contains("sealed record 2"), e.getMessage());
        assertEquals(ReaderRefusalTest.records.subList(0, r), got, "records before the splice only");
        DeltaFormatException keyless = assertThrows(DeltaFormatException.class,
                () -> DeltaInspector.verify(new ByteArrayInputStream(bad), TRUST, null));
        assertTrue(keyless.getMessage().contains("chain hash"), keyless.getMessage());
    }

    @Test
    void swappedOrDroppedRecordsDoNotAuthenticate() {
        List<Integer> f = frames(sealed);
        byte[] swapped = Craft.concat(Arrays.copyOf(sealed, f.get(1)), Arrays.copyOfRange(sealed, f.get(2), f.get(3)),
                Arrays.copyOfRange(sealed, f.get(1), f.get(2)), Arrays.copyOfRange(sealed, f.get(3), sealed.length));
        assertEquals(f.get(1).longValue(), assertThrows(DeltaFormatException.class, () -> read(swapped, ALICE)).offset());
        byte[] dropped = Craft.concat(Arrays.copyOf(sealed, f.get(1)), Arrays.copyOfRange(sealed, f.get(2), sealed.length));
        assertEquals(f.get(1).longValue(), assertThrows(DeltaFormatException.class, () -> read(dropped, ALICE)).offset());
    }

    @Test
    void aTruncatedFileIsRefusedAsTruncated() {
        for (int n : new int[] {sealed.length - 1, frames(sealed).get(3) + 20, 200}) {
            DeltaFormatException e = assertThrows(DeltaFormatException.class, () -> read(Arrays.copyOf(sealed, n), ALICE));
            assertEquals(DeltaFormatException.Code.TRUNCATED, e.code(), e.getMessage());
            assertThrows(DeltaFormatException.class,
                    () -> DeltaInspector.verify(new ByteArrayInputStream(Arrays.copyOf(sealed, n)), TRUST, null));
        }
    }

    @Test
    void aStreamCutAtARecordBoundaryWithTheTrailerMovedUpIsRefused() {
        List<Integer> f = frames(sealed);
        int trailer = f.get(f.size() - 1);
        byte[] cut = Craft.concat(Arrays.copyOf(sealed, f.get(3)), Arrays.copyOfRange(sealed, trailer, sealed.length));
        DeltaFormatException e = assertThrows(DeltaFormatException.class, () -> read(cut, ALICE));
        assertEquals(f.get(3) + SealedTrailerFormat.OFF_RECORDS, e.offset(), e.getMessage());
    }

    @Test
    void everySingleByteChangeIsRefusedByKeylessVerification() {
        for (int p = 0; p < sealed.length; p += 7) {
            byte[] bad = sealed.clone();
            bad[p] ^= 0x01;
            int at = p;
            assertThrows(DeltaFormatException.class, () -> DeltaInspector.verify(new ByteArrayInputStream(bad), TRUST, null),
                    "byte " + at);
            assertThrows(DeltaFormatException.class, () -> read(bad, BOB), "byte " + at);
        }
    }

    @Test
    void inspectionReportsEncryptionAndCountsOnlyWithTheKey() throws IOException {
        DeltaInspection keyless = DeltaInspector.inspect(new ByteArrayInputStream(sealed), null);
        assertTrue(keyless.encrypted());
        assertFalse(keyless.recordsOpened());
        assertEquals(0, keyless.dataRecords());
        assertEquals("unverified: no trust file", keyless.signature().detail());
        DeltaInspection withKey = DeltaInspector.inspect(new ByteArrayInputStream(sealed), TRUST, ALICE);
        DeltaInspection ofPlain = DeltaInspector.inspect(new ByteArrayInputStream(plain), TRUST);
        assertEquals(ofPlain.dataRecords(), withKey.dataRecords());
        assertEquals(ofPlain.patchRecords(), withKey.patchRecords());
        assertEquals(ofPlain.zeroBytes(), withKey.zeroBytes());
        assertFalse(ofPlain.encrypted());
        assertTrue(ofPlain.recordsOpened());
    }

    @Test
    void mergingEncryptedDeltasNeedsRecipientsAndReencryptsToThem() throws IOException {
        byte[] base = ReaderRefusalTest.base;
        DeltaHeader toBase = new DeltaHeader(VOLUME, ReaderRefusalTest.CHUNK, base.length, null,
                new TargetSnapshot(6, BASE_UUID, "base", 1735689600000L, false), 3, Keys.publicKey(KEY));
        byte[] abSealed = write(toBase, new WriterOptions(2, 4, 1 << 20, TO_BOTH), w -> w.writeData(0, base));
        byte[] bcSealed = sealed; // 6 -> 7, with a PATCH against snapshot 6
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        DeltaMerger.MergeException refused = assertThrows(DeltaMerger.MergeException.class,
                () -> DeltaMerger.merge(new ByteArrayInputStream(abSealed), new ByteArrayInputStream(bcSealed), TRUST, KEY,
                        out, ALICE, null));
        assertTrue(refused.getMessage().contains("--encrypt-to"), refused.getMessage());
        DeltaFormatException noKey = assertThrows(DeltaFormatException.class,
                () -> DeltaMerger.merge(new ByteArrayInputStream(abSealed), new ByteArrayInputStream(bcSealed), TRUST, KEY, out));
        assertEquals(DeltaFormatException.Code.KEY_MISSING, noKey.code());
        ByteArrayOutputStream merged = new ByteArrayOutputStream();
        DeltaMerger.merge(new ByteArrayInputStream(abSealed), new ByteArrayInputStream(bcSealed), TRUST, KEY, merged, ALICE,
                Recipients.of(MALLORY.recipient()));
        byte[] m = merged.toByteArray();
        assertEquals(2, Bytes.u16(m, HeaderFormat.OFF_MAJOR));
        assertThrows(DeltaFormatException.class, () -> read(m, ALICE), "re-encrypted to Mallory only");
        List<DeltaRecord> recs = new ArrayList<>();
        try (DeltaReader r = new DeltaReader(new ByteArrayInputStream(m), TRUST, MALLORY)) {
            for (DeltaRecord rec; (rec = r.next(null)) != null; ) {
                recs.add(rec);
            }
        }
        assertArrayEquals(ReaderRefusalTest.target, apply(new byte[ReaderRefusalTest.target.length], recs));
    }

    @Test
    void aSecretKeyNeverShowsItsBytes() {
        String b64 = Base64.getEncoder().encodeToString(ALICE.encoded());
        assertFalse(ALICE.toString().contains(b64));
        assertFalse(ALICE.toString().contains(Bytes.hex(ALICE.encoded(), 0, 32)));
        assertTrue(ALICE.toString().contains(ALICE.keyId()));
    }

    @Test
    void aVersion1ReaderOfVersion2KnowsBothMajors() {
        byte[] v3 = sealed.clone();
        Bytes.putU16(v3, HeaderFormat.OFF_MAJOR, 3);
        DeltaFormatException e = assertThrows(DeltaFormatException.class, () -> read(v3, ALICE));
        assertEquals(DeltaFormatException.Code.UNSUPPORTED, e.code());
        assertTrue(e.getMessage().contains("major versions 1 and 2"), e.getMessage());
    }
}
