package io.deltasnap.cli;

import io.deltasnap.engine.SnapshotInfo;
import io.deltasnap.engine.Volume;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "snapshot", description = "Create, list and delete snapshots.",
    subcommands = {SnapshotCommand.Create.class, SnapshotCommand.ListSnapshots.class, SnapshotCommand.Delete.class})
final class SnapshotCommand implements Runnable {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "say create, list or delete");
  }

  @Command(name = "create", description = "Take a snapshot of the origin; prints its ID.",
      footerHeading = "%nExample:%n",
      footer = "  deltasnap snapshot create /tmp/vol --name monday")
  static final class Create extends VolumeCommand {
    @Parameters(index = "0", paramLabel = "VOLUME", description = "Directory of the volume.")
    Path dir;

    @Option(names = "--name", paramLabel = "NAME", defaultValue = "", description = "Name of the snapshot, up to 255 bytes (default: empty).")
    String name;

    @Option(names = "--writable", description = "Make the snapshot writable ('write --snapshot ID' changes it).")
    boolean writable;

    Create() {

      super(true); // forwarded to a server holding the volume

    }

    @Override
    public Integer call() throws Exception {
      refuseIfStaged(dir, "a snapshot of its origin");
      try (VolumeHandle h = open(dir)) {
        io.deltasnap.engine.Volume v = h.volume();
        SnapshotInfo s = v.createSnapshot(name, writable);
        out().println(common.json ? Json.write(Volumes.json(s)) : Long.toString(s.id()));
      }
      return 0;
    }
  }

  @Command(name = "list", description = "List live snapshots: ID, UUID, creation time, writable, name.")
  static final class ListSnapshots extends VolumeCommand {
    @Parameters(index = "0", paramLabel = "VOLUME", description = "Directory of the volume.")
    Path dir;

    ListSnapshots() {

      super(true); // forwarded to a server holding the volume

    }

    @Override
    public Integer call() throws Exception {
      try (VolumeHandle h = open(dir)) {
        io.deltasnap.engine.Volume v = h.volume();
        List<SnapshotInfo> all = v.snapshots();
        if (common.json) {
          List<Object> out = Json.arr();
          all.forEach(s -> out.add(Volumes.json(s)));
          out().println(Json.write(out));
        } else {
          out().printf("%-8s %-36s %-24s %-8s %s%n", "ID", "UUID", "CREATED", "WRITABLE", "NAME");
          for (SnapshotInfo s : all) {
            out().printf("%-8d %-36s %-24s %-8s %s%n", s.id(), s.uuid(), Instant.ofEpochMilli(s.created()),
                s.writable() ? "yes" : "no", Printable.escape(s.name()));
          }
        }
      }
      return 0;
    }
  }

  @Command(name = "delete", description = "Delete a snapshot: gone from every reader's view at once.")
  static final class Delete extends VolumeCommand {
    @Parameters(index = "0", paramLabel = "VOLUME", description = "Directory of the volume.")
    Path dir;

    @Parameters(index = "1", paramLabel = "ID", description = "ID of the snapshot to delete.")
    long id;

    @Option(names = "--wait", description = "Wait until its space has been reclaimed, and report how much was freed.")
    boolean waitForReclaim;

    Delete() {

      super(true); // forwarded to a server holding the volume

    }

    @Override
    public Integer call() throws Exception {
      try (VolumeHandle h = open(dir)) {
        io.deltasnap.engine.Volume v = h.volume();
        io.deltasnap.engine.SnapshotInfo s = v.snapshot(id);
        // deleted before, its reclamation cut short (a kill, a crash): --wait finishes it
        boolean pending = s != null && s.state() == io.deltasnap.engine.SnapshotInfo.DELETED;
        if (pending && !waitForReclaim) {
          throw new Main.UserError("snapshot " + id + " is already deleted and its space is not reclaimed yet: "
              + "'snapshot delete " + dir + " " + id + " --wait' finishes that now");
        }
        if (!pending) {
          v.deleteSnapshot(id);
        }
        if (waitForReclaim) {
          // every pending deletion, this one and any a kill or crash left unfinished
          io.deltasnap.engine.Volume.ReclaimResult r = v.reclaimDeleted();
          if (common.json) {
            java.util.Map<String, Object> m = Json.obj();
            m.put("deleted", id);
            m.put("resumed", pending);
            m.put("snapshotsReclaimed", r.snapshots());
            m.put("bytesFreed", r.bytesFreed());
            out().println(Json.write(m));
          } else {
            err().println("snapshot " + id + (pending ? " deletion finished" : " deleted") + "; "
                + Sizes.human(r.bytesFreed()) + " freed" + (r.snapshots() > 1 ? " (" + r.snapshots()
                + " pending deletions reclaimed)" : ""));
          }
        }
      }
      return 0;
    }
  }
}
