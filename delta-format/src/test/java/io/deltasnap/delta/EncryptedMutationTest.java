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
import org.junit.jupiter.api.Test;

/**
 * Mutates encrypted (version 2) deltas thousands of ways, from a seeded random source (bit flips,
 * overwrites, truncations, insertions, deletions, frames duplicated, dropped, swapped or taken from
 * another encryption of the same delta, header fields edited with the header CRC re-sealed), and
 * checks: keyless verification refuses every changed stream; a reader with the key refuses it
 * with a {@link DeltaFormatException} and nothing else, and returns no record whose frame reaches
 * the first changed byte; the inspector throws nothing else.
 */
class EncryptedMutationTest {
    record Sample(byte[] delta, byte[] other, List<DeltaRecord> records) {}

    static final List<Sample> SAMPLES = new ArrayList<>();

    @BeforeAll
    static void makeSamples() throws IOException {
        EncryptedDeltaTest.makeDeltas();
        SAMPLES.add(new Sample(EncryptedDeltaTest.sealed, EncryptedDeltaTest.otherSealed, ReaderRefusalTest.records));
        byte[] full = SpecExampleTest.exampleBytes(); // signed by Fixtures.KEY too
        byte[] a = EncryptedDeltaTest.encryptedCopy(full, EncryptedDeltaTest.TO_BOTH);
        byte[] b = EncryptedDeltaTest.encryptedCopy(full, EncryptedDeltaTest.TO_BOTH);
        SAMPLES.add(new Sample(a, b, EncryptedDeltaTest.read(a, EncryptedDeltaTest.ALICE)));
    }

    @Test
    void fiveThousandMutatedEncryptedDeltasAreRefusedWithAndWithoutTheKey() {
        fuzz(5_000, 16);
    }

    void fuzz(int iterations, long seed) {
        Random rnd = new Random(seed);
        int tried = 0;
        for (int it = 0; it < iterations; it++) {
            Sample s = SAMPLES.get(rnd.nextInt(SAMPLES.size()));
            String[] what = new String[1];
            byte[] m = mutate(s, rnd, what);
            if (Arrays.equals(m, s.delta())) {
                continue;
            }
            tried++;
            String where = "iteration " + it + " (seed " + seed + "): " + what[0];
            int firstDiff = Arrays.mismatch(m, s.delta());
            try {
                DeltaInspector.verify(new ByteArrayInputStream(m), TRUST, null);
                fail(where + ": keyless verification accepted a changed stream");
            } catch (DeltaFormatException expected) {
                assertTrue(expected.offset() >= 0 && expected.offset() <= m.length, where + ": " + expected.getMessage());
            } catch (IOException | RuntimeException e) {
                throw new AssertionError(where + ": keyless verification escaped " + e, e);
            }
            List<DeltaRecord> got = new ArrayList<>();
            try (DeltaReader r = new DeltaReader(new ByteArrayInputStream(m), TRUST, EncryptedDeltaTest.BOB)) {
                for (DeltaRecord rec; (rec = r.next(baseOf(ReaderRefusalTest.base))) != null; ) {
                    got.add(rec);
                }
                fail(where + ": the reader accepted a changed stream");
            } catch (DeltaFormatException expected) {
                // refused
            } catch (IOException | RuntimeException e) {
                throw new AssertionError(where + ": the reader escaped " + e, e);
            }
            List<Integer> ends = EncryptedDeltaTest.frames(s.delta()).subList(1, EncryptedDeltaTest.frames(s.delta()).size());
            for (int i = 0; i < got.size(); i++) {
                assertTrue(ends.get(i) <= firstDiff, where + ": record " + i + " returned though the damage starts at " + firstDiff);
                assertEquals(s.records().get(i), got.get(i), where);
            }
            try {
                DeltaInspector.inspect(new ByteArrayInputStream(m), null);
            } catch (DeltaFormatException expected) {
                // most are thrown; a changed signature is reported instead
            } catch (IOException | RuntimeException e) {
                throw new AssertionError(where + ": the inspector escaped " + e, e);
            }
        }
        assertTrue(tried > iterations * 9 / 10, "most mutations change the stream: " + tried);
    }

    static byte[] mutate(Sample s, Random rnd, String[] what) {
        byte[] d = s.delta();
        List<Integer> f = EncryptedDeltaTest.frames(d); // frames, then the trailer
        int records = f.size() - 1;
        switch (rnd.nextInt(9)) {
            case 0 -> {
                byte[] b = d.clone();
                int p = rnd.nextInt(b.length);
                b[p] ^= (byte) (1 << rnd.nextInt(8));
                what[0] = "bit flip at " + p;
                return b;
            }
            case 1 -> {
                byte[] b = d.clone();
                int p = rnd.nextInt(b.length);
                b[p] = (byte) rnd.nextInt(256);
                what[0] = "byte " + p + " overwritten";
                return b;
            }
            case 2 -> {
                int n = rnd.nextInt(d.length);
                what[0] = "truncated to " + n;
                return Arrays.copyOf(d, n);
            }
            case 3 -> {
                int p = rnd.nextInt(d.length + 1);
                byte[] ins = new byte[1 + rnd.nextInt(40)];
                rnd.nextBytes(ins);
                what[0] = ins.length + " bytes inserted at " + p;
                return Craft.concat(Arrays.copyOf(d, p), ins, Arrays.copyOfRange(d, p, d.length));
            }
            case 4 -> {
                int p = rnd.nextInt(d.length);
                int n = 1 + rnd.nextInt(Math.min(64, d.length - p));
                what[0] = n + " bytes deleted at " + p;
                return Craft.concat(Arrays.copyOf(d, p), Arrays.copyOfRange(d, p + n, d.length));
            }
            case 5 -> {
                int r = rnd.nextInt(records);
                List<Integer> g = EncryptedDeltaTest.frames(s.other());
                what[0] = "frame " + r + " taken from another encryption";
                return Craft.concat(Arrays.copyOf(d, f.get(r)), Arrays.copyOfRange(s.other(), g.get(r), g.get(r + 1)),
                        Arrays.copyOfRange(d, f.get(r + 1), d.length));
            }
            case 6 -> {
                int r = rnd.nextInt(records);
                byte[] frame = Arrays.copyOfRange(d, f.get(r), f.get(r + 1));
                if (rnd.nextBoolean()) {
                    what[0] = "frame " + r + " duplicated";
                    return Craft.concat(Arrays.copyOf(d, f.get(r + 1)), frame, Arrays.copyOfRange(d, f.get(r + 1), d.length));
                }
                what[0] = "frame " + r + " dropped";
                return Craft.concat(Arrays.copyOf(d, f.get(r)), Arrays.copyOfRange(d, f.get(r + 1), d.length));
            }
            case 7 -> {
                if (records < 2) {
                    what[0] = "no frames to swap";
                    return d.clone();
                }
                int r = rnd.nextInt(records - 1);
                what[0] = "frames " + r + " and " + (r + 1) + " swapped";
                return Craft.concat(Arrays.copyOf(d, f.get(r)), Arrays.copyOfRange(d, f.get(r + 1), f.get(r + 2)),
                        Arrays.copyOfRange(d, f.get(r), f.get(r + 1)), Arrays.copyOfRange(d, f.get(r + 2), d.length));
            }
            default -> {
                // any header byte, recipients included, changed and the header CRC re-sealed
                byte[] b = d.clone();
                int len = (int) Bytes.u32(b, HeaderFormat.OFF_LENGTH);
                int p = HeaderFormat.PREFIX_BYTES + rnd.nextInt(len - 4 - HeaderFormat.PREFIX_BYTES);
                b[p] ^= (byte) (1 + rnd.nextInt(255));
                Bytes.putI32(b, len - 4, Bytes.crc32c(b, 0, len - 4));
                what[0] = "header byte " + p + " changed and re-sealed";
                return b;
            }
        }
    }
}
