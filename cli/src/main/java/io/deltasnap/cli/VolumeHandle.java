package io.deltasnap.cli;

import io.deltasnap.engine.Volume;
import java.io.IOException;

/** A volume a command works on: opened for it (closed after), or lent by a running server. */
record VolumeHandle(Volume volume, boolean owned) implements AutoCloseable {
  @Override
  public void close() throws IOException {
    if (owned) {
      volume.close();
    } else {
      volume.flush();
    }
  }
}
