package io.deltasnap.cli;

import io.deltasnap.engine.Volume;
import io.deltasnap.engine.VolumeStatus;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "status", description = "Sizes, snapshots, exceptions, store use and cache statistics.")
final class StatusCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "VOLUME")
  Path dir;

  @Mixin
  Common common;

  @Override
  public Integer call() throws Exception {
    try (Volume v = Volumes.open(dir, common)) {
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
        m.put("commitSeq", s.commitSeq());
        Map<String, Object> cache = Json.obj();
        cache.put("hits", s.cacheHits());
        cache.put("misses", s.cacheMisses());
        cache.put("usedBytes", s.cacheBytes());
        cache.put("budgetBytes", s.cacheBudget());
        m.put("cache", cache);
        m.put("onFull", s.dropOldest() ? "drop-oldest" : "refuse");
        System.out.println(Json.write(m));
      } else {
        System.out.printf("volume       %s%n", dir);
        System.out.printf("uuid         %s%n", s.uuid());
        System.out.printf("size         %s (%d bytes), chunk %s%n", Sizes.human(s.size()), s.size(),
            Sizes.human(s.chunkSize()));
        System.out.printf("origin       %s%n", s.origin());
        System.out.printf("snapshots    %d live, %d pending deletion%n", s.snapshots(), s.pendingDeletions());
        System.out.printf("exceptions   %d (tree height %d)%n", s.exceptions(), s.treeHeight());
        System.out.printf("store        %s used, %s free inside%n", Sizes.human(s.storeBytes()),
            Sizes.human(s.freeBytes()));
        System.out.printf("cache        %d hits, %d misses, %s of %s%n", s.cacheHits(), s.cacheMisses(),
            Sizes.human(s.cacheBytes()), Sizes.human(s.cacheBudget()));
        System.out.printf("commit       %d%n", s.commitSeq());
      }
    }
    return 0;
  }
}
