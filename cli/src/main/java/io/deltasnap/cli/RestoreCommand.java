package io.deltasnap.cli;

import io.deltasnap.engine.Volume;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "restore", description = "Make the origin equal to a snapshot; every snapshot is kept.")
final class RestoreCommand extends VolumeCommand {
  @Parameters(index = "0", paramLabel = "VOLUME", description = "Directory of the volume.")
  Path dir;

  @Option(names = "--snapshot", required = true, paramLabel = "ID",
      description = "ID of the snapshot to make the origin equal to.")
  long snapshot;

  @Override
  public Integer call() throws Exception {
    refuseIfStaged(dir, "restoring its origin");
    try (VolumeHandle h = open(dir);
        ProgressBar bar = new ProgressBar("restore", common.showProgress())) {
      io.deltasnap.engine.Volume v = h.volume();
      long bytes = v.restore(snapshot, bar);
      if (common.json) {
        Map<String, Object> m = Json.obj();
        m.put("snapshot", snapshot);
        m.put("bytesRewritten", bytes);
        out().println(Json.write(m));
      } else {
        err().println("origin restored to snapshot " + snapshot + " (" + Sizes.human(bytes) + " rewritten)");
      }
    }
    return 0;
  }
}
