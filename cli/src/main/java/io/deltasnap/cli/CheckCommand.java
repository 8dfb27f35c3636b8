package io.deltasnap.cli;

import io.deltasnap.engine.CheckReport;
import io.deltasnap.engine.CorruptionException;
import io.deltasnap.engine.DirectoryStorage;
import io.deltasnap.engine.UnreadableCommitException;
import io.deltasnap.engine.Volume;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "check", description = {
    "Verify a volume's store, reading only: every checksum, the tree's ordering and ranges, and that "
        + "every page is referenced exactly as the space map says.",
    "A damaged superblock copy is repaired from the others when the volume opens, and reported.",
    "If the newest commit itself is unreadable, check says what 'deltasnap recover VOLUME --rollback' would lose.",
    "Exit 0: healthy (leaks are reported but harmless); exit 1: damage, listed with locations."})
final class CheckCommand extends VolumeCommand {
  @Parameters(index = "0", paramLabel = "VOLUME", description = "Directory of the volume to check.")
  Path dir;

  @Override
  public Integer call() throws Exception {
    CheckReport r;
    String openError = null;
    Volume.RecoveryPlan plan = null;
    try (VolumeHandle h = open(dir)) {
      r = h.volume().check();
    } catch (UnreadableCommitException e) {
      openError = e.getMessage();
      plan = Volume.inspectDamaged(new DirectoryStorage(dir));
      r = null;
    } catch (CorruptionException e) {
      openError = e.getMessage();
      r = null;
    }
    if (common.json) {
      Map<String, Object> m = Json.obj();
      m.put("healthy", r != null && !r.damaged());
      if (r != null) {
        m.put("nodes", r.nodes());
        m.put("exceptions", r.exceptions());
        m.put("copiesVerified", r.copiesVerified());
        m.put("snapshots", r.snapshots());
        m.put("storePages", r.pagesInStore());
        m.put("freePages", r.freePages());
        m.put("leakedPages", r.leakedPages());
        m.put("damage", r.damage());
        m.put("leaks", r.leaks());
        m.put("superblocks", r.superblocks());
        m.put("repaired", r.repaired());
      } else {
        m.put("damage", java.util.List.of(openError));
        if (plan != null) {
          m.put("superblocks", plan.superblocks());
          m.put("recovery", RecoverCommand.json(plan));
        }
      }
      out().println(Json.write(m));
    } else if (r == null) {
      out().println("DAMAGED: " + openError);
      if (plan != null) {
        RecoverCommand.print(out(), dir, plan);
      }
    } else {
      out().printf("%d nodes, %d exceptions, %d copies verified, %d snapshot records, %d pages (%d free, %d leaked)%n",
          r.nodes(), r.exceptions(), r.copiesVerified(), r.snapshots(), r.pagesInStore(), r.freePages(),
          r.leakedPages());
      r.repaired().forEach(l -> out().println("repaired: " + l));
      r.leaks().forEach(l -> out().println("leak: " + l));
      r.damage().forEach(d -> out().println("DAMAGE: " + d));
      out().println(r.damaged() ? "store is damaged: see docs/recovery.md" : "store is healthy");
    }
    if (r == null || r.damaged()) {
      err().println("deltasnap: " + dir + " is damaged (" + (r == null ? 1 : r.damage().size()) + " problems)");
      return 1;
    }
    return 0;
  }
}
