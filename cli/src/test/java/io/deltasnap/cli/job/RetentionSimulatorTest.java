package io.deltasnap.cli.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The retention simulator against a model built in the test: every scheduled time a snapshot,
 * then each side pruned by {@link ReferenceRetention} (the brute-force grid), over random grids,
 * schedules, zones, start times and spans.
 */
class RetentionSimulatorTest {
  static final String[] ZONES = {"UTC", "Europe/Paris", "America/New_York", "Australia/Lord_Howe"};
  static final String[] EVERY = {"7m", "15m", "1h", "3h", "13h", "1d", "*/20 * * * *", "0 3 * * 1-5"};

  static String grid(Random rnd) {
    if (rnd.nextInt(8) == 0) {
      return "all";
    }
    StringBuilder sb = new StringBuilder("{last: " + rnd.nextInt(5));
    for (RetentionPolicy.Period p : RetentionPolicy.Period.values()) {
      if (rnd.nextBoolean()) {
        sb.append(", ").append(p.key()).append(": ").append(rnd.nextInt(6));
      }
    }
    return sb.append('}').toString();
  }

  static JobSpec job(Random rnd) {
    String yaml = "volume: v\nkey: k\nschedule: '" + EVERY[rnd.nextInt(EVERY.length)] + "'\ntimezone: "
        + ZONES[rnd.nextInt(ZONES.length)] + "\nretention: " + grid(rnd) + "\ntargets:\n"
        + "  - {name: a, path: /a, retention: " + grid(rnd) + "}\n"
        + "  - {name: b, to: 'h:1', retention: " + grid(rnd) + "}\n";
    return JobFile.parse(yaml, Path.of("/jobs/sim.yaml"));
  }

  @Test
  void whatEachSideKeepsIsWhatPruningByTheBruteForceGridAfterEveryPassKeeps() {
    Random rnd = new Random(18);
    int compared = 0;
    for (int round = 0; round < 40; round++) {
      JobSpec spec = job(rnd);
      Instant from = Instant.parse("2024-01-01T00:00:00Z").plusSeconds(rnd.nextInt(4 * 365 * 86400));
      Duration span = Duration.ofHours(1 + rnd.nextInt(24 * 60));
      String what = "round " + round + ": " + spec.schedule().describe() + " in " + spec.zone() + " from " + from
          + " for " + Durations.format(span);
      // the model: the passes' times, then each side pruned after each one
      List<Instant> times = new ArrayList<>();
      for (Instant t = from; !t.isAfter(from.plus(span)) && times.size() < 1200; t = spec.schedule().next(t)) {
        times.add(t);
      }
      if (times.size() >= 1200) {
        continue; // a long one: the cap is tested below
      }
      RetentionSimulator.Result r = RetentionSimulator.simulate(spec, from, span);
      compared++;
      assertEquals(times.size(), r.passes(), what);
      assertEquals(3, r.sides().size());
      List<RetentionPolicy> policies = new ArrayList<>(List.of(spec.retention()));
      spec.targets().forEach(t -> policies.add(t.retention()));
      for (int i = 0; i < policies.size(); i++) {
        List<Snap> held = new ArrayList<>();
        List<Snap> all = new ArrayList<>();
        long pruned = 0;
        for (int k = 0; k < times.size(); k++) {
          Snap s = new Snap(k + 1, null, "s" + k, times.get(k));
          held.add(s);
          all.add(s);
          Instant now = times.get(k);
          Set<Long> keep = policies.get(i).keepsAll() ? null : ReferenceRetention.keep(policies.get(i), held, now, spec.zone());
          if (keep != null) {
            pruned += held.stream().filter(x -> !keep.contains(x.id())).count();
            held.removeIf(x -> !keep.contains(x.id()));
          }
        }
        RetentionSimulator.Side side = r.sides().get(i);
        TreeSet<Long> expected = held.stream().map(Snap::id).collect(Collectors.toCollection(TreeSet::new));
        TreeSet<Long> got = side.kept().stream().map(k -> k.snap().id()).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(expected, got, what + ", side " + side.name() + " (" + policies.get(i).describe() + ")");
        assertEquals(pruned, side.pruned(), what + ", side " + side.name());
        assertTrue(side.kept().stream().allMatch(k -> !k.why().isEmpty()), "every survivor says why: " + what);
        if (!policies.get(i).keepsAll() && !times.isEmpty()) {
          // pruning is monotonic: pass by pass it ends where one prune of everything at the end does
          assertEquals(expected, new TreeSet<>(ReferenceRetention.keep(policies.get(i), all, times.get(times.size() - 1),
              spec.zone())), what + ", side " + side.name());
        }
      }
    }
    assertTrue(compared >= 20, "most rounds were compared, not skipped: " + compared);
  }

  @Test
  void theFirstPassRunsAtTheStartAndTheNewestIsAlwaysKept() {
    JobSpec spec = JobFile.parse("volume: v\nschedule: 1h\nretention: {last: 1}\n", Path.of("/jobs/j.yaml"));
    Instant from = Instant.parse("2026-12-01T10:30:00Z");
    RetentionSimulator.Result r = RetentionSimulator.simulate(spec, from, Duration.ofHours(3));
    assertEquals(4, r.passes(), "10:30, then 11:00, 12:00, 13:00");
    RetentionSimulator.Side src = r.sides().get(0);
    assertEquals(1, src.kept().size());
    assertEquals(Instant.parse("2026-12-01T13:00:00Z"), src.kept().get(0).snap().time());
    assertEquals(List.of("newest"), src.kept().get(0).why());
    assertEquals(3, src.pruned());
    assertFalse(src.kept().get(0).snap().name().isEmpty());
  }

  @Test
  void tooManyPassesAreRefused() {
    JobSpec spec = JobFile.parse("volume: v\nschedule: 1s\n", Path.of("/jobs/j.yaml"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> RetentionSimulator.simulate(spec, Instant.EPOCH, Duration.ofDays(30)));
    assertTrue(e.getMessage().contains("more than " + RetentionSimulator.MAX_PASSES + " passes"), e.getMessage());
  }
}
