package io.deltasnap.cli;

import io.deltasnap.engine.Volume;
import io.deltasnap.engine.VolumeStatus;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "status", description = "Sizes, snapshots, exceptions, store use and cache statistics.")
final class StatusCommand extends VolumeCommand {
  @Parameters(index = "0", paramLabel = "VOLUME", description = "Directory of the volume.")
  Path dir;

  StatusCommand() {

    super(true); // forwarded to a server holding the volume

  }

  @Override
  public Integer call() throws Exception {
    try (VolumeHandle h = open(dir)) {
      io.deltasnap.engine.Volume v = h.volume();
      VolumeStatus s = v.status();
      if (common.json) {
        Map<String, Object> m = Json.obj();
        m.put("uuid", s.uuid().toString());
        m.put("size", s.size());
        m.put("chunkSize", s.chunkSize());
        m.put("origin", s.origin());
        m.put("snapshots", s.snapshots());
        m.put("exceptions", s.exceptions());
        m.put("treeHeight", s.treeHeight());
        m.put("storeBytes", s.storeBytes());
        m.put("freeBytes", s.freeBytes());
        m.put("pendingDeletions", s.pendingDeletions());
        m.put("reclaimableBytes", v.reclaimableBytes());
        m.put("commitSeq", s.commitSeq());
        Map<String, Object> cache = Json.obj();
        cache.put("hits", s.cacheHits());
        cache.put("misses", s.cacheMisses());
        cache.put("usedBytes", s.cacheBytes());
        cache.put("budgetBytes", s.cacheBudget());
        m.put("cache", cache);
        m.put("onFull", s.dropOldest() ? "drop-oldest" : "refuse");
        out().println(Json.write(m));
      } else {
        out().printf("volume       %s%n", dir);
        out().printf("uuid         %s%n", s.uuid());
        out().printf("size         %s (%d bytes), chunk %s%n", Sizes.human(s.size()), s.size(),
            Sizes.human(s.chunkSize()));
        out().printf("origin       %s%n", s.origin());
        out().printf("snapshots    %d live, %d pending deletion (%s reclaimable)%n", s.snapshots(),
            s.pendingDeletions(), Sizes.human(v.reclaimableBytes()));
        out().printf("exceptions   %d (tree height %d)%n", s.exceptions(), s.treeHeight());
        out().printf("store        %s used, %s free inside%n", Sizes.human(s.storeBytes()),
            Sizes.human(s.freeBytes()));
        out().printf("cache        %d hits, %d misses, %s of %s%n", s.cacheHits(), s.cacheMisses(),
            Sizes.human(s.cacheBytes()), Sizes.human(s.cacheBudget()));
        out().printf("on full      %s%n", s.dropOldest() ? "drop the oldest snapshots" : "refuse writes");
        out().printf("commit       %d%n", s.commitSeq());
      }
    }
    return 0;
  }
}
