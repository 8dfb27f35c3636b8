package io.deltasnap.cli.job;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;

/**
 * When a job's passes run: every interval (aligned to multiples of the interval since the epoch,
 * so {@code 15m} runs at :00, :15, :30, :45 UTC), or on a cron line ({@link Cron}).
 */
public sealed interface Schedule permits Schedule.Every, Cron {
  /** The first run time strictly after {@code now}. */
  Instant next(Instant now);

  String describe();

  /** A fixed interval of at least one second. */
  record Every(Duration interval) implements Schedule {
    public Every {
      if (interval.toSeconds() < 1) {
        throw new IllegalArgumentException("interval must be at least 1s");
      }
    }

    @Override
    public Instant next(Instant now) {
      long step = interval.toMillis();
      return Instant.ofEpochMilli(Math.floorDiv(now.toEpochMilli(), step) * step + step);
    }

    @Override
    public String describe() {
      return "every " + Durations.format(interval);
    }
  }

  /** Parses {@code 15m}, {@code 1h}, ... or a five-field cron line. */
  static Schedule parse(String s, ZoneId zone, String where) {
    String t = s.trim();
    if (t.split("\\s+").length == 5) {
      return Cron.parse(t, zone, where);
    }
    return new Every(Durations.parse(t, where));
  }
}
