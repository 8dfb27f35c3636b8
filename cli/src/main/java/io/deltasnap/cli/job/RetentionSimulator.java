package io.deltasnap.cli.job;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Runs a job's schedule and retention forward in time without touching anything: a snapshot at
 * each scheduled time from {@code from} on, sent to every target (a pass sends each snapshot in
 * order), and after each one every side pruned by its own {@link RetentionPolicy} at that time,
 * as passes that all succeed would do. What each side keeps at the end, and why, is what an
 * operator wants to see before trusting a grid with data.
 *
 * <p>Bases need no special care here: every pass replicates its snapshot, so each target's base
 * is the newest snapshot, which every policy keeps. Snapshot IDs are numbered from 1.
 */
public final class RetentionSimulator {
  /** More passes than this are refused: a schedule of seconds over years is a typo, not a question. */
  public static final long MAX_PASSES = 1_000_000;

  /** A snapshot a side keeps at the end, with every rule that keeps it. */
  public record Kept(Snap snap, List<String> why) {
    public Kept {
      why = List.copyOf(why);
    }
  }

  /**
   * One side: {@code name} is {@code source} or the target's name; {@code pruned} counts the
   * snapshots it deleted along the way.
   */
  public record Side(String name, String where, RetentionPolicy retention, long pruned, List<Kept> kept) {
    public Side {
      kept = List.copyOf(kept);
    }
  }

  /** The simulation: {@code passes} snapshots from {@code first} to {@code last}, and each side's end state. */
  public record Result(Instant from, Instant until, long passes, Instant first, Instant last, List<Side> sides) {
    public Result {
      sides = List.copyOf(sides);
    }
  }

  private RetentionSimulator() {}

  /**
   * Simulates {@code spec}'s passes from {@code from} (the first pass runs then, as a daemon's
   * first one does) for {@code span}.
   *
   * @throws IllegalArgumentException when the span holds more than {@link #MAX_PASSES} passes
   */
  public static Result simulate(JobSpec spec, Instant from, Duration span) {
    Instant start = from.truncatedTo(ChronoUnit.SECONDS);
    Instant until = start.plus(span);
    List<String> names = new ArrayList<>(List.of("source"));
    List<String> wheres = new ArrayList<>(List.of(spec.volume().toString()));
    List<RetentionPolicy> policies = new ArrayList<>(List.of(spec.retention()));
    for (JobSpec.TargetSpec t : spec.targets()) {
      names.add(t.name());
      wheres.add(t.where());
      policies.add(t.retention());
    }
    List<List<Snap>> held = new ArrayList<>();
    long[] pruned = new long[names.size()];
    for (int i = 0; i < names.size(); i++) {
      held.add(new ArrayList<>());
    }
    long passes = 0;
    Instant last = null;
    for (Instant t = start; !t.isAfter(until); t = spec.schedule().next(t)) {
      if (++passes > MAX_PASSES) {
        throw new IllegalArgumentException("simulating " + Durations.format(span) + " of " + spec.schedule().describe()
            + " takes more than " + MAX_PASSES + " passes: simulate a shorter time");
      }
      Snap s = new Snap(passes, null, spec.names().format(t), t);
      for (int i = 0; i < held.size(); i++) {
        List<Snap> h = held.get(i);
        h.add(s);
        if (!policies.get(i).keepsAll()) {
          pruned[i] += prune(h, policies.get(i), t, spec.zone());
        }
      }
      last = t;
    }
    List<Side> sides = new ArrayList<>();
    for (int i = 0; i < names.size(); i++) {
      Map<Long, List<String>> why = policies.get(i).explain(held.get(i), last == null ? until : last, spec.zone());
      List<Kept> kept = new ArrayList<>();
      for (Snap s : held.get(i)) {
        kept.add(new Kept(s, why.getOrDefault(s.id(), List.of())));
      }
      sides.add(new Side(names.get(i), wheres.get(i), policies.get(i), pruned[i], kept));
    }
    return new Result(start, until, passes, passes == 0 ? null : start, last, sides);
  }

  /** Drops from {@code held} what {@code policy} does not keep at {@code now}; returns how many. */
  private static int prune(List<Snap> held, RetentionPolicy policy, Instant now, ZoneId zone) {
    var keep = policy.keep(held, now, zone);
    int before = held.size();
    held.removeIf(s -> !keep.contains(s.id()));
    assert !held.isEmpty() && held.get(held.size() - 1).time().equals(now) : "the newest snapshot is always kept";
    return before - held.size();
  }
}
