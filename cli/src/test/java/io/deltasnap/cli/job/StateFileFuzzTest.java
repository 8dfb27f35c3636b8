package io.deltasnap.cli.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.deltasnap.testsupport.SeedCorpus;
import io.deltasnap.testsupport.UntrustedInput;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Coverage-guided fuzz target for the job state file: YAML the job writes itself and reads back on
 * every pass, but that a crash of the disk, a careless edit or a full file system can leave as any
 * bytes at all.
 *
 * <p>Asserts that {@link StateFile#load} returns a state or refuses with
 * {@link StateFile.DamagedException} only (which {@link StateFile#loadForPass} sets aside so the
 * job never blocks), that the heap one file allocates follows its size, and that an accepted
 * state is consistent: saved and loaded again it is the same state, and the file it was saved to
 * is one the loader accepts.
 */
class StateFileFuzzTest {
    private static Path dir;

    @BeforeAll
    static void makeDirectory() throws IOException {
        dir = Files.createTempDirectory("deltasnap-statefuzz");
    }

    @AfterAll
    static void removeDirectory() throws IOException {
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @FuzzTest // (a libFuzzer dictionary entry cannot hold a newline)
    @DictionaryEntries({"lastPass: ", "lastSuccess: ", "lastError: ", "failures: ", "lastSnapshot: ", "nextRun: ",
            "retryAt: ", "targets:", "lastAttempt: ", "bytesSent: ", "lastBytes: ", "baseId: ", "baseUuid: ",
            "baseName: ", "baseTime: ", "'2026-12-04T10:15:00Z'", "00000000-0000-0000-0000-000000000001", "&a ", "*a",
            "!!binary ", "!!timestamp ", "~"})
    void anyStateFileIsLoadedIntoAStateThatSavesStablyOrRefusedAsDamaged(byte[] input) throws IOException {
        Path file = dir.resolve("state.yaml");
        Files.write(file, input);
        StateFile state = new StateFile(file);
        UntrustedInput files = UntrustedInput.refusedOnlyBy(UntrustedInput.FIRST_USE_BYTES + 4096L * input.length,
                StateFile.DamagedException.class);
        files.parse("state file", state::load).ifPresent(s -> checkStable(state, s));
    }

    private static void checkStable(StateFile file, JobState loaded) {
        try {
            file.save(loaded);
            JobState again = file.load();
            assertEquals(loaded, again, "a loaded state saves and loads back the same");
        } catch (IOException e) {
            throw new UncheckedIOException("a state the loader accepted could not be saved and read back", e);
        }
    }

    @Test
    void aDamagedFileIsSetAsideAndThePassStartsFromAnEmptyState() throws IOException {
        Path file = dir.resolve("damaged.yaml");
        Files.write(file, new byte[] {'a', ':', ' ', (byte) 0xff, '\n'});
        StateFile state = new StateFile(file);
        assertEquals(JobState.empty(), state.loadForPass());
        assertTrue(state.damage().contains("not valid UTF-8"), state.damage());
        assertFalse(Files.exists(file), "the damaged file is moved aside");
        assertTrue(Files.exists(dir.resolve("damaged.yaml.damaged")));
    }

    @Test
    void seedInputsAreStatesTheJobWrites() throws IOException {
        Map<String, byte[]> seeds = new LinkedHashMap<>();
        seeds.put("empty-state", written(JobState.empty()));
        Instant t = Instant.parse("2026-12-04T10:15:00Z");
        Snap base = new Snap(7, new UUID(1, 2), "auto-20261204-1015", t);
        JobState full = new JobState(t, t, "target far: connection refused", 2, "auto-20261204-1015",
                t.plusSeconds(900), t.plusSeconds(60), Map.of(
                        "near", new JobState.Target(t, t, null, 0, 1 << 20, 4096, base, t),
                        "far", new JobState.Target(t, null, "connection refused", 3, 0, 0, null, null)));
        seeds.put("two-targets", written(full));
        for (byte[] s : seeds.values()) {
            anyStateFileIsLoadedIntoAStateThatSavesStablyOrRefusedAsDamaged(s);
        }
        SeedCorpus.check(StateFileFuzzTest.class, "anyStateFileIsLoadedIntoAStateThatSavesStablyOrRefusedAsDamaged",
                seeds);
    }

    private static byte[] written(JobState s) throws IOException {
        Path file = dir.resolve("seed.yaml");
        new StateFile(file).save(s);
        String text = Files.readString(file, StandardCharsets.UTF_8);
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
