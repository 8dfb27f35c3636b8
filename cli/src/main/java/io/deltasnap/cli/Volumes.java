package io.deltasnap.cli;

import io.deltasnap.engine.DirectoryStorage;
import io.deltasnap.engine.SnapshotInfo;
import io.deltasnap.engine.Volume;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;

/** Opening volumes from the command line, and how snapshots print. */
final class Volumes {
  private Volumes() {}

  static Volume open(Path dir, Common c) throws IOException {
    if (!Files.isDirectory(dir)) {
      throw new Main.UserError("no volume at " + dir + " (create one with 'deltasnap init')");
    }
    return Volume.open(new DirectoryStorage(dir), c.cacheBytes());
  }

  static Map<String, Object> json(SnapshotInfo s) {
    Map<String, Object> m = Json.obj();
    m.put("id", s.id());
    m.put("uuid", s.uuid().toString());
    m.put("name", s.name());
    m.put("created", Instant.ofEpochMilli(s.created()).toString());
    m.put("writable", s.writable());
    return m;
  }
}
