package io.deltasnap.cli.job;

import java.time.Instant;
import java.util.List;

/**
 * What one pass did (or, in a dry run, would do).
 *
 * @param dryRun nothing was changed
 * @param started when the pass began (the job's clock)
 * @param snapshot the snapshot taken (or planned), null if none
 * @param sourcePruned snapshots deleted (or to delete) on the source
 * @param sourceError why the source step failed, or null
 * @param targets per target, in job-file order
 * @param sourceKept the job's snapshots the source keeps after pruning, each with why (empty: not pruned)
 */
public record PassReport(boolean dryRun, Instant started, Snap snapshot, List<Snap> sourcePruned, String sourceError,
    List<TargetReport> targets, List<Kept> sourceKept) {

  /** A snapshot of the job that pruning keeps, and every reason it does (a retention rule, a base, ...). */
  public record Kept(Snap snap, List<String> why) {
    public Kept {
      why = List.copyOf(why);
    }
  }

  /**
   * One send: a full delta when {@code base} is null; {@code bytes} sent by the try that
   * completed, which resumed at stream offset {@code resumedFrom}, after {@code stalls} tries that
   * stalled.
   */
  public record Send(Snap base, Snap snapshot, long bytes, long resumedFrom, int stalls) {
    public Send(Snap base, Snap snapshot, long bytes) {
      this(base, snapshot, bytes, 0, 0);
    }
  }

  /**
   * One target's part of the pass.
   *
   * @param name target name
   * @param where its path or address
   * @param sends what was sent (or would be), in order
   * @param pruned snapshots deleted (or to delete) on it
   * @param base the newest snapshot it shares with the source after the pass (null: none)
   * @param error why it failed, or null; skipped targets (stop requested) say so here
   * @param kept the job's snapshots it keeps after pruning (sent ones included), each with why
   */
  public record TargetReport(String name, String where, List<Send> sends, List<Snap> pruned, Snap base,
      String error, List<Kept> kept) {}

  public boolean ok() {
    return sourceError == null && targets.stream().allMatch(t -> t.error() == null);
  }

  /** One line per failure, for the exit message. */
  public String failures() {
    StringBuilder sb = new StringBuilder();
    if (sourceError != null) {
      sb.append(sourceError);
    }
    for (TargetReport t : targets) {
      if (t.error() != null) {
        sb.append(sb.length() == 0 ? "" : "; ").append("target ").append(t.name()).append(": ").append(t.error());
      }
    }
    return sb.toString();
  }
}
