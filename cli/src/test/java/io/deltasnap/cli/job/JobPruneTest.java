package io.deltasnap.cli.job;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@code job prune --dry-run} reports (a pass without a snapshot, dry): that it changes
 * nothing, that a real pass then deletes exactly that, that it explains every snapshot it keeps,
 * and that no target's base is ever on its list.
 */
class JobPruneTest {
  static final Instant T0 = Instant.parse("2026-11-02T00:00:00Z");

  @TempDir
  Path tmp;

  static TreeSet<Long> ids(List<Snap> l) {
    return l.stream().map(Snap::id).collect(Collectors.toCollection(TreeSet::new));
  }

  @Test
  void aDryRunListsWhatTheNextPassPrunesExplainsEveryKeepAndChangesNothing() throws Exception {
    // a day of hourly passes keeping everything, then b goes away for five more
    try (JobFixture f = new JobFixture(tmp, T0, """
        schedule: 1h
        targets:
          - {name: a, path: a}
          - {name: b, path: b}
        """, "a", "b")) {
      JobRunner keepAll = f.runner(JobRunner.Hook.NONE);
      for (int i = 0; i < 24; i++) {
        f.change();
        assertTrue(f.pass(keepAll).ok());
        f.clock.advance(Duration.ofHours(1));
      }
      Files.move(tmp.resolve("b"), tmp.resolve("b-away"));
      for (int i = 0; i < 5; i++) {
        f.change();
        f.pass(keepAll);
        f.clock.advance(Duration.ofHours(1));
      }
      assertEquals(29, f.sourceIds().size());
      // the same job, with retention now: b's base (24) is on the source only because b was not reached
      Path file = tmp.resolve("tight.yaml");
      Files.writeString(file, """
          name: job
          volume: src
          key: job.key
          state: job.yaml.state
          schedule: 1h
          retention: {last: 2, hourly: 4}
          targets:
            - {name: a, path: a, retention: {last: 1, daily: 2}}
            - {name: b, path: b, retention: {last: 1}}
          """);
      JobSpec tight = JobFile.load(file);
      JobRunner r = new JobRunner(tight, f.src, JobRunner.targets(tight, f.key, f.src), f.key, f.clock,
          JobRunner.Hook.NONE);
      byte[] state = Files.readAllBytes(tight.state());
      TreeSet<Long> src = f.sourceIds();
      TreeSet<Long> onA = f.targetIds("a");

      PassReport dry = r.run(false, true, () -> false);

      assertArrayEquals(state, Files.readAllBytes(tight.state()), "the state file is untouched");
      assertEquals(src, f.sourceIds(), "nothing deleted on the source");
      assertEquals(onA, f.targetIds("a"), "nothing deleted on a");
      assertEquals(null, dry.snapshot(), "no snapshot planned");
      // the source: the newest 2, the newest of each of the 4 hours (none in the current one: 29, 28, 27), and b's recorded base
      assertEquals(new TreeSet<>(List.of(24L, 27L, 28L, 29L)), ids(dry.sourceKept().stream()
          .map(PassReport.Kept::snap).toList()));
      PassReport.Kept b24 = dry.sourceKept().stream().filter(k -> k.snap().id() == 24).findFirst().orElseThrow();
      assertTrue(b24.why().stream().anyMatch(w -> w.startsWith("base of target b")), b24.why().toString());
      PassReport.Kept newest = dry.sourceKept().stream().filter(k -> k.snap().id() == 29).findFirst().orElseThrow();
      assertTrue(newest.why().contains("last 2 (#1)") && newest.why().contains("base of target a")
          && newest.why().stream().anyMatch(w -> w.startsWith("hourly ")), newest.why().toString());
      // a: its newest (also its base) and the newest of each of 2 days
      PassReport.TargetReport a = dry.targets().get(0);
      assertEquals(new TreeSet<>(List.of(24L, 29L)), ids(a.kept().stream().map(PassReport.Kept::snap).toList()));
      assertTrue(a.kept().stream().allMatch(k -> !k.why().isEmpty()));
      assertEquals(29L, a.base().id());
      assertFalse(ids(a.pruned()).contains(a.base().id()), "a's base is never on the list");
      assertFalse(ids(dry.sourcePruned()).contains(24L), "nor b's recorded base, on the source");
      assertEquals(dry.sourcePruned().size() + dry.sourceKept().size(), src.size(), "every snapshot has a verdict");
      assertTrue(dry.targets().get(1).error().contains("missing"), "b is reported unreachable");

      PassReport real = r.run(false, false, () -> false);

      assertEquals(ids(dry.sourcePruned()), ids(real.sourcePruned()), "the pass deletes what the dry run listed");
      assertEquals(ids(a.pruned()), ids(real.targets().get(0).pruned()));
      TreeSet<Long> left = new TreeSet<>(src);
      left.removeAll(ids(dry.sourcePruned()));
      assertEquals(left, f.sourceIds());
      TreeSet<Long> leftA = new TreeSet<>(onA);
      leftA.removeAll(ids(a.pruned()));
      assertEquals(leftA, f.targetIds("a"));
    }
  }

  @Test
  void aTargetsBaseIsKeptOnTheTargetEvenWhenNoRuleWould() throws Exception {
    // a source-side rule that keeps an older snapshot newest on the target: the target's base (its newest
    // shared one) is kept there regardless of the target's retention
    try (JobFixture f = new JobFixture(tmp, T0, """
        schedule: 1h
        targets:
          - {name: a, path: a, retention: {last: 1}}
        """, "a")) {
      JobRunner r = f.runner(JobRunner.Hook.NONE);
      for (int i = 0; i < 4; i++) {
        f.change();
        f.pass(r);
        f.clock.advance(Duration.ofHours(1));
      }
      PassReport dry = r.run(false, true, () -> false);
      PassReport.TargetReport a = dry.targets().get(0);
      assertEquals(List.of(4L), a.kept().stream().map(k -> k.snap().id()).toList());
      assertTrue(a.kept().get(0).why().contains("base (of the next increment)"), a.kept().get(0).why().toString());
      assertEquals(List.of(), a.pruned(), "the earlier ones went in their passes");
    }
  }
}
