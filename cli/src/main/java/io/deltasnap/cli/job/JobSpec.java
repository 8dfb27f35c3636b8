package io.deltasnap.cli.job;

import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.List;

/**
 * A parsed, checked job file. Paths are absolute (relative ones were resolved against the job
 * file's directory).
 *
 * @param name the job's name ({@code {job}} in snapshot names, and in messages)
 * @param file the job file
 * @param volume the source volume directory
 * @param schedule when {@code job daemon} runs passes
 * @param zone time zone of cron lines, {@code {time:PATTERN}} and retention periods
 * @param names snapshot name template
 * @param key the private key that signs deltas (null when there are no targets)
 * @param trust the trust file local targets verify with (null: the key's own public key)
 * @param state the state file
 * @param retention retention on the source
 * @param retryInitial first retry delay after a failed pass
 * @param retryMax cap of the exponential backoff
 * @param targets where snapshots go, in order
 * @param check the job's lag thresholds for {@code job status --check} (each target's own override them)
 */
public record JobSpec(String name, Path file, Path volume, Schedule schedule, ZoneId zone, NameTemplate names,
    Path key, Path trust, Path state, RetentionPolicy retention, Duration retryInitial, Duration retryMax,
    List<TargetSpec> targets, LagCheck check) {
  /** {@code stall_timeout:} when the job file gives none. */
  public static final Duration DEFAULT_STALL = Duration.ofMinutes(2);

  /** How many times one send that stalled is tried again within the pass, after the job's backoff. */
  public static final int STALL_RETRIES = 3;

  /**
   * Thresholds on a target's lag ({@code warn_lag:}, {@code crit_lag:}) and on its lag in
   * snapshots ({@code warn_lag_snapshots:}, {@code crit_lag_snapshots:}): at or past a warn one it
   * is WARNING, at or past a crit one CRITICAL; null: no such threshold. Each crit ≥ its warn.
   */
  public record LagCheck(Duration warn, Duration crit, Long warnSnapshots, Long critSnapshots) {
    public static final LagCheck NONE = new LagCheck(null, null);

    public LagCheck {
      if (warn != null && crit != null && crit.compareTo(warn) < 0) {
        throw new IllegalArgumentException("crit_lag is shorter than warn_lag");
      }
      if (warnSnapshots != null && critSnapshots != null && critSnapshots < warnSnapshots) {
        throw new IllegalArgumentException("crit_lag_snapshots is below warn_lag_snapshots");
      }
    }

    public LagCheck(Duration warn, Duration crit) {
      this(warn, crit, null, null);
    }

    /** These thresholds, each one not given taken from {@code outer}. */
    public LagCheck or(LagCheck outer) {
      return new LagCheck(warn != null ? warn : outer.warn, crit != null ? crit : outer.crit,
          warnSnapshots != null ? warnSnapshots : outer.warnSnapshots,
          critSnapshots != null ? critSnapshots : outer.critSnapshots);
    }
  }

  /**
   * One target.
   *
   * @param name unique within the job (state and reports are per name)
   * @param path a local replica directory (or null)
   * @param to a network receiver {@code host:port} (or null)
   * @param retention retention on this target
   * @param trust trust file for this target (null: the job's)
   * @param deltas a directory of delta files (or null): offline replication
   * @param encryptTo recipients file the deltas of a {@code deltas} target are encrypted to (or null: plain)
   * @param check its lag thresholds, the job's filled in where it gives none
   * @param stallTimeout how long a transfer to it may move no bytes before it is aborted as stalled
   *     and retried ({@code stall_timeout:}, its own or the job's; network targets only)
   */
  public record TargetSpec(String name, Path path, String to, RetentionPolicy retention, Path trust, Path deltas,
      Path encryptTo, LagCheck check, Duration stallTimeout) {
    public TargetSpec(String name, Path path, String to, RetentionPolicy retention, Path trust) {
      this(name, path, to, retention, trust, null, null, LagCheck.NONE, DEFAULT_STALL);
    }

    public String where() {
      return path != null ? path.toString() : to != null ? to : deltas.toString();
    }
  }

  /** The delay before retry number {@code failures} (1, 2, ...): doubling, capped. */
  public Duration backoff(int failures) {
    Duration d = retryInitial;
    for (int i = 1; i < failures && d.compareTo(retryMax) < 0; i++) {
      d = d.multipliedBy(2);
    }
    return d.compareTo(retryMax) > 0 ? retryMax : d;
  }
}
