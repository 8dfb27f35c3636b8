package io.deltasnap.cli.job;

import io.deltasnap.engine.SnapshotInfo;
import io.deltasnap.engine.Volume;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * A running job as monitoring sees it: what the state file and the source volume say (read when
 * asked), plus what only this process knows (records sent, failures by cause, the transfer under
 * way), which it hears as a {@link JobRunner.Observer}.
 */
public final class JobMonitor implements JobRunner.Observer {
  /** A send under way: volume bytes read so far of those its delta describes. */
  public record Transfer(long doneBytes, long totalBytes) {
    public long remainingBytes() {
      return Math.max(0, totalBytes - doneBytes);
    }
  }

  /**
   * One target at one moment.
   *
   * @param lastSuccess when it was last brought up to date (null: never)
   * @param lagSnapshots the job's snapshots on the source newer than the newest one the target holds
   * @param lagSeconds how much older the target's newest snapshot is than the source's newest (0: current)
   * @param bytesSent delta bytes sent to it, all time (state file)
   * @param recordsSent delta records sent to it by this process
   * @param failures failed attempts by this process, by cause
   * @param transfer the send under way, or null
   */
  public record TargetView(String name, Instant lastSuccess, long lagSnapshots, double lagSeconds, long bytesSent,
      long recordsSent, Map<String, Long> failures, Transfer transfer) {}

  private static final class Live {
    final LongAdder records = new LongAdder();
    final Map<String, LongAdder> failures = new ConcurrentHashMap<>();
    volatile Transfer transfer;

    Live() {
      for (FailureCause c : FailureCause.known()) {
        failures.put(c.label(), new LongAdder()); // listed at 0 before the first
      }
    }
  }

  private final JobSpec spec;
  private final Volume source;
  private final StateFile state;
  private final Map<String, Live> live = new ConcurrentHashMap<>();

  public JobMonitor(JobSpec spec, Volume source) {
    this.spec = spec;
    this.source = source;
    this.state = new StateFile(spec.state());
    for (JobSpec.TargetSpec t : spec.targets()) {
      live.put(t.name(), new Live());
    }
  }

  public JobSpec spec() {
    return spec;
  }

  private Live live(String target) {
    return live.computeIfAbsent(target, t -> new Live());
  }

  @Override
  public void sending(String target, long done, long total) {
    live(target).transfer = new Transfer(done, total);
  }

  @Override
  public void sent(String target, ReplicationTarget.Sent sent) {
    live(target).records.add(sent.records());
  }

  @Override
  public void failed(String target, FailureCause cause) {
    live(target).failures.computeIfAbsent(cause.label(), c -> new LongAdder()).increment();
  }

  @Override
  public void idle(String target) {
    live(target).transfer = null;
  }

  /** Every target of the job, now: the state file is read afresh, and the source's snapshots listed. */
  public List<TargetView> targets() throws IOException {
    JobState st = state.load();
    List<Snap> owned = new ArrayList<>();
    for (SnapshotInfo i : source.snapshots()) {
      Instant t = spec.names().parseTime(i.name());
      if (t != null) {
        owned.add(new Snap(i.id(), i.uuid(), i.name(), t));
      }
    }
    Snap newest = owned.stream().max(java.util.Comparator.comparingLong(Snap::id)).orElse(null);
    List<TargetView> out = new ArrayList<>();
    for (JobSpec.TargetSpec t : spec.targets()) {
      JobState.Target s = st.target(t.name());
      Snap base = s.base();
      long lagSnaps = owned.stream().filter(x -> base == null || x.id() > base.id()).count();
      double lagSeconds = 0;
      if (newest != null && (base == null || newest.id() > base.id())) {
        Instant from = s.baseTime() != null ? s.baseTime() : owned.stream().map(Snap::time).min(Instant::compareTo)
            .orElse(newest.time());
        lagSeconds = Math.max(0, Duration.between(from, newest.time()).toMillis() / 1000.0);
      }
      Live l = live(t.name());
      Map<String, Long> f = new TreeMap<>();
      l.failures.forEach((k, v) -> f.put(k, v.sum()));
      out.add(new TargetView(t.name(), s.lastSuccess(), lagSnaps, lagSeconds, s.bytesSent(), l.records.sum(), f,
          l.transfer));
    }
    return out;
  }
}
