package io.deltasnap.delta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Randomized property, seeded so a failure names the iteration that reproduces it: any set of up
 * to four byte edits and any truncation of a valid delta is refused with a
 * {@link DeltaFormatException} and nothing else, and no record is returned from at or after the
 * first changed byte. (Coverage-guided exploration of the same reader is {@link DeltaReaderFuzzTest}.)
 */
class ReaderPropertyTest {
    private static final long SEED = 0x5eed_de17aL;
    private static final int TRIES = 3000;
    private static MutationFuzzTest.Sample sample;

    @BeforeAll
    static void makeSample() throws IOException {
        if (MutationFuzzTest.samples.isEmpty()) {
            MutationFuzzTest.makeSamples();
        }
        sample = MutationFuzzTest.samples.get(1); // a full delta of text, random and zero chunks
    }

    @Test
    void damagedDeltasAreRefusedWithTheFormatsOwnErrorAndNothingAfterTheDamageIsReturned() {
        SplittableRandom rnd = new SplittableRandom(SEED);
        int refused = 0;
        for (int it = 0; it < TRIES; it++) {
            byte[] bytes = damage(sample.delta(), rnd);
            int firstDiff = Arrays.mismatch(bytes, sample.delta());
            if (firstDiff < 0) {
                continue; // the edits wrote back the bytes that were there: nothing to refuse
            }
            String where = "iteration " + it + " (seed " + SEED + "), first change at byte " + firstDiff;
            int[] returned = {0};
            DeltaFormatException e = assertThrows(DeltaFormatException.class, () -> {
                try (DeltaReader r = new DeltaReader(new ByteArrayInputStream(bytes), Fixtures.TRUST)) {
                    while (r.next(Fixtures.baseOf(sample.base())) != null) {
                        returned[0]++;
                    }
                }
            }, where + ": a changed delta was accepted");
            refused++;
            assertTrue(e.offset() >= 0 && e.offset() <= bytes.length, where + ": " + e.getMessage());
            long[] ends = Fixtures.recordEnds(sample.delta());
            for (int i = 0; i < returned[0]; i++) {
                assertTrue(i < ends.length && ends[i] <= firstDiff, where + ": record " + i + " was returned");
            }
        }
        assertTrue(refused > TRIES * 9 / 10, "most damage changes the stream: " + refused + " of " + TRIES);
    }

    @Test
    void theSameSeedDamagesTheSameWay() {
        SplittableRandom a = new SplittableRandom(SEED);
        SplittableRandom b = new SplittableRandom(SEED);
        for (int i = 0; i < 20; i++) {
            assertEquals(Arrays.hashCode(damage(sample.delta(), a)), Arrays.hashCode(damage(sample.delta(), b)));
        }
    }

    /** Up to four bytes overwritten at random places, then a random truncation half the time (always, if none was). */
    private static byte[] damage(byte[] delta, SplittableRandom rnd) {
        byte[] b = delta.clone();
        int edits = rnd.nextInt(5);
        for (int n = edits; n > 0; n--) {
            b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
        }
        return edits == 0 || rnd.nextBoolean() ? Arrays.copyOf(b, rnd.nextInt(b.length)) : b;
    }
}
