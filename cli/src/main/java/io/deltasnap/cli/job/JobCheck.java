package io.deltasnap.cli.job;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code job status --check}: a job's health as one monitoring line and a Nagios exit code, from
 * the state file alone (it never opens the volume, so it works while a daemon holds it).
 *
 * <p>A target's lag is {@link JobState#lag}: now minus the time of the newest snapshot of the
 * source it holds (its base, as the last pass recorded it) — what losing the source now would
 * lose. It grows when the job stops as well as when a target falls behind. A target with no base
 * (never replicated, or its base lost) is CRITICAL; otherwise a lag at or past {@code crit_lag} is
 * CRITICAL, at or past {@code warn_lag} WARNING; likewise its lag in snapshots (the job's snapshots
 * on the source newer than its base, as the last pass left them) against {@code crit_lag_snapshots}
 * and {@code warn_lag_snapshots} (not known for a state written before it was recorded: then those
 * two are not checked). The worst target decides the exit code.
 */
public final class JobCheck {
  public static final int OK = 0;
  public static final int WARNING = 1;
  public static final int CRITICAL = 2;
  private static final String[] LABEL = {"OK", "WARNING", "CRITICAL"};

  /** The line to print and the exit code. */
  public record Result(int exit, String line) {}

  private JobCheck() {}

  public static Result of(JobSpec job, JobState st, Instant now) {
    int exit = OK;
    List<String> crit = new ArrayList<>();
    List<String> warn = new ArrayList<>();
    String worstName = null;
    Duration worst = null;
    for (JobSpec.TargetSpec t : job.targets()) {
      Duration lag = JobState.lag(st.target(t.name()), now);
      if (lag == null) {
        crit.add(t.name() + " never replicated");
        exit = CRITICAL;
        continue;
      }
      if (lag.isNegative()) {
        lag = Duration.ZERO; // a base dated after now: a clock that went back
      }
      if (worst == null || lag.compareTo(worst) > 0) {
        worst = lag;
        worstName = t.name();
      }
      JobSpec.LagCheck c = t.check();
      long snaps = st.target(t.name()).lagSnapshots();
      String snapLag = t.name() + " lag " + snaps + (snaps == 1 ? " snapshot" : " snapshots");
      if (c.crit() != null && lag.compareTo(c.crit()) >= 0) {
        crit.add(t.name() + " lag " + human(lag) + " >= crit_lag " + human(c.crit()));
        exit = CRITICAL;
      } else if (c.critSnapshots() != null && snaps >= c.critSnapshots()) {
        crit.add(snapLag + " >= crit_lag_snapshots " + c.critSnapshots());
        exit = CRITICAL;
      } else if (c.warn() != null && lag.compareTo(c.warn()) >= 0) {
        warn.add(t.name() + " lag " + human(lag) + " >= warn_lag " + human(c.warn()));
        exit = Math.max(exit, WARNING);
      } else if (c.warnSnapshots() != null && snaps >= c.warnSnapshots()) {
        warn.add(snapLag + " >= warn_lag_snapshots " + c.warnSnapshots());
        exit = Math.max(exit, WARNING);
      }
    }
    int n = job.targets().size();
    StringBuilder sb = new StringBuilder(LABEL[exit]).append(": job ").append(job.name()).append(": ");
    sb.append(n == 0 ? "no targets" : n == 1 ? "1 target" : n + " targets");
    if (worst != null) {
      sb.append(", worst lag ").append(human(worst)).append(" (").append(worstName).append(')');
    }
    for (String s : crit) {
      sb.append("; ").append(s);
    }
    for (String s : warn) {
      sb.append("; ").append(s);
    }
    return new Result(exit, sb.toString());
  }

  /** {@code 45s}, {@code 4m}, {@code 3h20m}, {@code 2d5h}: as {@code job status} shows lag. */
  static String human(Duration d) {
    long s = Math.max(0, d.toSeconds());
    if (s < 120) {
      return s + "s";
    }
    if (s < 7200) {
      return s / 60 + "m";
    }
    if (s < 172800) {
      return s / 3600 + "h" + (s % 3600 / 60 > 0 ? s % 3600 / 60 + "m" : "");
    }
    return s / 86400 + "d" + (s % 86400 / 3600 > 0 ? s % 86400 / 3600 + "h" : "");
  }
}
