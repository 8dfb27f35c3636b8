package io.deltasnap.cli.job;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class JobCheckTest {
  static final Instant NOW = Instant.parse("2026-11-28T13:00:00Z");

  static JobSpec job(String yaml) {
    return JobFile.parse("name: nightly\nvolume: v\nschedule: 1h\nkey: k\n" + yaml, Path.of("/etc/deltasnap/n.yaml"));
  }

  /** A target whose base was taken {@code ago} before {@link #NOW}. */
  static JobState.Target replicated(Duration ago) {
    Instant t = NOW.minus(ago);
    return new JobState.Target(t, t, null, 0, 100, 10, new Snap(1, UUID.randomUUID(), "s", t), t);
  }

  static JobState state(Map<String, JobState.Target> targets) {
    return new JobState(NOW, NOW, null, 0, "s", NOW, null, targets);
  }

  static final String TARGETS = """
      warn_lag: 2h
      crit_lag: 6h
      targets:
        - {name: a, path: a}
        - {name: backup1, path: b}
        - {name: c, path: c, warn_lag: 10m, crit_lag: 30m}
      """;

  @Test
  void lagInSnapshotsIsCheckedBesideLagInTimeAndAnUnknownCountIsNotHeldAgainstATarget() {
    JobSpec j = job("""
        warn_lag_snapshots: 2
        crit_lag_snapshots: 5
        targets:
          - {name: a, path: a}
          - {name: b, path: b, crit_lag_snapshots: 3}
          - {name: c, path: c}
        """);
    JobState.Target fresh = replicated(Duration.ofMinutes(1));
    JobCheck.Result r = JobCheck.of(j, state(Map.of("a", fresh.withLagSnapshots(1), "b", fresh.withLagSnapshots(2),
        "c", fresh)), NOW);
    assertEquals(new JobCheck.Result(1, "WARNING: job nightly: 3 targets, worst lag 60s (a); b lag 2 snapshots >= "
        + "warn_lag_snapshots 2"), r);
    r = JobCheck.of(j, state(Map.of("a", fresh.withLagSnapshots(0), "b", fresh.withLagSnapshots(3),
        "c", fresh.withLagSnapshots(5))), NOW);
    assertEquals(2, r.exit(), r.line());
    assertEquals("CRITICAL: job nightly: 3 targets, worst lag 60s (a); b lag 3 snapshots >= crit_lag_snapshots 3; "
        + "c lag 5 snapshots >= crit_lag_snapshots 5", r.line());
    String bad = org.junit.jupiter.api.Assertions.assertThrows(JobFileException.class,
        () -> job("warn_lag_snapshots: 4\ncrit_lag_snapshots: 3\n")).getMessage();
    org.junit.jupiter.api.Assertions.assertTrue(bad.contains("crit_lag_snapshots (3) is below warn_lag_snapshots (4)"), bad);
    bad = org.junit.jupiter.api.Assertions.assertThrows(JobFileException.class,
        () -> job("warn_lag_snapshots: 0\n")).getMessage();
    org.junit.jupiter.api.Assertions.assertTrue(bad.contains("warn_lag_snapshots is a count of snapshots ≥ 1"), bad);
  }

  @Test
  void everyTargetWithinItsThresholdsIsOkNamingTheWorst() {
    JobCheck.Result r = JobCheck.of(job(TARGETS), state(Map.of("a", replicated(Duration.ofMinutes(1)),
        "backup1", replicated(Duration.ofMinutes(4)), "c", replicated(Duration.ofMinutes(2)))), NOW);
    assertEquals(new JobCheck.Result(0, "OK: job nightly: 3 targets, worst lag 4m (backup1)"), r);
  }

  @Test
  void aTargetPastWarnLagIsWarningAndItsOwnThresholdsOverrideTheJobs() {
    JobCheck.Result r = JobCheck.of(job(TARGETS), state(Map.of("a", replicated(Duration.ofHours(2)),
        "backup1", replicated(Duration.ofMinutes(4)), "c", replicated(Duration.ofMinutes(12)))), NOW);
    assertEquals(new JobCheck.Result(1, "WARNING: job nightly: 3 targets, worst lag 2h (a); a lag 2h >= warn_lag 2h; "
        + "c lag 12m >= warn_lag 10m"), r);
  }

  @Test
  void aTargetPastCritLagOrNeverReplicatedIsCritical() {
    JobCheck.Result r = JobCheck.of(job(TARGETS), state(Map.of("a", replicated(Duration.ofHours(7)),
        "c", replicated(Duration.ofMinutes(15)))), NOW);
    assertEquals(new JobCheck.Result(2, "CRITICAL: job nightly: 3 targets, worst lag 7h (a); a lag 7h >= crit_lag 6h; "
        + "backup1 never replicated; c lag 15m >= warn_lag 10m"), r);
    assertEquals(new JobCheck.Result(2, "CRITICAL: job nightly: 3 targets; a never replicated; backup1 never "
        + "replicated; c never replicated"), JobCheck.of(job(TARGETS), JobState.empty(), NOW));
  }

  @Test
  void withoutThresholdsOnlyANeverReplicatedTargetCounts() {
    JobSpec j = job("targets: [{name: a, path: a}]\n");
    assertEquals(new JobCheck.Result(0, "OK: job nightly: 1 target, worst lag 30d (a)"),
        JobCheck.of(j, state(Map.of("a", replicated(Duration.ofDays(30)))), NOW));
    assertEquals(new JobCheck.Result(0, "OK: job nightly: no targets"), JobCheck.of(job(""), JobState.empty(), NOW));
  }

  @Test
  void aBaseDatedAfterNowIsNoLag() {
    JobCheck.Result r = JobCheck.of(job(TARGETS), state(Map.of("a", replicated(Duration.ofMinutes(-5)),
        "backup1", replicated(Duration.ZERO), "c", replicated(Duration.ZERO))), NOW);
    assertEquals(0, r.exit(), r.line());
  }
}
