package io.deltasnap.cli.job;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * What a job has done, kept between passes and restarts in the state file ({@link StateFile}).
 * It is a record for reporting and scheduling, not the truth about replication: each pass lists
 * the target's snapshots again. The one thing a pass takes from it is the base of a target it
 * cannot reach (so the source keeps that snapshot); without the state file that target falls
 * back to a full delta, never to wrong data.
 *
 * @param lastPass when the last pass ended
 * @param lastSuccess when the last pass ended with every step done
 * @param lastError what failed in the last pass (null if nothing)
 * @param failures failed passes in a row (drives the backoff)
 * @param lastSnapshot name of the last snapshot a pass took
 * @param nextRun the next scheduled pass (a snapshot is taken)
 * @param retryAt an earlier retry of what failed (no new snapshot), or null
 * @param targets per target name
 */
public record JobState(Instant lastPass, Instant lastSuccess, String lastError, int failures, String lastSnapshot,
    Instant nextRun, Instant retryAt, Map<String, Target> targets) {

  public JobState {
    targets = Map.copyOf(targets);
  }

  public static JobState empty() {
    return new JobState(null, null, null, 0, null, null, null, Map.of());
  }

  /**
   * One target's record.
   *
   * @param lastAttempt when a pass last tried it
   * @param lastSuccess when it was last brought up to date
   * @param lastError why the last attempt failed (null: it did not)
   * @param failures failed attempts in a row
   * @param bytesSent delta bytes sent to it, all time
   * @param lastBytes delta bytes sent in its last successful pass
   * @param base the newest snapshot it shares with the source (the next increment's base), or null
   * @param baseTime that snapshot's time (its lag is measured from it)
   */
  /**
   * One target's record. {@code lagSnapshots}: the job's snapshots on the source newer than the
   * target's base when the last pass ended (-1: not known, a state written before it was kept);
   * only passes take the job's snapshots, so it stays true until the next pass.
   */
  public record Target(Instant lastAttempt, Instant lastSuccess, String lastError, int failures, long bytesSent,
      long lastBytes, Snap base, Instant baseTime, long lagSnapshots) {
    public static final Target NONE = new Target(null, null, null, 0, 0, 0, null, null, -1);

    public Target(Instant lastAttempt, Instant lastSuccess, String lastError, int failures, long bytesSent,
        long lastBytes, Snap base, Instant baseTime) {
      this(lastAttempt, lastSuccess, lastError, failures, bytesSent, lastBytes, base, baseTime, -1);
    }

    public Target withLagSnapshots(long n) {
      return new Target(lastAttempt, lastSuccess, lastError, failures, bytesSent, lastBytes, base, baseTime, n);
    }
  }

  public Target target(String name) {
    return targets.getOrDefault(name, Target.NONE);
  }

  public JobState withTarget(String name, Target t) {
    Map<String, Target> m = new LinkedHashMap<>(targets);
    m.put(name, t);
    return new JobState(lastPass, lastSuccess, lastError, failures, lastSnapshot, nextRun, retryAt, m);
  }

  public JobState withSchedule(Instant next, Instant retry, int fails) {
    return new JobState(lastPass, lastSuccess, lastError, fails, lastSnapshot, next, retry, targets);
  }

  /** Lag of a target at {@code now}: how old the newest snapshot it holds is; null if it has none. */
  public static java.time.Duration lag(Target t, Instant now) {
    return t.baseTime() == null ? null : java.time.Duration.between(t.baseTime(), now);
  }

  static UUID uuid(Object o) {
    return o == null ? null : UUID.fromString(o.toString());
  }
}
