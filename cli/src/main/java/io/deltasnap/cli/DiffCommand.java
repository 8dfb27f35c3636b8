package io.deltasnap.cli;

import io.deltasnap.engine.DiffResult;
import io.deltasnap.engine.Extent;
import io.deltasnap.engine.Volume;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "diff", description = "Changed extents between snapshot A (--base) and B; without --base, all data of B.")
final class DiffCommand extends VolumeCommand {
  @Parameters(index = "0", paramLabel = "VOLUME", description = "Directory of the volume.")
  Path dir;

  @Option(names = "--base", paramLabel = "A",
      description = "Snapshot ID to compare from (default: none, so every extent of B that holds data).")
  Long base;

  @Option(names = "--snapshot", required = true, paramLabel = "B", description = "Snapshot ID to compare to.")
  long snapshot;

  DiffCommand() {

    super(true); // forwarded to a server holding the volume

  }

  @Override
  public Integer call() throws Exception {
    try (VolumeHandle h = open(dir)) {
      io.deltasnap.engine.Volume v = h.volume();
      long t0 = System.nanoTime();
      DiffResult d = v.diff(base == null ? Volume.ORIGIN : base, snapshot);
      double ms = (System.nanoTime() - t0) / 1e6;
      if (common.json) {
        List<Object> ext = Json.arr();
        for (Extent e : d.extents()) {
          Map<String, Object> m = Json.obj();
          m.put("offset", e.offset());
          m.put("length", e.length());
          ext.add(m);
        }
        Map<String, Object> stats = Json.obj();
        stats.put("nodesVisited", d.nodesVisited());
        stats.put("entriesExamined", d.candidates());
        stats.put("changedChunks", d.changedChunks());
        stats.put("changedBytes", d.changedBytes());
        stats.put("extents", d.extents().size());
        stats.put("milliseconds", Math.round(ms * 1000) / 1000.0);
        Map<String, Object> out = Json.obj();
        out.put("extents", ext);
        out.put("stats", stats);
        out().println(Json.write(out));
      } else {
        for (Extent e : d.extents()) {
          out().println(e.offset() + " " + e.length());
        }
        err().printf("%d extents, %s changed, %d tree nodes visited%n", d.extents().size(),
            Sizes.human(d.changedBytes()), d.nodesVisited());
      }
    }
    return 0;
  }
}
