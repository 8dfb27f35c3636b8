package io.deltasnap.cli.job;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as job files write them: {@code 90s}, {@code 15m}, {@code 1h30m}, {@code 2d}. */
public final class Durations {
  private static final Pattern PART = Pattern.compile("(\\d+)([smhdw])");

  private Durations() {}

  /** The longest duration a job file may give: a schedule or retry further apart is a mistake. */
  static final Duration MAX = Duration.ofDays(100 * 366);

  /**
   * Parses {@code 90s}, {@code 15m}, {@code 1h30m}, {@code 7d}, {@code 2w}; null if it is none of
   * those, or longer than {@link #MAX} (so that no number, however long, overflows).
   */
  public static Duration parse(String s) {
    String t = s.trim();
    Matcher m = PART.matcher(t);
    Duration d = Duration.ZERO;
    int at = 0;
    while (m.find() && m.start() == at) {
      if (m.group(1).length() > 12) {
        return null; // more than 10^12 of any unit is beyond MAX; and Long.parseLong would overflow past 19 digits
      }
      long n = Long.parseLong(m.group(1));
      d = d.plus(switch (m.group(2)) {
        case "s" -> Duration.ofSeconds(n);
        case "m" -> Duration.ofMinutes(n);
        case "h" -> Duration.ofHours(n);
        case "d" -> Duration.ofDays(n);
        default -> Duration.ofDays(7 * n);
      });
      if (d.compareTo(MAX) > 0) {
        return null; // checked part by part, so that many parts cannot add up past a long
      }
      at = m.end();
    }
    return t.isEmpty() || at != t.length() || d.isZero() ? null : d;
  }

  static Duration parse(String s, String where) {
    Duration d = parse(s);
    if (d == null) {
      throw new JobFileException(where + ": \"" + s + "\" is not a duration of at most 100 years (say 30s, 15m, 1h, 1d)"
          + " or a cron line (five fields, e.g. \"*/15 * * * *\")");
    }
    return d;
  }

  static String format(Duration d) {
    long s = d.toSeconds();
    StringBuilder sb = new StringBuilder();
    long[] units = {86400, 3600, 60, 1};
    String[] names = {"d", "h", "m", "s"};
    for (int i = 0; i < units.length; i++) {
      if (s >= units[i]) {
        sb.append(s / units[i]).append(names[i]);
        s %= units[i];
      }
    }
    return sb.length() == 0 ? "0s" : sb.toString();
  }
}
