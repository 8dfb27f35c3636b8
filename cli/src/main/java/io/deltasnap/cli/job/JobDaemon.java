package io.deltasnap.cli.job;

import java.io.IOException;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Instant;

/**
 * Runs a job's passes forever: a full pass (with a snapshot) at each scheduled time, and after a
 * failed pass a retry of replication and pruning (no new snapshot) with exponential backoff,
 * capped, never later than the next scheduled pass. What it plans is in the state file, so a
 * restart picks up where it was: a scheduled time missed while it was down runs at once, once.
 *
 * <p>Stopping: {@link #stop()} (SIGTERM) ends a sleep at once, and a pass between its steps; the
 * loop then returns. Time and sleeping are injected, so tests can drive a week in seconds.
 */
public final class JobDaemon {
  /** Waits until a time on the daemon's clock; returns early when {@code stopped()} is true. */
  public interface Sleeper {
    void sleepUntil(Instant t, JobDaemon d) throws InterruptedException;
  }

  /** Sleeps in real time, waking at once on {@link #stop()}. */
  public static Sleeper realTime(Clock clock) {
    return (t, d) -> {
      synchronized (d) {
        while (!d.stopped()) {
          long ms = t.toEpochMilli() - clock.millis();
          if (ms <= 0) {
            return;
          }
          d.wait(Math.min(ms, 60_000)); // re-read the clock now and then: it may have been set
        }
      }
    };
  }

  private final JobSpec spec;
  private final JobRunner runner;
  private final Clock clock;
  private final Sleeper sleeper;
  private final PrintWriter log;
  private volatile boolean stopped;
  private long passes;

  public JobDaemon(JobSpec spec, JobRunner runner, Clock clock, Sleeper sleeper, PrintWriter log) {
    this.spec = spec;
    this.runner = runner;
    this.clock = clock;
    this.sleeper = sleeper;
    this.log = log;
  }

  public void stop() {
    stopped = true;
    synchronized (this) {
      notifyAll();
    }
  }

  public boolean stopped() {
    return stopped;
  }

  /** Passes run so far. */
  public long passes() {
    return passes;
  }

  /** Records the plan under the job lock; if a forwarded 'job run' holds it, this process's plan still holds. */
  private static void saveSchedule(StateFile file, Instant next, Instant retry, int failures) throws IOException {
    StateFile.Lock lock = file.tryLock();
    if (lock == null) {
      return;
    }
    try (lock) {
      file.save(file.loadForPass().withSchedule(next, retry, failures));
    }
  }

  /** Runs until stopped, or until {@code maxPasses} passes have run (tests; 0 = no limit). */
  public void run(long maxPasses) throws IOException, InterruptedException {
    StateFile file = runner.stateFile();
    JobState st = file.loadForPass(); // a damaged file is set aside; the first pass reports it
    if (file.damage() != null) {
      log.println("deltasnap: job " + spec.name() + ": " + file.damage());
      log.flush();
    }
    Instant next = st.nextRun() == null ? clock.instant() : st.nextRun();
    Instant retry = st.retryAt();
    int failures = st.failures();
    while (!stopped && (maxPasses == 0 || passes < maxPasses)) {
      Instant wake = retry != null && retry.isBefore(next) ? retry : next;
      sleeper.sleepUntil(wake, this);
      if (stopped) {
        break;
      }
      Instant now = clock.instant();
      boolean scheduled = !now.isBefore(next);
      String error;
      try {
        PassReport r = runner.run(scheduled, false, this::stopped);
        error = r.ok() ? null : r.failures();
      } catch (IOException | RuntimeException e) {
        error = JobRunner.message(e);
      }
      passes++;
      Instant end = clock.instant();
      if (scheduled) {
        next = spec.schedule().next(end.isAfter(now) ? end : now);
      }
      if (error == null) {
        failures = 0;
        retry = null;
      } else {
        failures++;
        Instant at = end.plus(spec.backoff(failures));
        retry = at.isBefore(next) ? at : null;
        log.println("deltasnap: job " + spec.name() + ": pass failed (" + failures + " in a row; "
            + (retry != null ? "retrying at " + retry : "next pass at " + next) + "): " + error);
        log.flush();
      }
      saveSchedule(file, next, retry, failures);
    }
  }
}
