package io.deltasnap.cli;

import io.deltasnap.engine.VolumeStatus;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "set", description = "Change a volume's settings: what a full store does, and its capacity.")
final class SetCommand extends VolumeCommand {
  @Parameters(index = "0", paramLabel = "VOLUME", description = "Directory of the volume.")
  Path dir;

  @Option(names = "--on-full", paramLabel = "POLICY", description = "What a full store does: refuse (origin writes fail, nothing is lost) or drop-oldest "
          + "(delete the oldest snapshots); unchanged if not given.")
  String onFull;

  @Option(names = "--capacity", converter = Sizes.Converter.class, paramLabel = "SIZE",
      description = "Largest size the store may grow to, like 100G (0: no limit but the disk); unchanged if "
          + "not given.")
  Long capacity;

  @Override
  public Integer call() throws Exception {
    if (onFull == null && capacity == null) {
      throw new Main.UserError("nothing to set: give --on-full and/or --capacity");
    }
    Boolean drop = onFull == null ? null : OnFull.parse(onFull);
    try (VolumeHandle h = open(dir)) {
      VolumeStatus s = h.volume().status();
      h.volume().configure(drop != null ? drop : s.dropOldest(), capacity != null ? capacity : h.volume().capacityBytes());
      if (capacity != null && capacity != 0 && capacity < s.storeBytes()) {
        err().println("note: the store already takes " + Sizes.human(s.storeBytes()) + ": it stops growing, new "
            + "copies go into its " + Sizes.human(s.freeBytes()) + " of free space, and it shrinks as its end frees");
      }
    }
    return 0;
  }
}
