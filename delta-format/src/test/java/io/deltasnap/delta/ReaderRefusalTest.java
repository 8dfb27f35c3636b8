package io.deltasnap.delta;

import static io.deltasnap.delta.Fixtures.*;
import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ReaderRefusalTest {
    static final int CHUNK = 4096;
    static byte[] base;
    static byte[] target;
    /** An incremental delta with every record kind: PATCH, compressed DATA, ZERO, raw DATA, partial chunk. */
    static byte[] delta;
    static List<DeltaRecord> records;

    @BeforeAll
    static void makeDelta() throws IOException {
        Random rnd = new Random(42);
        int size = 6 * CHUNK + 100;
        base = random(rnd, size);
        target = base.clone();
        target[17] ^= 0x5a; // chunk 0: small change -> PATCH
        System.arraycopy(text(rnd, CHUNK), 0, target, CHUNK, CHUNK); // chunk 1: text -> compressed DATA
        Arrays.fill(target, 2 * CHUNK, 4 * CHUNK, (byte) 0); // chunks 2-3: zero -> ZERO
        System.arraycopy(random(rnd, CHUNK), 0, target, 4 * CHUNK, CHUNK); // chunk 4: random -> raw DATA
        System.arraycopy(text(rnd, 100), 0, target, 6 * CHUNK, 100); // partial last chunk
        delta = write(incremental(CHUNK, size), w -> {
            w.writeData(0, Arrays.copyOf(target, CHUNK), Arrays.copyOf(base, CHUNK));
            w.writeData(CHUNK, Arrays.copyOfRange(target, CHUNK, 5 * CHUNK));
            w.writeData(6L * CHUNK, Arrays.copyOfRange(target, 6 * CHUNK, size), Arrays.copyOfRange(base, 6 * CHUNK, size));
        });
        records = readAll(delta, baseOf(base));
        assertEquals(List.of(DeltaRecord.Patch.class, DeltaRecord.Data.class, DeltaRecord.Zero.class,
                DeltaRecord.Data.class, DeltaRecord.Data.class), records.stream().map(Object::getClass).toList());
        assertArrayEquals(target, apply(base, records));
    }

    /** Reads until the reader refuses; returns the records it returned before, and the refusal. */
    static Outcome readUntilRefused(byte[] bytes, TrustedKeys trust) {
        List<DeltaRecord> got = new ArrayList<>();
        try (DeltaReader r = new DeltaReader(new ByteArrayInputStream(bytes), trust)) {
            for (DeltaRecord rec; (rec = r.next(baseOf(base))) != null; ) {
                got.add(rec);
            }
        } catch (DeltaFormatException e) {
            return new Outcome(got, e);
        } catch (IOException e) {
            throw new AssertionError("only DeltaFormatException may escape", e);
        }
        return new Outcome(got, null);
    }

    record Outcome(List<DeltaRecord> records, DeltaFormatException error) {}

    @Test
    void everyFlippedByteIsRefusedAtAnOffsetInsideTheDamagedStructure() {
        long[] starts = structureStarts(delta);
        long[] ends = recordEnds(delta);
        for (int mask : new int[] {0x01, 0x10, 0x80}) {
            for (int p = 0; p < delta.length; p++) {
                byte[] bad = delta.clone();
                bad[p] ^= (byte) mask;
                Outcome o = readUntilRefused(bad, TRUST);
                String where = "byte " + p + " ^ 0x" + Integer.toHexString(mask);
                assertNotNull(o.error(), where + " was accepted");
                long s = structureStart(starts, p);
                boolean headerLengthField = p >= HeaderFormat.OFF_LENGTH && p < HeaderFormat.OFF_LENGTH + 4;
                if (headerLengthField && o.error().code() == DeltaFormatException.Code.TRUNCATED) {
                    continue; // a longer header length runs past the end before the header CRC can be checked
                }
                assertTrue(o.error().offset() >= s && o.error().offset() <= p,
                        where + ": offset " + o.error().offset() + " not in [" + s + ", " + p + "]: " + o.error().getMessage());
                for (int i = 0; i < o.records().size(); i++) {
                    assertTrue(ends[i] <= p, where + ": returned record " + i + " which contains the damage");
                    assertEquals(records.get(i), o.records().get(i));
                }
            }
        }
    }

    @Test
    void truncationAtEveryLengthIsRefusedAtThatByte() {
        for (int n = 0; n < delta.length; n++) {
            Outcome o = readUntilRefused(Arrays.copyOf(delta, n), TRUST);
            assertNotNull(o.error(), "prefix of " + n + " bytes accepted");
            assertEquals(DeltaFormatException.Code.TRUNCATED, o.error().code(), o.error().getMessage());
            assertEquals(n, o.error().offset());
            assertTrue(o.error().getMessage().startsWith("truncated at byte " + n + ":"), o.error().getMessage());
        }
    }

    @Test
    void trailingBytesAfterTheTrailerAreRefused() {
        Outcome o = readUntilRefused(Craft.concat(delta, new byte[] {0}), TRUST);
        assertEquals(DeltaFormatException.Code.CORRUPT, o.error().code());
        assertEquals(delta.length, o.error().offset());
        assertTrue(o.error().getMessage().contains("after the trailer"), o.error().getMessage());
        assertEquals(records, o.records());
    }

    @Test
    void signerMissingFromTheTrustFileIsRefusedAtTheHeaderByFingerprint() {
        DeltaFormatException e = assertThrows(DeltaFormatException.class,
                () -> new DeltaReader(new ByteArrayInputStream(delta), trust(OTHER_KEY)));
        assertEquals(DeltaFormatException.Code.UNTRUSTED, e.code());
        assertEquals(HeaderFormat.OFF_SIGNER, e.offset());
        assertTrue(e.getMessage().contains(Keys.fingerprint(Keys.publicKey(KEY))), e.getMessage());
    }

    @Test
    void signatureByAnotherKeyIsRefused() {
        byte[] bad = delta.clone();
        int t = bad.length - TrailerFormat.TRAILER_BYTES;
        Craft.resign(bad, t, OTHER_KEY); // intact CRC, but signed by a key the header does not name
        Outcome o = readUntilRefused(bad, trust(KEY, OTHER_KEY));
        assertEquals(DeltaFormatException.Code.BAD_SIGNATURE, o.error().code());
        assertEquals(t + TrailerFormat.OFF_SIGNATURE, o.error().offset());
        assertEquals(records, o.records(), "records before the trailer were returned; the consumer discards them");
    }

    @Test
    void trailerCountsThatDisagreeWithTheStreamAreRefusedEvenWhenSigned() {
        byte[] bad = delta.clone();
        int t = bad.length - TrailerFormat.TRAILER_BYTES;
        Bytes.putU64(bad, t + TrailerFormat.OFF_ZERO_RECORDS, 2);
        Craft.resign(bad, t, KEY);
        Outcome o = readUntilRefused(bad, TRUST);
        assertEquals(DeltaFormatException.Code.CORRUPT, o.error().code());
        assertEquals(t + TrailerFormat.OFF_ZERO_RECORDS, o.error().offset());
        assertTrue(o.error().getMessage().contains("expected 1 (what the stream holds), found 2 (stored)"), o.error().getMessage());
    }

    @Test
    void recordClaimingATebibyteFailsBeforeAnythingIsAllocatedOrRead() throws IOException {
        DeltaHeader h = incremental(CHUNK, 1L << 50);
        byte[] header = HeaderFormat.encode(h);
        byte[] rec = Craft.record(RecordFormat.KIND_DATA, 0, 0xFFFF_FFFFL, 0, 1L << 40, 0, new byte[0]);
        CountingEndless in = new CountingEndless(Craft.concat(header, rec));
        try (DeltaReader r = new DeltaReader(in, TRUST)) {
            DeltaFormatException e = assertThrows(DeltaFormatException.class, () -> r.next(baseOf(base)));
            assertEquals(DeltaFormatException.Code.CORRUPT, e.code());
            assertEquals(header.length + RecordFormat.OFF_LENGTH, e.offset());
            assertTrue(e.getMessage().contains("expected 1..4194304, found 1099511627776"), e.getMessage());
        }
        assertEquals(header.length + RecordFormat.HEADER_BYTES, in.served, "nothing read past the record header");
    }

    @Test
    void storedLengthBeyondTheContentLengthFailsBeforeAnythingIsAllocated() throws IOException {
        byte[] header = HeaderFormat.encode(incremental(CHUNK, 1L << 30));
        byte[] rec = Craft.record(RecordFormat.KIND_DATA, RecordFormat.FLAG_COMPRESSED, 0xFFFF_FFF0L, 0, CHUNK, 0, new byte[0]);
        CountingEndless in = new CountingEndless(Craft.concat(header, rec));
        try (DeltaReader r = new DeltaReader(in, TRUST)) {
            DeltaFormatException e = assertThrows(DeltaFormatException.class, () -> r.next(baseOf(base)));
            assertEquals(header.length + RecordFormat.OFF_STORED, e.offset());
            assertTrue(e.getMessage().contains("expected 1..4095, found 4294967280"), e.getMessage());
        }
        assertEquals(header.length + RecordFormat.HEADER_BYTES, in.served);
    }

    @Test
    void zeroExtentPastTheVolumeEndIsRefused() {
        byte[] header = HeaderFormat.encode(incremental(CHUNK, 10L * CHUNK));
        Outcome o = readUntilRefused(Craft.concat(header, Craft.zero(8L * CHUNK, 1L << 62)), TRUST);
        assertEquals(header.length + RecordFormat.OFF_LENGTH, o.error().offset());
    }

    @Test
    void unknownRecordKindIsUnsupportedWhenItsHeaderIsIntact() {
        byte[] header = HeaderFormat.encode(incremental(CHUNK, 10L * CHUNK));
        byte[] rec = Craft.record(9, 0, 0, 0, CHUNK, 0, new byte[0]);
        Outcome o = readUntilRefused(Craft.concat(header, rec), TRUST);
        assertEquals(DeltaFormatException.Code.UNSUPPORTED, o.error().code());
        assertEquals(header.length, o.error().offset());
        assertTrue(o.error().getMessage().contains("unknown record kind 0x9"), o.error().getMessage());
    }

    @Test
    void unknownMajorVersionIsUnsupported() {
        byte[] header = HeaderFormat.encode(incremental(CHUNK, 10L * CHUNK));
        Bytes.putU16(header, HeaderFormat.OFF_MAJOR, 3); // 2 is the encrypted format
        Outcome o = readUntilRefused(header, TRUST);
        assertEquals(DeltaFormatException.Code.UNSUPPORTED, o.error().code());
        assertEquals(HeaderFormat.OFF_MAJOR, o.error().offset());
        assertTrue(o.error().getMessage().contains("major version 3"), o.error().getMessage());
    }

    @Test
    void unknownCodecIsUnsupported() {
        byte[] header = HeaderFormat.encode(incremental(CHUNK, 10L * CHUNK));
        header[HeaderFormat.OFF_CODEC] = 2;
        Craft.recrcHeader(header);
        Outcome o = readUntilRefused(header, TRUST);
        assertEquals(DeltaFormatException.Code.UNSUPPORTED, o.error().code());
        assertEquals(HeaderFormat.OFF_CODEC, o.error().offset());
    }

    @Test
    void newerMinorVersionWithHeaderExtensionBytesIsRead() throws IOException {
        DeltaHeader h = full(CHUNK, 2L * CHUNK);
        byte[] plain = HeaderFormat.encode(h);
        byte[] ext = Arrays.copyOf(plain, plain.length + 8); // 8 extension bytes before the CRC
        Bytes.putU16(ext, HeaderFormat.OFF_MINOR, 3);
        Bytes.putI32(ext, HeaderFormat.OFF_LENGTH, ext.length);
        Arrays.fill(ext, plain.length - 4, ext.length - 4, (byte) 0xEE);
        Craft.recrcHeader(ext);
        byte[] a = text(new Random(1), 2 * CHUNK);
        byte[] stream = Craft.signed(ext, List.of(Craft.rawData(0, a)), KEY);
        try (DeltaReader r = new DeltaReader(new ByteArrayInputStream(stream), TRUST)) {
            assertEquals(h, r.header());
            assertEquals(new DeltaRecord.Data(0, a), r.next(null));
            assertNull(r.next(null));
        }
    }

    @Test
    void recordsOutOfVolumeOrderAreRefused() {
        byte[] header = HeaderFormat.encode(incremental(CHUNK, 10L * CHUNK));
        byte[] first = Craft.zero(4L * CHUNK, CHUNK);
        Outcome o = readUntilRefused(Craft.concat(header, first, Craft.zero(2L * CHUNK, CHUNK)), TRUST);
        assertEquals(List.of(new DeltaRecord.Zero(4L * CHUNK, CHUNK)), o.records());
        assertEquals(header.length + first.length + RecordFormat.OFF_OFFSET, o.error().offset());
        assertTrue(o.error().getMessage().contains("expected >= 20480"), o.error().getMessage());
    }

    @Test
    void fullDeltaThatDoesNotCoverTheVolumeIsRefusedAtTheTrailer() {
        byte[] header = HeaderFormat.encode(full(CHUNK, 4L * CHUNK));
        byte[] stream = Craft.signed(header, List.of(Craft.zero(0, 2L * CHUNK)), KEY);
        Outcome o = readUntilRefused(stream, TRUST);
        assertEquals(stream.length - TrailerFormat.TRAILER_BYTES, o.error().offset());
        assertTrue(o.error().getMessage().contains("covers the whole volume"), o.error().getMessage());
    }

    @Test
    void patchRecordInAFullDeltaIsRefused() {
        byte[] header = HeaderFormat.encode(full(CHUNK, 4L * CHUNK));
        byte[] rec = Craft.record(RecordFormat.KIND_PATCH, 0, 10, 0, CHUNK, 0, new byte[10]);
        Outcome o = readUntilRefused(Craft.concat(header, rec), TRUST);
        assertEquals(header.length + RecordFormat.OFF_KIND, o.error().offset());
    }

    @Test
    void zstdPayloadThatDoesNotDecodeIsCorruptNotAZstdException() {
        byte[] header = HeaderFormat.encode(incremental(CHUNK, 4L * CHUNK));
        byte[] garbage = random(new Random(3), 100);
        byte[] rec = Craft.record(RecordFormat.KIND_DATA, RecordFormat.FLAG_COMPRESSED, 100, 0, CHUNK, 0, garbage);
        Outcome o = readUntilRefused(Craft.concat(header, rec), TRUST);
        assertEquals(DeltaFormatException.Code.CORRUPT, o.error().code());
        assertEquals(header.length + RecordFormat.HEADER_BYTES, o.error().offset());
    }

    @Test
    void contentChecksumMismatchIsRefusedEvenWithAnIntactPayloadChecksum() {
        byte[] header = HeaderFormat.encode(incremental(CHUNK, 4L * CHUNK));
        byte[] content = text(new Random(4), CHUNK);
        byte[] rec = Craft.record(RecordFormat.KIND_DATA, 0, CHUNK, 0, CHUNK, 12345, content);
        Outcome o = readUntilRefused(Craft.concat(header, rec), TRUST);
        assertEquals(header.length + RecordFormat.OFF_CONTENT_CRC, o.error().offset());
        assertTrue(o.records().isEmpty());
    }

    @Test
    void damagedPayloadOfTheSecondRecordLetsOnlyTheFirstThrough() {
        long[] starts = structureStarts(delta);
        byte[] bad = delta.clone();
        int secondPayload = (int) starts[2] + RecordFormat.HEADER_BYTES;
        bad[secondPayload + 3] ^= 0x40;
        Outcome o = readUntilRefused(bad, TRUST);
        assertEquals(List.of(records.get(0)), o.records());
        assertEquals(secondPayload, o.error().offset());
        assertTrue(o.error().getMessage().contains("payload checksum"), o.error().getMessage());
    }

    @Test
    void patchAgainstADifferentBaseIsABaseMismatch() throws IOException {
        byte[] otherBase = base.clone();
        otherBase[100] ^= 1;
        try (DeltaReader r = new DeltaReader(new ByteArrayInputStream(delta), TRUST)) {
            DeltaFormatException e = assertThrows(DeltaFormatException.class, () -> r.next(baseOf(otherBase)));
            assertEquals(DeltaFormatException.Code.BASE_MISMATCH, e.code());
            assertEquals(structureStarts(delta)[1], e.offset());
            assertSame(e, assertThrows(DeltaFormatException.class, () -> r.next(baseOf(base))),
                    "a failed reader keeps failing with the same error");
        }
    }

    @Test
    void patchRecordWithoutABaseSourceIsACallerError() throws IOException {
        try (DeltaReader r = new DeltaReader(new ByteArrayInputStream(delta), TRUST)) {
            assertThrows(IllegalArgumentException.class, () -> r.next(null));
        }
    }

    @Test
    void notADeltaIsRefusedAtTheFirstWrongMagicByte() {
        byte[] notDelta = "\u0089DSDELTX and more bytes than a header prefix".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        Outcome o = readUntilRefused(notDelta, TRUST);
        assertEquals(7, o.error().offset());
        assertTrue(o.error().getMessage().contains("not a deltasnap delta"), o.error().getMessage());
    }

    /** Serves the given bytes, then endless zeros; counts what was served. */
    static final class CountingEndless extends InputStream {
        final byte[] bytes;
        long served;

        CountingEndless(byte[] bytes) {
            this.bytes = bytes;
        }

        @Override
        public int read() {
            int b = served < bytes.length ? bytes[(int) served] & 0xFF : 0;
            served++;
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            for (int i = 0; i < len; i++) {
                b[off + i] = (byte) read();
            }
            return len;
        }
    }
}
