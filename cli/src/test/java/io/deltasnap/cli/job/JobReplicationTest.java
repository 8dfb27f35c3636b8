package io.deltasnap.cli.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Passes of a job against real volumes, driven by a simulated clock. */
class JobReplicationTest {
  static final Instant MONDAY = Instant.parse("2026-11-23T00:07:00Z");

  @TempDir
  Path tmp;

  /** What a crash looks like to a pass: not an exception it handles. */
  static final class Crash extends Error {
    Crash(String step) {
      super("crash after " + step);
    }
  }

  @Test
  void aSimulatedWeekKeepsWhatEachPolicySaysAndReplicasReadLikeTheSource() throws IOException {
    String yaml = """
        schedule: 1h
        retention: {last: 3, hourly: 12, daily: 5}
        targets:
          - {name: a, path: a, retention: {last: 2, hourly: 24, daily: 30, weekly: 4}}
          - {name: b, path: b, retention: {hourly: 6, daily: 3}}
        """;
    try (JobFixture f = new JobFixture(tmp, MONDAY, yaml, "a", "b")) {
      JobRunner r = f.runner(JobRunner.Hook.NONE);
      int passes = 8 * 24 + 5; // a week and a day, hourly
      for (int i = 0; i < passes; i++) {
        f.clock.set(MONDAY.plus(Duration.ofHours(i)));
        f.change();
        PassReport p = f.pass(r);
        assertTrue(p.ok(), p.failures());
        Snap newest = p.snapshot();
        for (PassReport.TargetReport t : p.targets()) {
          assertEquals(newest.id(), t.base().id(), "target " + t.name() + " is current");
          assertEquals(1, t.sends().size());
          assertEquals(i == 0 ? null : newest.id() - 1, t.sends().get(0).base() == null ? null
              : t.sends().get(0).base().id(), "increment from the previous snapshot");
        }
        Set<Long> all = f.taken.keySet();
        assertEquals(f.expected(f.spec.retention(), all), f.sourceIds(), "source after pass " + i);
        assertEquals(f.expected(f.spec.targets().get(0).retention(), all), f.targetIds("a"), "a after pass " + i);
        assertEquals(f.expected(f.spec.targets().get(1).retention(), all), f.targetIds("b"), "b after pass " + i);
      }
      // the grid at the end, spelled out: 12 hours (with the last 3 in them), and 5 days, of which today's
      // and yesterday's newest are among those 12 hours
      TreeSet<Long> src = f.sourceIds();
      assertEquals(new TreeSet<>(List.of(120L, 144L, 168L, 186L, 187L, 188L, 189L, 190L, 191L, 192L, 193L, 194L, 195L,
          196L, 197L)), src);
      assertTrue(f.targetIds("a").size() >= 24 + 7, f.targetIds("a").toString());
      f.assertReplicaExact("a");
      f.assertReplicaExact("b");
      JobState st = new StateFile(f.spec.state()).load();
      assertEquals(f.clock.instant(), st.lastSuccess());
      assertTrue(st.target("a").bytesSent() > 0);
      assertEquals(src.last(), st.target("b").base().id());
    }
  }

  @Test
  void aPassThatCrashesAfterItsSnapshotIsFinishedByTheNext() throws IOException {
    String yaml = """
        schedule: 15m
        targets:
          - {name: a, path: a}
          - {name: b, path: b}
        """;
    try (JobFixture f = new JobFixture(tmp, MONDAY, yaml, "a", "b")) {
      f.change();
      f.pass(f.runner(JobRunner.Hook.NONE));
      f.clock.advance(Duration.ofMinutes(15));
      f.change();
      JobRunner crashing = f.runner(step -> {
        if (step.equals("snapshot")) {
          throw new Crash(step);
        }
      });
      assertThrows(Crash.class, () -> crashing.run(true, false, () -> false));
      TreeSet<Long> src = f.sourceIds();
      assertEquals(2, src.size());
      f.record(new Snap(src.last(), f.src.snapshot(src.last()).uuid(), f.src.snapshot(src.last()).name(),
          f.spec.names().parseTime(f.src.snapshot(src.last()).name())));
      assertEquals(Set.of(src.first()), f.targetIds("a"));

      // a crash in the middle of the targets: a got its increment, b did not
      f.clock.advance(Duration.ofMinutes(15));
      f.change();
      JobRunner crashAfterA = f.runner(step -> {
        if (step.equals("send:a")) {
          throw new Crash(step);
        }
      });
      assertThrows(Crash.class, () -> crashAfterA.run(true, false, () -> false));
      long third = f.sourceIds().last();
      f.record(new Snap(third, f.src.snapshot(third).uuid(), f.src.snapshot(third).name(),
          f.spec.names().parseTime(f.src.snapshot(third).name())));
      assertEquals(Set.of(src.first(), src.last()), f.targetIds("a"), "a got the first missing increment");

      f.clock.advance(Duration.ofMinutes(15));
      f.change();
      PassReport p = f.pass(f.runner(JobRunner.Hook.NONE));
      assertTrue(p.ok(), p.failures());
      assertEquals(f.sourceIds(), f.targetIds("a"));
      assertEquals(f.sourceIds(), f.targetIds("b"));
      assertEquals(2, p.targets().get(0).sends().size(), "a: the crashed pass's snapshot, then this one");
      assertEquals(3, p.targets().get(1).sends().size(), "b: both crashed passes' snapshots, then this one");
      for (PassReport.TargetReport t : p.targets()) {
        assertNotNull(t.sends().get(0).base(), "increments, not full deltas");
      }
      f.assertReplicaExact("a");
      f.assertReplicaExact("b");
    }
  }

  @Test
  void aTargetThatIsDownDelaysOnlyItselfAndCatchesUpWhenBack() throws IOException {
    String yaml = """
        schedule: 1h
        retention: {last: 2}
        targets:
          - {name: a, path: a, retention: {last: 2}}
          - {name: b, path: b}
        """;
    try (JobFixture f = new JobFixture(tmp, MONDAY, yaml, "a", "b")) {
      JobRunner r = f.runner(JobRunner.Hook.NONE);
      for (int i = 0; i < 2; i++) {
        f.change();
        assertTrue(f.pass(r).ok());
        f.clock.advance(Duration.ofHours(1));
      }
      long bBase = f.targetIds("b").last();
      Path b = f.target("b");
      Path away = tmp.resolve("b-unmounted");
      Files.move(b, away);
      for (int i = 0; i < 4; i++) {
        f.change();
        PassReport p = f.pass(r);
        assertEquals(1, p.targets().size() - (int) p.targets().stream().filter(t -> t.error() == null).count());
        assertTrue(p.targets().get(1).error().contains("missing"), p.targets().get(1).error());
        assertEquals(p.snapshot().id(), p.targets().get(0).base().id(), "a stays current");
        assertEquals(new TreeSet<>(List.of(bBase, p.snapshot().id() - 1, p.snapshot().id())), f.sourceIds(),
            "the source keeps b's base, by the state file");
        f.clock.advance(Duration.ofHours(1));
      }
      JobState st = new StateFile(f.spec.state()).load();
      assertEquals(4, st.target("b").failures());
      assertEquals(bBase, st.target("b").base().id());
      assertNotNull(st.target("b").lastError());
      assertEquals(4, st.failures());

      Files.move(away, b);
      f.change();
      PassReport p = f.pass(r);
      assertTrue(p.ok(), p.failures());
      List<PassReport.Send> sends = p.targets().get(1).sends();
      assertEquals(bBase, sends.get(0).base().id(), "b catches up with an increment from its base");
      assertEquals(3, sends.size(), "the base's successors still on the source, then the new one");
      assertEquals(new TreeSet<>(List.of(p.snapshot().id() - 1, p.snapshot().id())), f.sourceIds(),
          "b's old base goes once b has a newer one");
      f.assertReplicaExact("b");
      st = new StateFile(f.spec.state()).load();
      assertEquals(0, st.target("b").failures());
      assertNull(st.target("b").lastError());

      // b goes away again, and the state file is lost: nothing protects b's base on the source
      Files.move(b, away);
      Files.delete(f.spec.state());
      for (int i = 0; i < 3; i++) {
        f.clock.advance(Duration.ofHours(1));
        f.change();
        assertTrue(!f.pass(r).ok());
      }
      Files.move(away, b);
      f.clock.advance(Duration.ofHours(1));
      f.change();
      p = f.pass(r);
      assertTrue(p.ok(), p.failures());
      sends = p.targets().get(1).sends();
      assertEquals(1, sends.size());
      assertNull(sends.get(0).base(), "no common base left: a full delta, onto the existing replica");
      assertTrue(f.targetIds("b").containsAll(List.of(1L, 2L, p.snapshot().id())), "older snapshots stay");
      f.assertReplicaExact("b");
      f.assertReplicaExact("a");
    }
  }

  @Test
  void aDryRunChangesNothing() throws IOException {
    String yaml = """
        schedule: 1h
        retention: {last: 1}
        targets:
          - {name: a, path: a, retention: {last: 1}}
        """;
    try (JobFixture f = new JobFixture(tmp, MONDAY, yaml, "a")) {
      JobRunner r = f.runner(JobRunner.Hook.NONE);
      for (int i = 0; i < 3; i++) {
        f.change();
        f.pass(r);
        f.clock.advance(Duration.ofHours(1));
      }
      TreeSet<Long> src = f.sourceIds();
      TreeSet<Long> a = f.targetIds("a");
      String state = Files.readString(f.spec.state());
      f.change();
      PassReport p = r.run(true, true, () -> false);
      assertTrue(p.dryRun() && p.ok(), p.failures());
      assertEquals(Snap.PLANNED, p.snapshot().id());
      assertEquals(1, p.targets().get(0).sends().size(), "it would send the new snapshot");
      assertEquals(List.of(src.last()), p.sourcePruned().stream().map(Snap::id).toList(), "and prune the old one");
      assertEquals(List.of(a.last()), p.targets().get(0).pruned().stream().map(Snap::id).toList());
      assertEquals(src, f.sourceIds());
      assertEquals(a, f.targetIds("a"));
      assertEquals(state, Files.readString(f.spec.state()));
    }
  }

  @Test
  void eachPassRecordsHowManySnapshotsEachTargetIsBehind() throws IOException {
    try (JobFixture f = new JobFixture(tmp, java.time.Instant.parse("2026-11-23T00:00:00Z"),
        "schedule: 1h\ntargets:\n  - {name: a, path: a}\n  - {name: gone, path: gone}\n", "a")) {
      JobRunner r = f.runner(JobRunner.Hook.NONE);
      for (int i = 1; i <= 3; i++) {
        f.change();
        f.pass(r);
        JobState st = new StateFile(f.spec.state()).load();
        assertEquals(0, st.target("a").lagSnapshots(), "the reachable target is current");
        assertEquals(i, st.target("gone").lagSnapshots(), "the missing one falls one snapshot behind per pass");
        f.clock.advance(java.time.Duration.ofHours(1));
      }
    }
  }
}
