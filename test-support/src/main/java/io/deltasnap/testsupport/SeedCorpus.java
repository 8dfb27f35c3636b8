package io.deltasnap.testsupport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The checked-in seed inputs of a fuzz target, where Jazzer's regression mode replays them:
 * {@code src/test/resources/<package>/<TestClass>Inputs/<method>/<name>} of the module under test
 * (Surefire runs in the module's directory).
 *
 * <p>A module's seeds are made by code (valid encodings from its own encoders), so they follow the
 * format. {@link #check} fails when the files differ from what that code makes now, and naming
 * {@code -Dfuzz.writeSeeds=true} writes them instead; inputs found by fuzzing ({@code crash-*},
 * regression inputs) live beside them and are left alone.
 */
public final class SeedCorpus {
    /** System property that makes {@link #check} write the seeds instead of comparing them. */
    public static final String WRITE = "fuzz.writeSeeds";

    private SeedCorpus() {}

    /** What a seed that is not made the same way twice must still be. */
    @FunctionalInterface
    public interface Validity {
        void check(byte[] seed) throws Exception;
    }

    /** The directory Jazzer reads {@code method}'s inputs from, relative to the module. */
    public static Path directory(Class<?> fuzzTest, String method) {
        return Path.of("src", "test", "resources").resolve(fuzzTest.getPackageName().replace('.', '/'))
                .resolve(fuzzTest.getSimpleName() + "Inputs").resolve(method);
    }

    /**
     * Compares the seed files of {@code method} with {@code seeds} (name to bytes), or writes them
     * when {@value #WRITE} is true.
     *
     * @throws AssertionError naming every seed that is missing or differs
     */
    public static void check(Class<?> fuzzTest, String method, Map<String, byte[]> seeds) throws IOException {
        Path dir = directory(fuzzTest, method);
        boolean write = Boolean.getBoolean(WRITE);
        List<String> stale = new ArrayList<>();
        for (Map.Entry<String, byte[]> e : seeds.entrySet()) {
            Path f = dir.resolve(e.getKey());
            if (write) {
                Files.createDirectories(dir);
                Files.write(f, e.getValue());
            } else if (!Files.isRegularFile(f) || !Arrays.equals(Files.readAllBytes(f), e.getValue())) {
                stale.add(f.toString());
            }
        }
        if (!stale.isEmpty()) {
            throw new AssertionError("seed inputs missing or out of date (the format changed?): " + stale
                    + "; rewrite them with -D" + WRITE + "=true and commit them");
        }
    }

    /**
     * For a seed that differs at each making (an encrypted delta has a fresh key): checks that the
     * checked-in file {@code name} passes {@code validity}, or writes {@code fresh} when
     * {@value #WRITE} is true.
     */
    public static void checkValid(Class<?> fuzzTest, String method, String name, byte[] fresh, Validity validity)
            throws Exception {
        Path f = directory(fuzzTest, method).resolve(name);
        if (Boolean.getBoolean(WRITE)) {
            Files.createDirectories(f.getParent());
            Files.write(f, fresh);
        } else if (!Files.isRegularFile(f)) {
            throw new AssertionError("seed input missing: " + f + "; write it with -D" + WRITE + "=true and commit it");
        }
        validity.check(Files.readAllBytes(f));
    }
}
