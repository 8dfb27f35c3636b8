package io.deltasnap.cli;

import io.deltasnap.engine.SnapshotInfo;
import io.deltasnap.engine.Volume;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
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

  @Command(name = "create", description = "Take a snapshot of the origin; prints its ID.")
  static final class Create implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "VOLUME")
    Path dir;

    @Option(names = "--name", paramLabel = "NAME", defaultValue = "", description = "A name (up to 255 bytes).")
    String name;

    @Option(names = "--writable", description = "Allow writes into the snapshot.")
    boolean writable;

    @Mixin
    Common common;

    @Override
    public Integer call() throws Exception {
      try (Volume v = Volumes.open(dir, common)) {
        SnapshotInfo s = v.createSnapshot(name, writable);
        System.out.println(common.json ? Json.write(Volumes.json(s)) : Long.toString(s.id()));
      }
      return 0;
    }
  }

  @Command(name = "list", description = "List live snapshots.")
  static final class ListSnapshots implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "VOLUME")
    Path dir;

    @Mixin
    Common common;

    @Override
    public Integer call() throws Exception {
      try (Volume v = Volumes.open(dir, common)) {
        List<SnapshotInfo> all = v.snapshots();
        if (common.json) {
          List<Object> out = Json.arr();
          all.forEach(s -> out.add(Volumes.json(s)));
          System.out.println(Json.write(out));
        } else {
          System.out.printf("%-8s %-36s %-24s %-8s %s%n", "ID", "UUID", "CREATED", "WRITABLE", "NAME");
          for (SnapshotInfo s : all) {
            System.out.printf("%-8d %-36s %-24s %-8s %s%n", s.id(), s.uuid(), Instant.ofEpochMilli(s.created()),
                s.writable() ? "yes" : "no", s.name());
          }
        }
      }
      return 0;
    }
  }

  @Command(name = "delete", description = "Delete a snapshot: gone from every reader's view at once.")
  static final class Delete implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "VOLUME")
    Path dir;

    @Parameters(index = "1", paramLabel = "ID")
    long id;

    @Option(names = "--wait", description = "Wait until its space has been reclaimed.")
    boolean waitForReclaim;

    @Mixin
    Common common;

    @Override
    public Integer call() throws Exception {
      try (Volume v = Volumes.open(dir, common)) {
        v.deleteSnapshot(id);
      }
      if (waitForReclaim) {
        System.err.println("deltasnap: note: background space reclamation is not implemented yet; "
            + "the snapshot is deleted but its space is not returned");
      }
      return 0;
    }
  }
}
