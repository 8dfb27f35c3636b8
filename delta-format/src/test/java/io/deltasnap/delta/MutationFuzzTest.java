package io.deltasnap.delta;

import static io.deltasnap.delta.Fixtures.*;
import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Mutates valid deltas thousands of ways (bit flips, byte overwrites, truncations, insertions,
 * deletions, record duplication, and field edits with re-sealed checksums so bounds are reached)
 * and checks that the reader and the inspector only ever throw {@link DeltaFormatException}, never
 * accept a changed stream, and never return a record at or after damaged bytes.
 */
class MutationFuzzTest {
    static final long[] EDGE = {0, 1, -1, 2, 4095, 4096, 4097, 65536, 1L << 20, (1L << 22) - 1, 1L << 22, (1L << 22) + 1,
            Integer.MAX_VALUE, 1L << 31, 0xFFFF_FFFFL, 1L << 32, 1L << 40, Long.MAX_VALUE, Long.MIN_VALUE};

    static List<Sample> samples = new ArrayList<>();

    /** A valid delta, the records it reads as, the base its patches need. */
    record Sample(byte[] delta, List<DeltaRecord> records, byte[] base) {}

    @BeforeAll
    static synchronized void makeSamples() throws IOException {
        if (!samples.isEmpty()) {
            return; // another test class made them in this JVM
        }
        ReaderRefusalTest.makeDelta();
        samples.add(new Sample(ReaderRefusalTest.delta, ReaderRefusalTest.records, ReaderRefusalTest.base));
        Random rnd = new Random(99);
        int c = 4096;
        byte[] vol = new byte[12 * c + 1000];
        for (int i = 0; i < 12; i++) {
            byte[] chunk = switch (i % 4) {
                case 0 -> text(rnd, c);
                case 1 -> random(rnd, c);
                case 2 -> new byte[c];
                default -> text(rnd, c);
            };
            System.arraycopy(chunk, 0, vol, i * c, c);
        }
        System.arraycopy(text(rnd, 1000), 0, vol, 12 * c, 1000);
        byte[] full = write(full(c, vol.length), new WriterOptions(2, 2, 2 * c), w -> w.writeData(0, vol));
        samples.add(new Sample(full, readAll(full, null), new byte[vol.length]));
        byte[] example = SpecExampleTest.exampleBytes();
        samples.add(new Sample(example, readAll(example, SpecExampleTest.TRUST, null), new byte[(int) SpecExampleTest.VOLUME_SIZE]));
    }

    @Test
    void tenThousandMutatedDeltasAreRefusedCleanly() {
        fuzz(10_000, 1);
    }

    @Test
    @Tag("slow")
    void hundredsOfThousandsOfMutatedDeltasAreRefusedCleanly() {
        fuzz(300_000, 2);
    }

    void fuzz(int iterations, long seed) {
        Random rnd = new Random(seed);
        int refused = 0;
        for (int it = 0; it < iterations; it++) {
            Sample s = samples.get(rnd.nextInt(samples.size()));
            Mutation m = mutate(s.delta(), rnd);
            String where = "iteration " + it + " (seed " + seed + "): " + m.description();
            if (Arrays.equals(m.bytes(), s.delta())) {
                continue;
            }
            int firstDiff = Arrays.mismatch(m.bytes(), s.delta());
            List<DeltaRecord> got = new ArrayList<>();
            DeltaFormatException error = null;
            TrustedKeys trust = s == samples.get(2) ? SpecExampleTest.TRUST : TRUST;
            try (DeltaReader r = new DeltaReader(new ByteArrayInputStream(m.bytes()), trust)) {
                for (DeltaRecord rec; (rec = r.next(baseOf(s.base()))) != null; ) {
                    got.add(rec);
                }
            } catch (DeltaFormatException e) {
                error = e;
            } catch (IOException | RuntimeException | Error e) {
                throw new AssertionError(where + ": escaped " + e, e);
            }
            assertNotNull(error, where + ": a changed stream was accepted");
            refused++;
            assertTrue(error.offset() >= 0 && error.offset() <= m.bytes().length, where + ": " + error.getMessage());
            long[] ends = recordEnds(s.delta());
            for (int i = 0; i < got.size(); i++) {
                if (m.resealed()) {
                    // a re-sealed edit passes local checks; only the chain at the trailer catches it
                    if (ends[i] <= firstDiff) {
                        assertEquals(s.records().get(i), got.get(i), where);
                    }
                } else {
                    assertTrue(i < ends.length && ends[i] <= firstDiff,
                            where + ": record " + i + " returned though the damage starts at byte " + firstDiff);
                    assertEquals(s.records().get(i), got.get(i), where);
                }
            }
            try {
                DeltaInspector.inspect(new ByteArrayInputStream(m.bytes()), null);
            } catch (DeltaFormatException e) {
                // expected for most mutations; a few (signature bytes) are reported, not thrown
            } catch (IOException | RuntimeException | Error e) {
                throw new AssertionError(where + ": inspector escaped " + e, e);
            }
        }
        assertTrue(refused > iterations * 9 / 10, "most mutations change the stream: " + refused);
    }

    record Mutation(byte[] bytes, String description, boolean resealed) {}

    static Mutation mutate(byte[] d, Random rnd) {
        long[] starts = structureStarts(d); // [0, records..., trailer, end]
        switch (rnd.nextInt(9)) {
            case 0 -> {
                byte[] b = d.clone();
                int flips = 1 + rnd.nextInt(4);
                for (int i = 0; i < flips; i++) {
                    int p = rnd.nextInt(b.length);
                    b[p] ^= (byte) (1 << rnd.nextInt(8));
                }
                return new Mutation(b, flips + " bit flips", false);
            }
            case 1 -> {
                byte[] b = d.clone();
                int p = rnd.nextInt(b.length);
                b[p] = (byte) rnd.nextInt(256);
                return new Mutation(b, "byte " + p + " overwritten", false);
            }
            case 2 -> {
                int n = rnd.nextInt(d.length);
                return new Mutation(Arrays.copyOf(d, n), "truncated to " + n, false);
            }
            case 3 -> {
                int p = rnd.nextInt(d.length + 1);
                byte[] ins = new byte[1 + rnd.nextInt(40)];
                rnd.nextBytes(ins);
                return new Mutation(Craft.concat(Arrays.copyOf(d, p), ins, Arrays.copyOfRange(d, p, d.length)),
                        ins.length + " bytes inserted at " + p, false);
            }
            case 4 -> {
                int p = rnd.nextInt(d.length);
                int n = 1 + rnd.nextInt(Math.min(64, d.length - p));
                return new Mutation(Craft.concat(Arrays.copyOf(d, p), Arrays.copyOfRange(d, p + n, d.length)),
                        n + " bytes deleted at " + p, false);
            }
            case 5, 6 -> {
                // edit one field of one record header and re-seal its header CRC, so bounds are what refuses it
                if (starts.length < 4) {
                    return new Mutation(d.clone(), "no record", false);
                }
                int r = 1 + rnd.nextInt(starts.length - 3);
                int at = (int) starts[r];
                int[] fields = {RecordFormat.OFF_KIND, RecordFormat.OFF_FLAGS, RecordFormat.OFF_STORED, RecordFormat.OFF_OFFSET,
                        RecordFormat.OFF_LENGTH, RecordFormat.OFF_CONTENT_CRC, RecordFormat.OFF_PAYLOAD_CRC};
                int f = fields[rnd.nextInt(fields.length)];
                byte[] b = d.clone();
                long v = rnd.nextBoolean() ? EDGE[rnd.nextInt(EDGE.length)] : rnd.nextLong();
                switch (f) {
                    case RecordFormat.OFF_KIND, RecordFormat.OFF_FLAGS -> b[at + f] = (byte) v;
                    case RecordFormat.OFF_OFFSET, RecordFormat.OFF_LENGTH -> Bytes.putU64(b, at + f, v);
                    default -> Bytes.putI32(b, at + f, (int) v);
                }
                Craft.resealHeader(b, at);
                return new Mutation(b, "record " + r + " field +" + f + " set to " + v + " and re-sealed", true);
            }
            case 7 -> {
                // edit a header field and re-seal the header CRC
                int[] fields = {HeaderFormat.OFF_FLAGS, HeaderFormat.OFF_CHUNK_SIZE, HeaderFormat.OFF_VOLUME_SIZE,
                        HeaderFormat.OFF_BASE_ID, HeaderFormat.OFF_NAME_LENGTH, HeaderFormat.OFF_LEVEL, HeaderFormat.OFF_CODEC,
                        HeaderFormat.OFF_NAME};
                int f = fields[rnd.nextInt(fields.length)];
                byte[] b = d.clone();
                int len = (int) Bytes.u32(b, HeaderFormat.OFF_LENGTH);
                long v = rnd.nextBoolean() ? EDGE[rnd.nextInt(EDGE.length)] : rnd.nextLong();
                switch (f) {
                    case HeaderFormat.OFF_VOLUME_SIZE, HeaderFormat.OFF_BASE_ID -> Bytes.putU64(b, f, v);
                    case HeaderFormat.OFF_NAME_LENGTH -> Bytes.putU16(b, f, (int) (v & 0xFFFF));
                    case HeaderFormat.OFF_CODEC, HeaderFormat.OFF_NAME -> b[f] = (byte) v;
                    default -> Bytes.putI32(b, f, (int) v);
                }
                Bytes.putI32(b, len - 4, Bytes.crc32c(b, 0, len - 4));
                return new Mutation(b, "header field " + f + " set to " + v + " and re-sealed", true);
            }
            default -> {
                // duplicate or drop a whole record
                if (starts.length < 4) {
                    return new Mutation(d.clone(), "no record", false);
                }
                int r = 1 + rnd.nextInt(starts.length - 3);
                byte[] rec = Arrays.copyOfRange(d, (int) starts[r], (int) starts[r + 1]);
                byte[] before = Arrays.copyOf(d, (int) starts[r + 1]);
                byte[] after = Arrays.copyOfRange(d, (int) starts[r + 1], d.length);
                return rnd.nextBoolean()
                        ? new Mutation(Craft.concat(before, rec, after), "record " + r + " duplicated", false)
                        : new Mutation(Craft.concat(Arrays.copyOf(d, (int) starts[r]), after), "record " + r + " dropped", true);
            }
        }
    }
}
