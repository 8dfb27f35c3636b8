package io.deltasnap.cli.job;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which of a job's snapshots to keep, like sanoid's templates or zrepl's grid: the newest
 * {@code last}, plus, for each period with a count n (hourly: 24, daily: 30, monthly: 12, ...),
 * the newest snapshot in each of the n calendar periods that end with the current one (in the
 * job's time zone). The newest snapshot is always kept, and so is any snapshot dated after
 * "now" (a clock that went back must not cost data). Pruning by this policy is monotonic: a
 * snapshot it drops at one time it would drop at every later time, so passes may be missed or
 * repeated without changing the outcome.
 *
 * <p>Protecting the base of the next increment is not this class's job: {@link JobRunner} adds
 * it to what the policy keeps.
 */
public record RetentionPolicy(int last, Map<Period, Integer> grid) {
  /** Calendar periods, each numbered so that consecutive periods have consecutive numbers. */
  public enum Period {
    HOURLY, DAILY, WEEKLY, MONTHLY, YEARLY;

    long bucket(Instant t, ZoneId zone) {
      LocalDateTime l = LocalDateTime.ofInstant(t, zone);
      return switch (this) {
        case HOURLY -> l.truncatedTo(ChronoUnit.HOURS).toEpochSecond(ZoneOffset.UTC) / 3600;
        case DAILY -> l.toLocalDate().toEpochDay();
        case WEEKLY -> Math.floorDiv(l.toLocalDate().toEpochDay() + 3, 7); // ISO weeks start on Monday
        case MONTHLY -> l.getYear() * 12L + l.getMonthValue() - 1;
        case YEARLY -> l.getYear();
      };
    }

    public String key() {
      return name().toLowerCase();
    }

    /** The period {@code t} falls in, for people: {@code 2026-11-28T13}, {@code 2026-W48}, {@code 2026-11}. */
    String label(Instant t, ZoneId zone) {
      LocalDateTime l = LocalDateTime.ofInstant(t, zone);
      return switch (this) {
        case HOURLY -> l.toLocalDate() + "T" + String.format("%02d", l.getHour());
        case DAILY -> l.toLocalDate().toString();
        case WEEKLY -> String.format("%d-W%02d", l.get(java.time.temporal.IsoFields.WEEK_BASED_YEAR),
            l.get(java.time.temporal.IsoFields.WEEK_OF_WEEK_BASED_YEAR));
        case MONTHLY -> String.format("%d-%02d", l.getYear(), l.getMonthValue());
        case YEARLY -> Integer.toString(l.getYear());
      };
    }
  }

  public RetentionPolicy {
    if (last < 0) {
      throw new IllegalArgumentException("last must be ≥ 0");
    }
    grid = Map.copyOf(grid);
  }

  /** Keeps every snapshot (a side without a retention setting). */
  public static RetentionPolicy keepAll() {
    return new RetentionPolicy(Integer.MAX_VALUE, Map.of());
  }

  public boolean keepsAll() {
    return last == Integer.MAX_VALUE;
  }

  /** The IDs of {@code snaps} (owned snapshots, each with a time) to keep at {@code now}. */
  public Set<Long> keep(List<Snap> snaps, Instant now, ZoneId zone) {
    return new HashSet<>(explain(snaps, now, zone).keySet());
  }

  /**
   * What {@link #keep} keeps, each with every rule that keeps it ({@code "last 2 (#1)"}, {@code
   * "daily 2026-11-28 (1 of 7)"}, {@code "dated after now"}), in rule order; a snapshot not in
   * the map is pruned.
   */
  public Map<Long, List<String>> explain(List<Snap> snaps, Instant now, ZoneId zone) {
    List<Snap> newestFirst = new ArrayList<>(snaps);
    newestFirst.sort(Comparator.comparing(Snap::time).thenComparingLong(Snap::id).reversed());
    Map<Long, List<String>> keep = new LinkedHashMap<>();
    for (int i = 0; i < newestFirst.size(); i++) {
      Snap s = newestFirst.get(i);
      if (i < Math.max(1, last)) {
        why(keep, s, i == 0 && last <= 1 ? "newest" : "last " + last + " (#" + (i + 1) + ")");
      }
      if (s.time().isAfter(now)) {
        why(keep, s, "dated after now");
      }
    }
    for (Period p : Period.values()) {
      Integer n = grid.get(p);
      if (n == null) {
        continue;
      }
      long current = p.bucket(now, zone);
      long oldest = current - n + 1;
      Set<Long> filled = new HashSet<>();
      for (Snap s : newestFirst) {
        long b = p.bucket(s.time(), zone);
        if (b >= oldest && b <= current && filled.add(b)) {
          why(keep, s, p.key() + " " + p.label(s.time(), zone) + " (" + (current - b + 1) + " of " + n + ")");
        }
      }
    }
    return keep;
  }

  private static void why(Map<Long, List<String>> keep, Snap s, String reason) {
    keep.computeIfAbsent(s.id(), k -> new ArrayList<>()).add(reason);
  }

  /** As written in a job file. */
  public String describe() {
    if (keepsAll()) {
      return "all";
    }
    StringBuilder sb = new StringBuilder("last " + last);
    for (Period p : Period.values()) {
      Integer n = grid.get(p);
      if (n != null && n > 0) {
        sb.append(", ").append(p.key()).append(' ').append(n);
      }
    }
    return sb.toString();
  }
}
