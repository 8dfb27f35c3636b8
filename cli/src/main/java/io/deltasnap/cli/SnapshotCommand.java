package io.deltasnap.cli;

import io.deltasnap.engine.SnapshotInfo;
import io.deltasnap.engine.Volume;
import java.nio.file.Path;
import java.time.Instant;
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

  @Command(name = "list", description = {
      "List live snapshots by ID: ID, UUID, creation time, writable, name.",
      "Entries are written as they are read, so a listing of any length runs in bounded memory; "
          + "--since, --limit and --name pick a part of it (a page: --since the last ID seen)."},
      footerHeading = "%nExamples:%n",
      footer = {"  deltasnap snapshot list /tmp/vol --since 100 --limit 50",
          "  deltasnap snapshot list /tmp/vol --name 'daily-*' --json"})
  static final class ListSnapshots extends VolumeCommand {
    @Parameters(index = "0", paramLabel = "VOLUME", description = "Directory of the volume, or s3://BUCKET/PREFIX: the "
        + "snapshots a bucket holds, from its manifest (with their base, delta size and object).")
    String volume;

    @Option(names = "--trust", paramLabel = "PUBFILE", description = "For s3://: the keys the bucket's manifest may be signed "
        + "with (default: the key it names, which proves integrity only).")
    Path trustFile;

    @picocli.CommandLine.Mixin
    S3Options s3;

    // numbers are taken as text and checked in call(): a bad value is one 'deltasnap: ' line, exit 1
    @Option(names = "--since", paramLabel = "ID",
        description = "Only snapshots with an ID greater than ID (not ID itself), so the last ID of one page starts the next.")
    String since;

    @Option(names = "--limit", paramLabel = "N",
        description = "At most N snapshots: the first N, by ID, that pass --since and --name.")
    String limit;

    @Option(names = "--name", paramLabel = "GLOB",
        description = "Only snapshots whose whole name matches GLOB: * is any run of characters, ? is one, "
            + "\\ makes the next one literal.")
    String name;

    ListSnapshots() {

      super(true); // forwarded to a server holding the volume

    }

    @Override
    public Integer call() throws Exception {
      long after = since == null ? 0 : decimal("--since", since);
      long max = limit == null ? Long.MAX_VALUE : decimal("--limit", limit);
      NameGlob glob = name == null ? null : NameGlob.parse(name);
      if (S3Options.isS3(volume)) {
        S3List.list(S3Buckets.open(volume, s3), trustFile == null ? null : DeltaCommand.trust(trustFile), after, max, glob, common.json,
            out());
        return 0;
      }
      Path dir = Path.of(volume);
      try (VolumeHandle h = open(dir)) {
        Volume v = h.volume();
        Json.ArrayWriter json = common.json ? new Json.ArrayWriter(out()) : null;
        if (json == null) {
          out().print(String.format("%-8s %-36s %-24s %-8s %s%n", "ID", "UUID", "CREATED", "WRITABLE", "NAME"));
        }
        long[] shown = {0};
        if (max > 0 && after < SnapshotInfo.MAX_ID) {
          v.visitSnapshots(after + 1, s -> {
            if (glob != null && !glob.matches(s.name())) {
              return true;
            }
            if (json != null) {
              json.add(Volumes.json(s));
            } else {
              // print, not printf: a line each would flush each, a million times
              out().print(String.format("%-8d %-36s %-24s %-8s %s%n", s.id(), s.uuid(),
                  Instant.ofEpochMilli(s.created()), s.writable() ? "yes" : "no", Printable.escape(s.name())));
            }
            return ++shown[0] < max;
          });
        }
        if (json != null) {
          json.finish();
        }
      }
      return 0;
    }

    private static long decimal(String option, String text) {
      if (!text.matches("[0-9]{1,19}")) {
        throw new Main.UserError(option + " takes a decimal number of 0 or more, not '" + text + "'");
      }
      try {
        return Long.parseLong(text);
      } catch (NumberFormatException e) {
        throw new Main.UserError(option + " " + text + " is larger than " + Long.MAX_VALUE);
      }
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
