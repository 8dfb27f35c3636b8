package io.deltasnap.cli.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The daemon's schedule, retry with backoff, restart and stop, on a simulated clock. */
class JobDaemonTest {
  static final Instant START = Instant.parse("2026-11-23T00:07:00Z");

  @TempDir
  Path tmp;

  static Instant at(String hhmm) {
    return Instant.parse("2026-11-23T" + hhmm + ":00Z");
  }

  @Test
  void failedPassesAreRetriedWithCappedBackoffAndARestartKeepsTheSchedule() throws Exception {
    String yaml = """
        schedule: 15m
        retry: {initial: 1m, max: 8m}
        targets:
          - {name: a, path: a}
          - {name: b, path: b}
        """;
    try (JobFixture f = new JobFixture(tmp, START, yaml, "a")) { // b is missing: down from the start
      List<Instant> wakes = new ArrayList<>();
      Path b = f.target("b");
      JobDaemon.Sleeper sim = (t, d) -> {
        if (t.isAfter(f.clock.instant())) {
          f.clock.set(t);
        }
        wakes.add(f.clock.instant());
        if (t.equals(at("00:38"))) {
          try {
            Files.createDirectories(b); // b comes back
          } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        }
      };
      StringWriter log = new StringWriter();
      JobDaemon d = new JobDaemon(f.spec, f.runner(JobRunner.Hook.NONE), f.clock, sim, new PrintWriter(log));
      d.run(9);
      assertEquals(List.of(at("00:07"), at("00:08"), at("00:10"), at("00:14"), at("00:15"), at("00:23"), at("00:30"),
          at("00:38"), at("00:45")), wakes, "scheduled passes, and retries 1m, 2m, 4m, 8m (cap) after failures, "
          + "never past the next scheduled pass");
      assertEquals(4, f.sourceIds().size(), "retries take no snapshot: 00:07, 00:15, 00:30, 00:45");
      assertEquals(f.sourceIds(), f.targetIds("a"));
      assertEquals(f.sourceIds().tailSet(3L), f.targetIds("b"),
          "b got a full delta of the newest (00:30) at the 00:38 retry, then 00:45 as an increment");
      assertTrue(log.toString().contains("retrying at 2026-11-23T00:08:00Z"), log.toString());
      JobState st = new StateFile(f.spec.state()).load();
      assertEquals(at("01:00"), st.nextRun());
      assertNull(st.retryAt());
      assertEquals(0, st.failures());

      // a restart waits for the recorded next run; a stop ends the sleep without a pass
      wakes.clear();
      JobDaemon again = new JobDaemon(f.spec, f.runner(JobRunner.Hook.NONE), f.clock, (t, dd) -> {
        wakes.add(t);
        if (wakes.size() == 2) {
          dd.stop();
        } else {
          f.clock.set(t);
        }
      }, new PrintWriter(log));
      again.run(0);
      assertEquals(List.of(at("01:00"), at("01:15")), wakes);
      assertEquals(1, again.passes());
      assertEquals(5, f.sourceIds().size());
    }
  }

  @Test
  void aMissedRunIsDoneOnceAtStart() throws Exception {
    try (JobFixture f = new JobFixture(tmp, START, "schedule: 15m\n")) {
      new StateFile(f.spec.state()).save(JobState.empty().withSchedule(at("00:00"), null, 0));
      List<Instant> wakes = new ArrayList<>();
      f.clock.set(at("05:01"));
      JobDaemon d = new JobDaemon(f.spec, f.runner(JobRunner.Hook.NONE), f.clock, (t, dd) -> {
        wakes.add(t);
        if (t.isAfter(f.clock.instant())) {
          f.clock.set(t);
        }
      }, new PrintWriter(new StringWriter()));
      d.run(2);
      assertEquals(List.of(at("00:00"), at("05:15")), wakes);
      assertEquals(2, f.sourceIds().size());
    }
  }

  @Test
  void backoffDoublesUpToItsCap() {
    JobSpec j = JobFile.parse("volume: v\nschedule: 1d\nretry: {initial: 30s, max: 5m}\n", Path.of("/j.yaml"));
    assertEquals(List.of(Duration.ofSeconds(30), Duration.ofMinutes(1), Duration.ofMinutes(2), Duration.ofMinutes(4),
        Duration.ofMinutes(5), Duration.ofMinutes(5)), List.of(j.backoff(1), j.backoff(2), j.backoff(3), j.backoff(4),
        j.backoff(5), j.backoff(50)));
  }
}
