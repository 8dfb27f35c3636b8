package io.deltasnap.cli.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.deltasnap.testsupport.SeedCorpus;
import io.deltasnap.testsupport.UntrustedInput;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Coverage-guided fuzz target for the job file parser: YAML from a file the daemon reads on every
 * pass, written by hand (or by whoever can write that file).
 *
 * <p>Asserts that only {@link JobFileException} (which names the file and the field) escapes,
 * never the YAML library's or the JDK's own exceptions (a path with a NUL in it, say), that the
 * heap one file allocates follows its size, and that an accepted job is usable: absolute paths,
 * a schedule that fires, a valid name.
 */
class JobFileFuzzTest {
    private static final Path FILE = Path.of("/etc/deltasnap/vol.yaml");

    @FuzzTest // (a libFuzzer dictionary entry cannot hold a newline)
    @DictionaryEntries({"volume: ", "schedule: ", "timezone: ", "snapshots:", "name: ", "key: ", "trust: ", "state: ",
            "retention:", "retry:", "initial: ", "max: ", "targets:", "- ", "path: ", "to: ", "last: ", "hourly: ",
            "daily: ", "weekly: ", "monthly: ", "yearly: ", "{time}", "{job}", "15m", "1h", "*/15 * * * *", "&a ", "*a", "warn_lag: ", "crit_lag: "})
    void anyJobFileIsReadIntoAUsableJobOrRefusedNamingTheField(byte[] input) {
        String text = new String(input, StandardCharsets.UTF_8);
        UntrustedInput files = UntrustedInput.refusedOnlyBy(UntrustedInput.FIRST_USE_BYTES + 4096L * input.length,
                JobFileException.class);
        files.parse("job file", () -> JobFile.parse(text, FILE)).ifPresent(JobFileFuzzTest::checkUsable);
    }

    private static void checkUsable(JobSpec j) {
        assertTrue(j.name().matches("[A-Za-z0-9._-]{1,64}"), j.name());
        assertTrue(j.volume().isAbsolute() && j.state().isAbsolute(), "paths are resolved: " + j.volume() + ", " + j.state());
        Instant from = Instant.parse("2030-01-01T00:00:00Z");
        assertTrue(j.schedule().next(from).isAfter(from), "the schedule fires after " + from);
        for (JobSpec.TargetSpec t : j.targets()) {
            assertTrue((t.path() == null) != (t.to() == null), "a target is a path or an address: " + t);
            assertTrue(t.path() == null || t.path().isAbsolute(), "target path is resolved: " + t.path());
        }
        assertEquals(j.targets().size(), j.targets().stream().map(JobSpec.TargetSpec::name).distinct().count(),
                "target names are distinct");
    }

    @Test
    void seedInputsAreTheJobFilesTheDocsShow() throws IOException {
        Map<String, byte[]> seeds = new LinkedHashMap<>();
        seeds.put("minimal", utf8("volume: /srv/vol\nschedule: 15m\n"));
        seeds.put("full", utf8("""
                name: vol
                volume: ../../srv/vol
                schedule: '*/15 * * * *'
                timezone: Europe/Paris
                snapshots: {name: 'auto-{time}'}
                key: job.key
                trust: job.pub
                retry: {initial: 30s, max: 2h}
                retention: {last: 4, hourly: 24, daily: 30, monthly: 12}
                targets:
                  - name: near
                    path: /srv/replica
                    retention: {hourly: 48}
                  - to: backup.example:7070
                """));
        seeds.put("lag-thresholds", utf8("""
                volume: /srv/vol
                schedule: 15m
                key: job.key
                warn_lag: 2h
                crit_lag: 6h
                targets:
                  - {name: near, path: /srv/replica, crit_lag: 1d}
                  - {name: far, to: 'backup1:7000', warn_lag: 30m, crit_lag: 1h}
                """));
        seeds.put("anchors", utf8("volume: &v /srv/vol\nschedule: 1h\nstate: *v\n"));
        for (byte[] s : seeds.values()) {
            anyJobFileIsReadIntoAUsableJobOrRefusedNamingTheField(s);
        }
        SeedCorpus.check(JobFileFuzzTest.class, "anyJobFileIsReadIntoAUsableJobOrRefusedNamingTheField", seeds);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
