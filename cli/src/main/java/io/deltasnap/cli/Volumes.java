package io.deltasnap.cli;

import io.deltasnap.engine.SnapshotInfo;
import java.time.Instant;
import java.util.Map;

/** How snapshots print. */
final class Volumes {
  private Volumes() {}

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
