package io.deltasnap.cli;

import io.deltasnap.engine.DirectoryStorage;
import io.deltasnap.engine.Volume;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "recover", description = {
    "Recover a volume whose newest commit is unreadable (two of its three superblock copies damaged).",
    "Without --rollback: show the superblock copies and what a rollback would lose; changes nothing.",
    "With --rollback: open the older commit that survives, verify the whole store at it, and make it the",
    "newest. Snapshots created by the lost commits are gone, and older snapshots may read chunks the lost",
    "commits preserved from the newer origin: compare them with a replica. See docs/recovery.md."})
final class RecoverCommand extends VolumeCommand {
  @Parameters(index = "0", paramLabel = "VOLUME", description = "Directory of the volume.")
  Path dir;

  @Option(names = "--rollback", description = "Roll back to the older commit, accepting what the report says is lost.")
  boolean rollback;

  @Override
  public Integer call() throws Exception {
    DirectoryStorage storage = new DirectoryStorage(dir);
    if (!rollback) {
      Volume.RecoveryPlan plan = Volume.inspectDamaged(storage);
      if (common.json) {
        out().println(Json.write(json(plan)));
      } else if (plan.refusal() == null) {
        out().println(dir + ": the newest commit is readable; nothing to recover (run 'deltasnap check " + dir + "')");
      } else {
        print(out(), dir, plan);
      }
      return plan.refusal() == null ? 0 : 1;
    }
    Volume.Recovered rec = Volume.rollBack(storage, common.cacheBytes());
    long at;
    try (Volume v = rec.volume()) {
      at = v.openedCommit();
    }
    if (common.json) {
      Map<String, Object> m = json(rec.plan());
      m.put("rolledBackTo", at);
      out().println(Json.write(m));
    } else {
      err().println("rolled back to commit " + at + "; lost " + rec.plan().lossDescription());
    }
    return 0;
  }

  static Map<String, Object> json(Volume.RecoveryPlan plan) {
    Map<String, Object> m = Json.obj();
    m.put("damaged", plan.refusal() != null);
    m.put("superblocks", plan.superblocks());
    m.put("canRollBack", plan.canRollBack());
    if (plan.canRollBack()) {
      m.put("rollbackCommit", plan.rollbackCommit());
      m.put("newestCommitSeen", plan.newestCommitSeen());
      m.put("lostSnapshots", plan.lostSnapshots());
      m.put("lostSnapshotCount", plan.lostSnapshotCount());
      m.put("chunksAtRisk", plan.chunksAtRisk());
      m.put("chunksAtRiskCount", plan.chunksAtRiskCount());
    } else if (plan.refusal() != null) {
      m.put("rollbackProblem", plan.rollbackProblem());
    }
    return m;
  }

  static void print(PrintWriter out, Path dir, Volume.RecoveryPlan plan) {
    plan.superblocks().forEach(s -> out.println("  " + s));
    if (plan.canRollBack()) {
      out.println("a rollback ('deltasnap recover " + dir + " --rollback') would open commit " + plan.rollbackCommit()
          + " and lose " + plan.lossDescription());
    } else {
      out.println("no rollback is possible: " + plan.rollbackProblem()
          + "; restore the volume from a replica (docs/recovery.md)");
    }
  }
}
