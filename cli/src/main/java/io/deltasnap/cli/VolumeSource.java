package io.deltasnap.cli;

import io.deltasnap.engine.DirectoryStorage;
import io.deltasnap.engine.Volume;
import io.deltasnap.engine.VolumeBusyException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where commands get their volume. Normally it is opened from its directory; inside a server
 * ({@code serve}), commands that arrive on the control socket get the server's open volume.
 */
class VolumeSource {
  VolumeHandle open(Path dir, long cacheBytes, boolean forwardable) throws IOException {
    if (!Files.isDirectory(dir)) {
      throw new Main.UserError("no volume at " + dir + " (create one with 'deltasnap init')");
    }
    try {
      return new VolumeHandle(reportRepairs(Volume.open(new DirectoryStorage(dir), cacheBytes)), true);
    } catch (VolumeBusyException e) {
      if (forwardable && Files.exists(ControlSocket.path(dir))) {
        throw new ControlSocket.Forward(dir);
      }
      throw e;
    }
  }

  /**
   * Says on stderr what the open repaired (a damaged superblock copy rewritten from the others, a
   * format upgrade): the damage was survivable, but the disk that caused it deserves a look.
   */
  static Volume reportRepairs(Volume v) {
    for (String r : v.repairedAtOpen()) {
      System.err.println("deltasnap: warning: " + v.name() + ": " + r);
    }
    return v;
  }

  /** Lends {@code served} to commands naming its directory; opens any other. */
  static VolumeSource serving(Path dir, Volume served) throws IOException {
    Path real = dir.toRealPath();
    return new VolumeSource() {
      @Override
      VolumeHandle open(Path d, long cacheBytes, boolean forwardable) throws IOException {
        if (Files.isDirectory(d) && d.toRealPath().equals(real)) {
          return new VolumeHandle(served, false);
        }
        return super.open(d, cacheBytes, false);
      }
    };
  }
}
