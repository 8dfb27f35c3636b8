package io.deltasnap.cli.job;

import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.BitSet;

/**
 * A five-field cron line — minute, hour, day of month, month, day of week (0 or 7 = Sunday) —
 * in the job's time zone. Each field is {@code *}, a number, a range {@code a-b}, any of these
 * with a step {@code /n}, or a comma-separated list of them. As in cron, when both day fields
 * are restricted a day matching either one runs. No names (MON, JAN) and no {@code @daily}.
 */
public record Cron(String line, ZoneId zone, BitSet minutes, BitSet hours, BitSet days, BitSet months,
    BitSet weekdays, boolean anyDay, boolean anyWeekday) implements Schedule {

  static Cron parse(String line, ZoneId zone, String where) {
    String[] f = line.trim().split("\\s+");
    if (f.length != 5) {
      throw new JobFileException(where + ": a cron line has five fields, \"" + line + "\" has " + f.length);
    }
    BitSet wd = field(f[4], 0, 7, where, "day of week");
    if (wd.get(7)) {
      wd.set(0);
    }
    return new Cron(line, zone, field(f[0], 0, 59, where, "minute"), field(f[1], 0, 23, where, "hour"),
        field(f[2], 1, 31, where, "day of month"), field(f[3], 1, 12, where, "month"), wd,
        f[2].equals("*"), f[4].equals("*"));
  }

  private static BitSet field(String s, int min, int max, String where, String what) {
    BitSet b = new BitSet();
    for (String part : s.split(",")) {
      try {
        int step = 1;
        String range = part;
        int slash = part.indexOf('/');
        if (slash >= 0) {
          step = Integer.parseInt(part.substring(slash + 1));
          range = part.substring(0, slash);
        }
        int lo;
        int hi;
        if (range.equals("*")) {
          lo = min;
          hi = max;
        } else if (range.contains("-")) {
          lo = Integer.parseInt(range.substring(0, range.indexOf('-')));
          hi = Integer.parseInt(range.substring(range.indexOf('-') + 1));
        } else {
          lo = Integer.parseInt(range);
          hi = slash >= 0 ? max : lo;
        }
        if (lo < min || hi > max || lo > hi || step < 1) {
          throw new NumberFormatException();
        }
        for (int i = lo; i <= hi; i += step) {
          b.set(i);
        }
      } catch (NumberFormatException | StringIndexOutOfBoundsException e) {
        throw new JobFileException(where + ": bad cron " + what + " field \"" + s + "\" (values " + min + "-" + max
            + "; use *, N, A-B, */N, A-B/N or lists)");
      }
    }
    return b;
  }

  private boolean dayMatches(ZonedDateTime t) {
    boolean dom = days.get(t.getDayOfMonth());
    boolean dow = weekdays.get(t.getDayOfWeek().getValue() % 7);
    if (anyDay && anyWeekday) {
      return true;
    }
    if (anyDay) {
      return dow;
    }
    if (anyWeekday) {
      return dom;
    }
    return dom || dow;
  }

  @Override
  public Instant next(Instant now) {
    ZonedDateTime t = now.atZone(zone).truncatedTo(ChronoUnit.MINUTES).plusMinutes(1);
    ZonedDateTime limit = t.plusYears(5);
    while (t.isBefore(limit)) {
      if (!months.get(t.getMonthValue())) {
        t = t.withDayOfMonth(1).truncatedTo(ChronoUnit.DAYS).plusMonths(1);
      } else if (!dayMatches(t)) {
        t = t.truncatedTo(ChronoUnit.DAYS).plusDays(1);
      } else if (!hours.get(t.getHour())) {
        t = t.truncatedTo(ChronoUnit.HOURS).plusHours(1);
      } else if (!minutes.get(t.getMinute())) {
        t = t.plusMinutes(1);
      } else {
        return t.toInstant();
      }
    }
    throw new IllegalStateException("cron line \"" + line + "\" never fires");
  }

  @Override
  public String describe() {
    return "cron \"" + line + "\" (" + zone + ")";
  }
}
