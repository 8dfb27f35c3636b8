package io.deltasnap.delta;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.deltasnap.testsupport.SeedCorpus;
import io.deltasnap.testsupport.UntrustedInput;
import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Coverage-guided fuzz targets for everything that reads delta bytes from outside: the reader (from
 * a file, as {@code delta apply FILE} reads it, and from a stream that delivers a few bytes at a
 * time, as a socket does), the inspector, and the resume checkpoint a receiver keeps on disk.
 *
 * <p>Each target asserts that only {@link DeltaFormatException} escapes and that the heap one input
 * allocates is bounded by what its records may legitimately hold, never by a length it declares.
 * An accepted delta must also be accepted by the inspector with the same counts, and its header
 * must re-encode to the bytes it was read from.
 *
 * <p>{@code mvn verify} replays the inputs under
 * {@code src/test/resources/io/deltasnap/delta/DeltaReaderFuzzTestInputs/<target>/} (regression mode);
 * {@code scripts/fuzz.sh} fuzzes a target for a set time (docs/fuzzing.md).
 */
class DeltaReaderFuzzTest {
    /** Per record: 4 MiB of content, a chunk of base (1 MiB) and the payload, with room to spare. */
    private static final long BYTES_PER_RECORD = 12L << 20;
    private static final long FIXED_BYTES = UntrustedInput.FIRST_USE_BYTES;
    private static final UntrustedInput CHAIN_STATE =
            UntrustedInput.refusedOnlyBy(UntrustedInput.FIRST_USE_BYTES, DeltaFormatException.class);
    private static Path file;
    /** The samples the targets start from: {@link MutationFuzzTest}'s, then one encrypted to two recipients. */
    private static final List<MutationFuzzTest.Sample> samples = new ArrayList<>();

    @BeforeAll
    static void setUp() throws IOException {
        MutationFuzzTest.makeSamples();
        samples.clear();
        samples.addAll(MutationFuzzTest.samples);
        MutationFuzzTest.Sample plain = samples.get(0);
        samples.add(new MutationFuzzTest.Sample(EncryptedDeltaTest.encryptedCopy(plain.delta(), EncryptedDeltaTest.TO_BOTH),
                plain.records(), plain.base()));
        file = Files.createTempFile("fuzz-", ".delta");
    }

    @AfterAll
    static void tearDown() throws IOException {
        Files.deleteIfExists(file);
    }

    @FuzzTest
    void anyBytesInADeltaFileAreReadOrRefusedWithTheFormatsOwnError(byte[] input) throws IOException {
        Files.write(file, input);
        List<DeltaRecord> read = bounded(input.length).parse("reader on a file", () -> {
            try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
                return readAll(in);
            }
        }).orElse(null);
        DeltaInspection inspected = bounded(input.length).parse("inspector",
                () -> DeltaInspector.inspect(new ByteArrayInputStream(input), Fixtures.TRUST, EncryptedDeltaTest.ALICE)).orElse(null);
        if (read != null) {
            checkAccepted(input, read, inspected);
        }
    }

    @FuzzTest
    void resealedEditsOfValidDeltasAreReadOrRefusedWithTheFormatsOwnError(FuzzedDataProvider data) {
        MutationFuzzTest.Sample s = samples.get(data.consumeInt(0, samples.size() - 1));
        byte[] edited = s.delta().clone();
        for (int n = data.consumeInt(0, 6); n > 0; n--) {
            int at = data.consumeInt(0, edited.length - 1);
            switch (data.consumeInt(0, 3)) {
                case 0 -> edited[at] = data.consumeByte();
                case 1 -> Bytes.putI32(edited, Math.min(at, edited.length - 4), data.consumeInt());
                case 2 -> Bytes.putU64(edited, Math.min(at, edited.length - 8), data.consumeLong());
                default -> edited = Craft.concat(Arrays.copyOf(edited, at), data.consumeBytes(data.consumeInt(0, 64)),
                        Arrays.copyOfRange(edited, at, edited.length));
            }
        }
        boolean resealContent = data.consumeBoolean();
        int chunkAtATime = data.consumeInt(1, 4096);
        byte[] input = Reseal.all(edited, resealContent);
        List<DeltaRecord> read = bounded(input.length).parse("reader on a trickling stream", () -> {
            try (InputStream in = new Trickle(new ByteArrayInputStream(input), chunkAtATime)) {
                return readAll(in);
            }
        }).orElse(null);
        DeltaInspection inspected = bounded(input.length).parse("inspector",
                () -> DeltaInspector.inspect(new ByteArrayInputStream(input), Fixtures.TRUST, EncryptedDeltaTest.ALICE)).orElse(null);
        if (read != null) {
            checkAccepted(input, read, inspected);
        }
    }

    @FuzzTest
    void anyResumeCheckpointIsDecodedOrRefusedAndReEncodesToItsBytes(byte[] input) {
        CHAIN_STATE.parse("hash chain state", () -> HashChain.fromBytes(input))
                .ifPresent(c -> assertArrayEquals(input, c.toBytes(), "a decoded checkpoint re-encodes to its bytes"));
    }

    /** The seeds: the three sample deltas, a checkpoint taken mid-stream, a few edit scripts. */
    @Test
    void seedInputsAreTheValidEncodingsTheirGeneratorMakes() throws Exception {
        Map<String, byte[]> deltas = new LinkedHashMap<>();
        String[] names = {"incremental-every-record-kind", "full-text-random-zero", "spec-example"};
        for (int i = 0; i < names.length; i++) {
            byte[] d = MutationFuzzTest.samples.get(i).delta();
            assertEquals(MutationFuzzTest.samples.get(i).records().size(), readAll(new ByteArrayInputStream(d)).size());
            deltas.put(names[i], d);
        }
        SeedCorpus.check(DeltaReaderFuzzTest.class, "anyBytesInADeltaFileAreReadOrRefusedWithTheFormatsOwnError", deltas);
        // an encrypted delta differs at each writing (a fresh data key): its seed is checked by what it reads as
        SeedCorpus.checkValid(DeltaReaderFuzzTest.class, "anyBytesInADeltaFileAreReadOrRefusedWithTheFormatsOwnError",
                "incremental-encrypted-to-two", samples.get(3).delta(),
                seed -> assertEquals(samples.get(0).records().size(), readAll(new ByteArrayInputStream(seed)).size()));

        Map<String, byte[]> scripts = new LinkedHashMap<>();
        SplittableRandom rnd = new SplittableRandom(14);
        for (int i = 0; i < 6; i++) {
            byte[] b = new byte[8 + 8 * i];
            rnd.nextBytes(b);
            scripts.put("edits-" + i, b);
        }
        SeedCorpus.check(DeltaReaderFuzzTest.class, "resealedEditsOfValidDeltasAreReadOrRefusedWithTheFormatsOwnError", scripts);

        byte[] d = MutationFuzzTest.samples.get(0).delta();
        byte[] checkpoint;
        try (DeltaReader r = new DeltaReader(new ByteArrayInputStream(d), Fixtures.TRUST)) {
            r.next(SampleBase.INSTANCE);
            r.next(SampleBase.INSTANCE);
            checkpoint = r.chain().toBytes();
        }
        assertEquals(2, HashChain.fromBytes(checkpoint).recordCount());
        SeedCorpus.check(DeltaReaderFuzzTest.class, "anyResumeCheckpointIsDecodedOrRefusedAndReEncodesToItsBytes",
                Map.of("after-two-records", checkpoint));
    }

    private static UntrustedInput bounded(int inputLength) {
        long records = inputLength / RecordFormat.HEADER_BYTES + 1;
        return UntrustedInput.refusedOnlyBy(FIXED_BYTES + BYTES_PER_RECORD * records, DeltaFormatException.class);
    }

    private static List<DeltaRecord> readAll(InputStream in) throws IOException {
        List<DeltaRecord> out = new ArrayList<>();
        try (DeltaReader r = new DeltaReader(in, Fixtures.TRUST, EncryptedDeltaTest.ALICE)) {
            for (DeltaRecord rec; (rec = r.next(SampleBase.INSTANCE)) != null; ) {
                out.add(rec);
            }
        }
        return out;
    }

    /** What the reader accepted, the inspector accepts with the same counts, and it lies inside the volume. */
    private static void checkAccepted(byte[] input, List<DeltaRecord> read, DeltaInspection inspected) {
        assertTrue(inspected != null, "the reader accepted a delta the inspector refused");
        assertEquals(read.size(), inspected.dataRecords() + inspected.zeroRecords() + inspected.patchRecords(),
                "records the reader and the inspector counted");
        byte[] header = HeaderFormat.encode(inspected.header());
        boolean plain = Bytes.u16(input, HeaderFormat.OFF_MINOR) == HeaderFormat.MINOR
                && Bytes.u32(input, HeaderFormat.OFF_LENGTH) == header.length;
        if (plain) { // a later minor version's header has an extension, which is skipped and not re-encoded
            assertArrayEquals(header, Arrays.copyOf(input, header.length), "the header re-encodes to the bytes it was read from");
        }
        assertArrayEquals(header, HeaderFormat.encode(decodeHeader(header)), "a re-encoded header reads back the same");
        long cursor = 0;
        for (DeltaRecord r : read) {
            assertTrue(r.offset() >= cursor && r.offset() + r.length() <= inspected.header().volumeSize(),
                    "record " + r.offset() + "+" + r.length() + " lies inside the volume and after the one before");
            cursor = r.offset() + r.length();
        }
    }

    private static DeltaHeader decodeHeader(byte[] header) {
        try {
            return HeaderFormat.read(new StreamInput(new ByteArrayInputStream(header), 0)).header();
        } catch (IOException e) {
            throw new AssertionError("an encoded header does not decode: " + e.getMessage(), e);
        }
    }

    /**
     * The incremental sample's base snapshot, and zeros past its end: the sample's patches decode
     * against it, others decode or are refused as a base mismatch.
     */
    private enum SampleBase implements BaseSource {
        INSTANCE;

        @Override
        public void read(long offset, byte[] dst) {
            byte[] base = samples.get(0).base();
            Arrays.fill(dst, (byte) 0);
            if (offset < base.length) {
                System.arraycopy(base, (int) offset, dst, 0, (int) Math.min(dst.length, base.length - offset));
            }
        }
    }

    /** A stream that returns at most {@code most} bytes per read, as a socket may. */
    private static final class Trickle extends FilterInputStream {
        private final int most;

        Trickle(InputStream in, int most) {
            super(in);
            this.most = most;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            return super.read(b, off, Math.min(len, most));
        }
    }

    /**
     * Makes every checksum and the signature of an edited delta valid again wherever its structure
     * can still be followed, so the fuzzer's edits reach the bounds checks, the decompressor and
     * the trailer's counts rather than stopping at the first CRC.
     */
    static final class Reseal {
        private Reseal() {}

        static byte[] all(byte[] d, boolean content) {
            if (d.length < HeaderFormat.FIXED_BYTES || Bytes.u16(d, HeaderFormat.OFF_MAJOR) != 1) {
                return d; // version 2 frames are sealed with AES-GCM: only the signer and a recipient could reseal them
            }
            long declared = Bytes.u32(d, HeaderFormat.OFF_LENGTH);
            if (declared < HeaderFormat.FIXED_BYTES || declared > d.length) {
                return d;
            }
            byte[] header = Arrays.copyOf(d, (int) declared);
            Craft.recrcHeader(header);
            List<byte[]> records = new ArrayList<>();
            int p = header.length;
            long cursor = 0;
            while (p + RecordFormat.HEADER_BYTES <= d.length && Bytes.u8(d, p) != RecordFormat.KIND_TRAILER) {
                int kind = Bytes.u8(d, p);
                long stored = Bytes.u32(d, p + RecordFormat.OFF_STORED);
                long offset = Bytes.u64(d, p + RecordFormat.OFF_OFFSET);
                long length = Bytes.u64(d, p + RecordFormat.OFF_LENGTH);
                boolean signable = kind >= RecordFormat.KIND_DATA && kind <= RecordFormat.KIND_PATCH && offset >= cursor
                        && length >= 0 && offset <= Long.MAX_VALUE - length;
                if (!signable || stored > d.length - p - RecordFormat.HEADER_BYTES) {
                    break; // the reader refuses this record: sign nothing after it
                }
                byte[] r = Arrays.copyOfRange(d, p, p + RecordFormat.HEADER_BYTES + (int) stored);
                int payload = (int) stored;
                Bytes.putI32(r, RecordFormat.OFF_PAYLOAD_CRC, Bytes.crc32c(r, RecordFormat.HEADER_BYTES, payload));
                if (content && kind == RecordFormat.KIND_DATA && Bytes.u8(r, RecordFormat.OFF_FLAGS) == 0) {
                    Bytes.putI32(r, RecordFormat.OFF_CONTENT_CRC, Bytes.crc32c(r, RecordFormat.HEADER_BYTES, payload));
                }
                Craft.resealHeader(r, 0);
                records.add(r);
                cursor = offset + length;
                p += r.length;
            }
            if (p + RecordFormat.HEADER_BYTES <= d.length && Bytes.u8(d, p) == RecordFormat.KIND_TRAILER) {
                byte[] after = Arrays.copyOfRange(d, Math.min(d.length, p + TrailerFormat.TRAILER_BYTES), d.length);
                return Craft.concat(Craft.signed(header, records, Fixtures.KEY), after);
            }
            List<byte[]> parts = new ArrayList<>();
            parts.add(header);
            parts.addAll(records);
            parts.add(Arrays.copyOfRange(d, p, d.length));
            return Craft.concat(parts.toArray(byte[][]::new));
        }
    }
}
