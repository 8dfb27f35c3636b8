package io.deltasnap.cli.job;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.time.temporal.TemporalAdjusters;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Retention computed independently of {@link RetentionPolicy#keep}, the slow obvious way: a
 * snapshot stays if it is among the newest {@code last}, or if, for some period, no newer
 * snapshot starts in the same period and that period starts at or after the start of the period
 * n-1 periods before now's.
 */
final class ReferenceRetention {
  private ReferenceRetention() {}

  static ZonedDateTime start(RetentionPolicy.Period p, ZonedDateTime t) {
    return switch (p) {
      case HOURLY -> t.truncatedTo(ChronoUnit.HOURS);
      case DAILY -> t.truncatedTo(ChronoUnit.DAYS);
      case WEEKLY -> t.truncatedTo(ChronoUnit.DAYS).with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY));
      case MONTHLY -> t.truncatedTo(ChronoUnit.DAYS).withDayOfMonth(1);
      case YEARLY -> t.truncatedTo(ChronoUnit.DAYS).withDayOfYear(1);
    };
  }

  static ZonedDateTime back(RetentionPolicy.Period p, ZonedDateTime t, int n) {
    return switch (p) {
      case HOURLY -> t.minusHours(n);
      case DAILY -> t.minusDays(n);
      case WEEKLY -> t.minusWeeks(n);
      case MONTHLY -> t.minusMonths(n);
      case YEARLY -> t.minusYears(n);
    };
  }

  static Set<Long> keep(RetentionPolicy r, List<Snap> snaps, Instant now, ZoneId zone) {
    Set<Long> keep = new HashSet<>();
    List<Snap> sorted = snaps.stream().sorted(Comparator.comparing(Snap::time).thenComparing(Snap::id)).toList();
    for (int i = 0; i < sorted.size(); i++) {
      Snap s = sorted.get(i);
      int newerCount = sorted.size() - 1 - i;
      if (newerCount < Math.max(1, r.last()) || s.time().isAfter(now)) {
        keep.add(s.id());
        continue;
      }
      ZonedDateTime zt = s.time().atZone(zone);
      for (var e : r.grid().entrySet()) {
        RetentionPolicy.Period p = e.getKey();
        ZonedDateTime mine = start(p, zt);
        ZonedDateTime oldest = back(p, start(p, now.atZone(zone)), e.getValue() - 1);
        boolean newestInPeriod = true;
        for (int j = i + 1; j < sorted.size(); j++) {
          if (start(p, sorted.get(j).time().atZone(zone)).equals(mine)) {
            newestInPeriod = false;
          }
        }
        if (newestInPeriod && !mine.isBefore(oldest) && !zt.isAfter(now.atZone(zone))) {
          keep.add(s.id());
        }
      }
    }
    return keep;
  }
}
