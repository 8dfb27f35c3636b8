package io.deltasnap.cli;

import io.deltasnap.engine.CreateOptions;
import io.deltasnap.engine.Volume;
import io.deltasnap.engine.VolumeStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "init", description = "Create a volume: an origin and its shared exception store.",
    footerHeading = "%nExample:%n",
    footer = "  deltasnap init /tmp/vol --size 64M --chunk-size 64K")
final class InitCommand extends VolumeCommand {
  @Parameters(index = "0", paramLabel = "VOLUME", description = "Directory to create the volume in.")
  Path dir;

  @Option(names = "--size", converter = Sizes.Converter.class, paramLabel = "SIZE",
      description = "Volume size in bytes or with a suffix (64K, 4M, 1G, 2T); required unless --origin is a "
          + "regular file, whose size is the default.")
  Long size;

  @Option(names = "--chunk-size", converter = Sizes.Converter.class, paramLabel = "SIZE", defaultValue = "64K",
      description = "Copy-on-write unit, a power of two from 4K to 1M (default: ${DEFAULT-VALUE}).")
  long chunkSize;

  @Option(names = "--origin", paramLabel = "PATH",
      description = "Use an existing file or block device as the origin (its contents are kept); never one another "
          + "volume owns (see docs/cli.md).")
  Path origin;

  @Option(names = "--on-full", paramLabel = "POLICY", defaultValue = "refuse",
      description = "What a full store does: refuse (origin writes fail, nothing is lost) or drop-oldest "
          + "(delete the oldest snapshots). Default: ${DEFAULT-VALUE}.")
  String onFull;

  @Override
  public Integer call() throws Exception {
    boolean dropOldest = OnFull.parse(onFull);
    if (Files.exists(dir.resolve("store"))) {
      throw new Main.UserError(dir + " already holds a volume");
    }
    String originPath = "";
    long sz;
    if (origin != null) {
      if (!Files.exists(origin)) {
        throw new Main.UserError("origin " + origin + " does not exist");
      }
      originPath = origin.toAbsolutePath().toString();
      long have = Files.isRegularFile(origin) ? Files.size(origin) : -1;
      sz = size != null ? size : have;
      if (sz <= 0) {
        throw new Main.UserError("give --size for origin " + origin);
      }
    } else {
      if (size == null) {
        throw new Main.UserError("--size is required (or --origin to use an existing file)");
      }
      sz = size;
    }
    if (chunkSize > Integer.MAX_VALUE) {
      throw new Main.UserError("chunk size must be a power of two from 4K to 1M");
    }
    try (NewVolume n = NewVolume.claim(dir, origin == null);
        OriginClaim claim = origin == null ? null : OriginClaim.claim(origin, dir)) {
      if (n.exists()) {
        throw new Main.UserError(dir + " already holds a volume");
      }
      try (Volume v = Volume.create(n.storage(),
          new CreateOptions(sz, (int) chunkSize, originPath, dropOldest, common.cacheBytes(), null))) {
        report(v.status());
      }
      n.keep();
      if (claim != null) {
        claim.keep();
      }
    }
    return 0;
  }

  private void report(VolumeStatus s) {
    if (common.json) {
      Map<String, Object> m = Json.obj();
      m.put("volume", dir.toString());
      m.put("uuid", s.uuid().toString());
      m.put("size", s.size());
      m.put("chunkSize", s.chunkSize());
      out().println(Json.write(m));
    } else {
      out().println("created volume " + dir + ": " + Sizes.human(s.size()) + ", chunk " + Sizes.human(chunkSize)
          + ", uuid " + s.uuid());
    }
  }
}
