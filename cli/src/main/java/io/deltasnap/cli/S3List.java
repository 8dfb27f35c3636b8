package io.deltasnap.cli;

import io.deltasnap.delta.TrustedKeys;
import io.deltasnap.objectstore.Bucket;
import io.deltasnap.objectstore.Manifest;
import io.deltasnap.objectstore.ManifestEntry;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.Map;

/**
 * {@code snapshot list s3://BUCKET/PREFIX}: the snapshots of the bucket's current manifest, with
 * the members of a volume's listing ({@code id, uuid, name, created}) and the bucket's own
 * ({@code base, bytes, object, encrypted}).
 */
final class S3List {
  private S3List() {}

  static void list(Bucket b, TrustedKeys trust, long after, long max, NameGlob glob, boolean json, PrintWriter out)
      throws IOException {
    Manifest m;
    try (var store = b.store()) {
      m = b.current(trust);
    }
    Json.ArrayWriter array = json ? new Json.ArrayWriter(out) : null;
    if (!json) {
      out.print(String.format("%-8s %-36s %-24s %-8s %-10s %s%n", "ID", "UUID", "CREATED", "BASE", "SIZE", "NAME"));
    }
    long shown = 0;
    for (ManifestEntry e : m == null ? java.util.List.<ManifestEntry>of() : m.entries()) {
      if (e.snapshot() <= after || (glob != null && !glob.matches(e.name()))) {
        continue;
      }
      if (shown++ >= max) {
        break;
      }
      if (array != null) {
        array.add(json(e));
      } else {
        out.print(String.format("%-8d %-36s %-24s %-8s %-10s %s%n", e.snapshot(), e.uuid(), Instant.ofEpochMilli(e.created()),
            e.isFull() ? "full" : Long.toString(e.base()), Sizes.human(e.bytes()), Printable.escape(e.name())));
      }
    }
    if (array != null) {
      array.finish();
    }
  }

  static Map<String, Object> json(ManifestEntry e) {
    Map<String, Object> m = Json.obj();
    m.put("id", e.snapshot());
    m.put("uuid", e.uuid().toString());
    m.put("name", e.name());
    m.put("created", Instant.ofEpochMilli(e.created()).toString());
    m.put("base", e.isFull() ? null : e.base());
    m.put("bytes", e.bytes());
    m.put("sha256", e.sha256());
    m.put("encrypted", e.encrypted());
    m.put("object", e.object());
    return m;
  }
}
