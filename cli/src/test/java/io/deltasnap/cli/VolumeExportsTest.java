package io.deltasnap.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.deltasnap.engine.CreateOptions;
import io.deltasnap.engine.DirectoryStorage;
import io.deltasnap.engine.Volume;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The origin export is read-only exactly when asked (serve does for a replica with a staged transfer). */
class VolumeExportsTest {
  @TempDir
  Path tmp;

  @Test
  void theOriginIsReadOnlyWhileATransferIsStaged() throws Exception {
    try (Volume v = Volume.create(new DirectoryStorage(tmp.resolve("v")), CreateOptions.of(1 << 20))) {
      assertFalse(new VolumeExports(v).open("origin").readOnly());
      VolumeExports staged = new VolumeExports(v, true);
      assertTrue(staged.open("origin").readOnly());
      assertTrue(staged.list().get(0).description().contains("read-only"), staged.list().get(0).description());
    }
  }
}
