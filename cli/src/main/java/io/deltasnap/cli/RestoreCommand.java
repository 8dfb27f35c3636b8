package io.deltasnap.cli;

import io.deltasnap.engine.Volume;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "restore", description = "Make the origin equal to a snapshot; every snapshot is kept.")
final class RestoreCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "VOLUME")
  Path dir;

  @Option(names = "--snapshot", required = true, paramLabel = "ID")
  long snapshot;

  @Mixin
  Common common;

  @Override
  public Integer call() throws Exception {
    try (Volume v = Volumes.open(dir, common);
        ProgressBar bar = new ProgressBar("restore", common.showProgress())) {
      long bytes = v.restore(snapshot, bar);
      if (common.json) {
        Map<String, Object> m = Json.obj();
        m.put("snapshot", snapshot);
        m.put("bytesRewritten", bytes);
        System.out.println(Json.write(m));
      } else {
        System.err.println("origin restored to snapshot " + snapshot + " (" + Sizes.human(bytes) + " rewritten)");
      }
    }
    return 0;
  }
}
