package io.deltasnap.cli.job;

import io.deltasnap.delta.Keys;
import io.deltasnap.delta.Recipients;
import io.deltasnap.delta.SignerKey;
import io.deltasnap.delta.TrustedKeys;
import io.deltasnap.engine.SnapshotInfo;
import io.deltasnap.engine.Volume;
import io.deltasnap.sender.ReplicationClient;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;

/**
 * One pass of a job: take a snapshot, bring every target up to date, prune by retention — on
 * each target right after its replication, then on the source — and record it all in the state
 * file.
 *
 * <p>Replication to a target: its base is the newest snapshot it shares with the source (same ID
 * and UUID). Every snapshot of the job newer than the base goes over in order, each as an
 * increment from the one before, so the target's own retention has the same snapshots to choose
 * from as the source had; with no common base, the newest snapshot goes as a full delta. The truth
 * is what the target holds, listed afresh each pass, so a pass interrupted anywhere is finished by
 * the next one.
 *
 * <p>Invariants: a target's base after the pass is kept on that target and on the source (for a
 * target that cannot be reached, the base recorded in the state file is kept on the source); only
 * snapshots whose names match the job's template are ever pruned; a dry run changes nothing
 * (no snapshot, send, deletion or state write).
 */
public final class JobRunner {
  /**
   * Called after each step (for tests: an {@link Error} thrown here aborts the pass as a crash
   * would; exceptions count as that step's failure).
   */
  public interface Hook {
    void after(String step) throws IOException;

    Hook NONE = s -> { };
  }

  /**
   * Hears about a pass's transfers as they happen (for the metrics of a long-running process).
   * Called on the pass's thread; it must not block.
   */
  public interface Observer {
    /** A send to {@code target} read {@code done} of the {@code total} volume bytes its delta describes. */
    default void sending(String target, long done, long total) { }

    /** A send to {@code target} was applied there (or, failed: it ended without, see {@link #failed}). */
    default void sent(String target, ReplicationTarget.Sent sent) { }

    /** The target's part of the pass failed, for {@code cause} ({@link FailureCause}). */
    default void failed(String target, FailureCause cause) { }

    /** A send to {@code target} ended, applied or not. */
    default void idle(String target) { }

    Observer NONE = new Observer() { };
  }

  /** Another pass of the same job holds its lock. */
  public static final class BusyException extends IOException {
    BusyException(String message) {
      super(message);
    }
  }

  private final JobSpec spec;
  private final Volume source;
  private final List<ReplicationTarget> targets;
  private final Ed25519PrivateKeyParameters key;
  private final Clock clock;
  private final StateFile state;
  private final Hook hook;
  private final Observer observer;

  public JobRunner(JobSpec spec, Volume source, List<ReplicationTarget> targets, Ed25519PrivateKeyParameters key,
      Clock clock, Hook hook) {
    this(spec, source, targets, key, clock, hook, Observer.NONE);
  }

  public JobRunner(JobSpec spec, Volume source, List<ReplicationTarget> targets, Ed25519PrivateKeyParameters key,
      Clock clock, Hook hook, Observer observer) {
    this.spec = spec;
    this.source = source;
    this.targets = List.copyOf(targets);
    this.key = key;
    this.clock = clock;
    this.state = new StateFile(spec.state());
    this.hook = hook;
    this.observer = observer;
  }

  /** The job's targets as the job file describes them, replicating from {@code source}. */
  public static List<ReplicationTarget> targets(JobSpec spec, Ed25519PrivateKeyParameters key, Volume source)
      throws IOException {
    List<ReplicationTarget> out = new ArrayList<>();
    TrustedKeys own = key == null ? null : TrustedKeys.of(new SignerKey(Keys.publicKey(key), "job " + spec.name()));
    for (JobSpec.TargetSpec t : spec.targets()) {
      if (t.to() != null) {
        out.add(new NetworkTarget(t.name(), t.to(), source.uuid(), key,
            ReplicationClient.Options.defaults().withStallTimeout(t.stallTimeout())));
        continue;
      }
      if (t.deltas() != null) {
        out.add(new DeltaFilesTarget(t.name(), t.deltas(), source.uuid(),
            t.encryptTo() == null ? null : Recipients.load(t.encryptTo())));
        continue;
      }
      Path trustFile = t.trust() != null ? t.trust() : spec.trust();
      TrustedKeys trust = trustFile != null ? TrustedKeys.load(trustFile) : own;
      out.add(new LocalTarget(t.name(), t.path(), trust));
    }
    return out;
  }

  public StateFile stateFile() {
    return state;
  }

  /**
   * Runs one pass. {@code takeSnapshot} is false for a retry (only replication and pruning);
   * {@code stop} is asked between steps.
   */
  public PassReport run(boolean takeSnapshot, boolean dryRun, BooleanSupplier stop) throws IOException {
    if (dryRun) {
      return pass(takeSnapshot, true, stop); // it writes nothing, not even the lock file
    }
    StateFile.Lock lock = state.tryLock();
    if (lock == null) {
      throw new BusyException("job " + spec.name() + " is already running a pass (lock " + state.path() + ".lock)");
    }
    try (lock) {
      return pass(takeSnapshot, false, stop);
    }
  }

  private PassReport pass(boolean takeSnapshot, boolean dryRun, BooleanSupplier stop) throws IOException {
    JobState st;
    String damage;
    if (dryRun) { // changes nothing, not even a damaged state file
      try {
        st = state.load();
        damage = state.damage();
      } catch (StateFile.DamagedException e) {
        st = JobState.empty();
        damage = e.getMessage() + ": a pass will set it aside and start afresh";
      }
    } else {
      st = state.loadForPass();
      damage = state.damage();
    }
    Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS); // snapshot names are to the second too
    List<Snap> src = snaps(source.snapshots());
    String sourceError = null;
    Snap taken = null;
    if (takeSnapshot) {
      String name = spec.names().format(now);
      if (src.stream().noneMatch(s -> s.name().equals(name))) {
        try {
          taken = dryRun ? new Snap(Snap.PLANNED, null, name, spec.names().parseTime(name))
              : snap(source.createSnapshot(name, false));
          src.add(taken);
        } catch (IOException | RuntimeException e) {
          sourceError = "taking snapshot " + name + ": " + message(e);
        }
      }
      hook.after("snapshot");
    }

    List<PassReport.TargetReport> reports = new ArrayList<>();
    Map<Long, List<String>> protect = new LinkedHashMap<>(); // bases of targets, with whose
    for (ReplicationTarget t : targets) {
      JobState.Target prev = st.target(t.name());
      if (stop.getAsBoolean()) {
        reports.add(new PassReport.TargetReport(t.name(), t.where(), List.of(), List.of(), prev.base(),
            "skipped: the job is stopping", List.of()));
        protectRecorded(t.name(), prev, src, protect);
        continue;
      }
      TargetPass p = new TargetPass(t, spec.targets().stream().filter(x -> x.name().equals(t.name())).findFirst()
          .orElseThrow().retention());
      p.run(src, now, dryRun, stop);
      reports.add(p.report());
      if (p.listed) {
        if (p.base != null) {
          protect.computeIfAbsent(p.base.id(), k -> new ArrayList<>()).add("base of target " + t.name());
        }
      } else {
        protectRecorded(t.name(), prev, src, protect);
      }
      if (!dryRun) {
        boolean ok = p.error == null;
        st = st.withTarget(t.name(), new JobState.Target(now, ok ? now : prev.lastSuccess(),
            ok ? null : p.error, ok ? 0 : prev.failures() + 1, prev.bytesSent() + p.bytes,
            ok ? p.bytes : prev.lastBytes(),
            p.listed ? p.base : prev.base(), p.listed ? (p.base == null ? null : p.base.time()) : prev.baseTime()));
      }
    }

    List<Snap> pruned = new ArrayList<>();
    List<PassReport.Kept> kept = new ArrayList<>();
    // after a damaged state, the bases of targets not listed this pass are unknown: keep every snapshot
    boolean basesUnknown = damage != null && reports.stream().anyMatch(r -> r.error() != null);
    if (damage != null) {
      sourceError = (sourceError == null ? "" : sourceError + "; ") + damage
          + (basesUnknown ? " (the source was not pruned: the bases of targets not reached this pass were in it)" : "");
    }
    if (!stop.getAsBoolean() && !basesUnknown) {
      List<Snap> owned = src.stream().filter(Snap::owned).toList();
      Map<Long, List<String>> keep = spec.retention().explain(owned, now, spec.zone());
      protect.forEach((id, why) -> keep.computeIfAbsent(id, k -> new ArrayList<>()).addAll(why));
      for (Snap s : owned) {
        if (s.id() == Snap.PLANNED) {
          kept.add(new PassReport.Kept(s, List.of("taken by this pass")));
        } else if (!keep.containsKey(s.id())) {
          pruned.add(s);
        } else {
          kept.add(new PassReport.Kept(s, keep.get(s.id())));
        }
      }
      assert pruned.stream().noneMatch(s -> protect.containsKey(s.id())) : "pruning a target's base on the source";
      if (!dryRun) {
        for (Snap s : pruned) {
          try {
            source.deleteSnapshot(s.id());
          } catch (IOException | RuntimeException e) {
            sourceError = (sourceError == null ? "" : sourceError + "; ") + "pruning snapshot " + s.id() + ": "
                + message(e);
            break;
          }
        }
        hook.after("prune:source");
      }
    }

    PassReport report = new PassReport(dryRun, now, taken, List.copyOf(pruned), sourceError, List.copyOf(reports),
        List.copyOf(kept));
    if (!dryRun) {
      st = withLagSnapshots(st, src, pruned);
      if (!basesUnknown) {
        state.clearDamage(); // reported; the state written below is whole
      }
      Instant end = clock.instant().truncatedTo(ChronoUnit.SECONDS);
      boolean ok = report.ok();
      state.save(new JobState(end, ok ? end : st.lastSuccess(), ok ? null : report.failures(),
          ok ? 0 : st.failures() + 1, taken != null ? taken.name() : st.lastSnapshot(),
          takeSnapshot || st.nextRun() == null ? spec.schedule().next(now) : st.nextRun(), null, st.targets()));
    }
    return report;
  }

  /**
   * Each target's lag in snapshots as the pass leaves it: the job's snapshots still on the source
   * that are newer than the target's recorded base (all of them when it has none).
   */
  private JobState withLagSnapshots(JobState st, List<Snap> src, List<Snap> pruned) {
    List<Snap> left = src.stream().filter(s -> s.owned() && s.id() != Snap.PLANNED && !pruned.contains(s)).toList();
    for (ReplicationTarget t : targets) {
      JobState.Target rec = st.target(t.name());
      long n = left.stream().filter(s -> rec.base() == null || s.id() > rec.base().id()).count();
      st = st.withTarget(t.name(), rec.withLagSnapshots(n));
    }
    return st;
  }

  /** The base the state file records for a target not listed this pass, if the source still has it. */
  private static void protectRecorded(String target, JobState.Target prev, List<Snap> src,
      Map<Long, List<String>> protect) {
    if (prev.base() != null && src.stream().anyMatch(s -> s.sameAs(prev.base()))) {
      protect.computeIfAbsent(prev.base().id(), k -> new ArrayList<>())
          .add("base of target " + target + " (as the state file records it: the target was not reached)");
    }
  }

  /** One target's part of a pass. */
  private final class TargetPass {
    final ReplicationTarget target;
    final RetentionPolicy retention;
    final List<PassReport.Send> sends = new ArrayList<>();
    final List<Snap> pruned = new ArrayList<>();
    final List<PassReport.Kept> kept = new ArrayList<>();
    boolean listed;
    Snap base;
    long bytes;
    String error;

    TargetPass(ReplicationTarget target, RetentionPolicy retention) {
      this.target = target;
      this.retention = retention;
    }

    void run(List<Snap> src, Instant now, boolean dryRun, BooleanSupplier stop) throws IOException {
      try {
        List<Snap> dst = snaps(target.snapshots());
        listed = true;
        base = newestCommon(src, dst);
        long dstNewest = dst.stream().mapToLong(Snap::id).max().orElse(0);
        List<Snap> owned = src.stream().filter(Snap::owned).sorted(Comparator.comparingLong(Snap::id)).toList();
        List<Snap> todo = new ArrayList<>();
        for (Snap s : owned) {
          if (s.id() > dstNewest && (base == null || s.id() > base.id())) {
            todo.add(s);
          }
        }
        if (base == null && !todo.isEmpty()) {
          todo = fullDelta(todo); // no common base
        }
        Snap newest = owned.isEmpty() ? null : owned.get(owned.size() - 1);
        if (todo.isEmpty() && newest != null && (base == null || newest.id() > base.id())) {
          throw new FailureCause.DivergedException("the target holds snapshot " + dstNewest + ", newer than the source's newest ("
              + newest.id() + "), which it does not share: it diverged (delete the target's newer snapshots, "
              + "or give the job another target)");
        }
        for (Snap s : todo) {
          if (stop.getAsBoolean()) {
            throw new IOException("stopped before sending snapshot " + s.id());
          }
          PassReport.Send sd = dryRun ? new PassReport.Send(base, s, 0) : send(base, s, stop);
          sends.add(sd);
          bytes += sd.bytes();
          dst.add(s);
          base = s;
          hook.after("send:" + target.name());
        }
        Map<Long, List<String>> keep = retention.explain(dst.stream().filter(Snap::owned).toList(), now, spec.zone());
        if (base != null) { // never the base of the next increment
          keep.computeIfAbsent(base.id(), k -> new ArrayList<>()).add("base (of the next increment)");
        }
        for (Snap s : dst) {
          if (s.owned() && !keep.containsKey(s.id())) {
            pruned.add(s);
          } else if (s.owned()) {
            kept.add(new PassReport.Kept(s, keep.get(s.id())));
          }
        }
        assert base == null || pruned.stream().noneMatch(s -> s.id() == base.id()) : "pruning the base " + base;
        if (!dryRun && !pruned.isEmpty()) {
          target.delete(pruned.stream().map(Snap::id).toList());
          hook.after("prune:" + target.name());
        }
      } catch (IOException | RuntimeException e) {
        error = message(e);
        if (!dryRun) {
          observer.failed(target.name(), FailureCause.of(e));
        }
      }
    }

    /**
     * With no common base: one full delta of the newest snapshot, unless the target holds a full
     * delta staged by an interrupted send of an older one the source still has; then that one
     * (it resumes) and increments from it to the newest.
     */
    private List<Snap> fullDelta(List<Snap> todo) {
      ReplicationTarget.Staged st = target.staged();
      for (int i = 0; st != null && i < todo.size(); i++) {
        if (todo.get(i).id() == st.id() && st.uuid().equals(todo.get(i).uuid())) {
          return todo.subList(i, todo.size());
        }
      }
      return List.of(todo.get(todo.size() - 1));
    }

    /**
     * One send, tried again up to {@link JobSpec#STALL_RETRIES} times after the job's backoff when
     * it stalls (and when the receiver is then still busy with the stalled attempt, until it drops
     * it): the receiver kept what it staged, so each try resumes where the last one's durable part
     * ended. Any other failure ends it at once.
     */
    private PassReport.Send send(Snap from, Snap s, BooleanSupplier stop) throws IOException {
      String n = target.name();
      int stalls = 0;
      for (int retries = 0; ; retries++) {
        FailureCause cause;
        try {
          ReplicationTarget.Sent sent = target.send(source, from == null ? Volume.ORIGIN : from.id(), s.id(), key,
              (done, total) -> observer.sending(n, done, total));
          observer.sent(n, sent);
          return new PassReport.Send(from, s, sent.bytes(), sent.resumedFrom(), stalls);
        } catch (IOException e) {
          cause = FailureCause.of(e);
          boolean again = cause.equals(FailureCause.STALLED) || (stalls > 0 && cause.label().equals("busy"));
          if (!again || retries >= JobSpec.STALL_RETRIES || stop.getAsBoolean()) {
            throw e;
          }
        } finally {
          observer.idle(n);
        }
        observer.failed(n, cause); // this try; the last one is counted where the pass records its error
        stalls += cause.equals(FailureCause.STALLED) ? 1 : 0;
        pause(spec.backoff(retries + 1), stop);
      }
    }

    PassReport.TargetReport report() {
      return new PassReport.TargetReport(target.name(), target.where(), List.copyOf(sends), List.copyOf(pruned), base,
          error, error == null ? List.copyOf(kept) : List.of());
    }
  }

  /** Waits {@code d} of real time (the receiver's), or until {@code stop} says so. */
  private static void pause(java.time.Duration d, BooleanSupplier stop) throws IOException {
    long end = System.nanoTime() + d.toNanos();
    try {
      for (long left = d.toNanos(); left > 0 && !stop.getAsBoolean(); left = end - System.nanoTime()) {
        Thread.sleep(Math.max(1, Math.min(100, left / 1_000_000)));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted while waiting to retry a stalled send");
    }
  }

  static Snap newestCommon(List<Snap> src, List<Snap> dst) {
    Snap best = null;
    for (Snap d : dst) {
      for (Snap s : src) {
        if (s.sameAs(d) && (best == null || s.id() > best.id())) {
          best = s;
        }
      }
    }
    return best;
  }

  private List<Snap> snaps(List<SnapshotInfo> infos) {
    List<Snap> out = new ArrayList<>();
    for (SnapshotInfo i : infos) {
      out.add(snap(i));
    }
    return out;
  }

  private Snap snap(SnapshotInfo i) {
    return new Snap(i.id(), i.uuid(), i.name(), spec.names().parseTime(i.name()));
  }

  static String message(Throwable e) {
    String m = e.getMessage();
    return m == null || m.isBlank() ? e.getClass().getSimpleName() : m.replace('\n', ' ');
  }
}
