package io.deltasnap.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.deltasnap.testsupport.SeedCorpus;
import io.deltasnap.testsupport.UntrustedInput;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Coverage-guided fuzz target for the snapshot record, the value a snapshot-tree leaf holds, which
 * a damaged store may hand back with any bytes (a node's checksum covers the page, not what a bug
 * or an older format wrote into the value). Kept thin: it calls {@link SnapshotInfo#decode}.
 *
 * <p>Asserts that only {@link CorruptionException} escapes, that a record allocates at most a few
 * times its own size, and that a record whose name is valid UTF-8 re-encodes to its own bytes.
 */
class SnapshotRecordFuzzTest {
    @FuzzTest
    void anySnapshotRecordIsDecodedAndReEncodesOrIsRefusedAsCorrupt(byte[] input) {
        UntrustedInput records = UntrustedInput.refusedOnlyBy(UntrustedInput.FIRST_USE_BYTES + 8L * input.length,
                CorruptionException.class);
        records.parse("snapshot record", () -> SnapshotInfo.decode(42, input, "fuzz")).ifPresent(s -> {
            assertTrue(s.name().getBytes(StandardCharsets.UTF_8).length <= SnapshotInfo.MAX_NAME_BYTES * 3,
                    "name of " + s.name().length() + " characters");
            byte[] again = s.encode();
            if (Arrays.equals(s.name().getBytes(StandardCharsets.UTF_8), Arrays.copyOfRange(input, 35, input.length))) {
                assertArrayEquals(input, again, "a record with a UTF-8 name re-encodes to its own bytes");
            }
            SnapshotInfo back = records.parse("re-encoded record", () -> SnapshotInfo.decode(42, again, "fuzz"))
                    .orElseThrow(() -> new AssertionError("a decoded record re-encodes to bytes it refuses: " + s));
            assertEquals(s, back, "a decoded record re-encodes to itself");
        });
    }

    @Test
    void aRecordWhoseNameIsNotUtf8IsCorrupt() {
        // found by fuzzing: a 255-byte name of 0xff decoded to 765 bytes of U+FFFD, which no record can hold
        byte[] v = new SnapshotInfo(9, new UUID(1, 2), "n".repeat(255), 1L, 2, false, SnapshotInfo.LIVE).encode();
        Arrays.fill(v, 35, v.length, (byte) 0xff);
        CorruptionException e = assertThrows(CorruptionException.class, () -> SnapshotInfo.decode(9, v, "snapshots"));
        assertTrue(e.getMessage().contains("snapshot 9 name is not valid UTF-8"), e.getMessage());
    }

    @Test
    void seedInputsAreRecordsTheEngineWrites() throws IOException {
        UUID u = new UUID(0x1111_2222_3333_4444L, 0x5555_6666_7777_8888L);
        Map<String, byte[]> seeds = new LinkedHashMap<>();
        seeds.put("live", new SnapshotInfo(3, u, "hourly-2025-01-01T00:00", 1735689600000L, 9, false, SnapshotInfo.LIVE).encode());
        seeds.put("writable-deleted", new SnapshotInfo(4, u, "", 1735689600000L, 10, true, SnapshotInfo.DELETED).encode());
        seeds.put("staging-utf8", new SnapshotInfo(5, u, "sauvegarde-été", 1L, 11, false, SnapshotInfo.STAGING).encode());
        for (byte[] s : seeds.values()) {
            anySnapshotRecordIsDecodedAndReEncodesOrIsRefusedAsCorrupt(s);
        }
        SeedCorpus.check(SnapshotRecordFuzzTest.class, "anySnapshotRecordIsDecodedAndReEncodesOrIsRefusedAsCorrupt", seeds);
    }
}
