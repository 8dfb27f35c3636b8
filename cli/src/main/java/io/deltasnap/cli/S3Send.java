package io.deltasnap.cli;

import io.deltasnap.delta.Keys;
import io.deltasnap.delta.SignerKey;
import io.deltasnap.delta.TrustedKeys;
import io.deltasnap.engine.SnapshotInfo;
import io.deltasnap.engine.Volume;
import io.deltasnap.objectstore.Bucket;
import io.deltasnap.objectstore.DeltaUpload;
import io.deltasnap.objectstore.Manifest;
import io.deltasnap.objectstore.ManifestEntry;
import io.deltasnap.objectstore.ObjectStoreException;
import io.deltasnap.sender.DeltaProducer;
import java.io.IOException;
import java.util.Locale;
import java.util.Map;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;

/**
 * {@code send VOLUME --snapshot B --key K --to s3://BUCKET/PREFIX}: uploads the delta as one
 * object, then commits the next manifest naming it. Without {@code --base} the newest snapshot
 * the bucket holds (same ID and UUID as the volume's) is the base; a full delta when it holds
 * none. The bucket's manifest must be signed by the sender's own key: a bucket written by someone
 * else is refused, never extended.
 */
final class S3Send {
  /** What one send to a bucket did. */
  record Outcome(ManifestEntry entry, long seq, int abortedUploads, double seconds) {}

  private S3Send() {}

  static Outcome send(Volume v, String url, S3Options s3, Long base, long snapshot, Ed25519PrivateKeyParameters key,
      DeltaProducer.Options opts, Volume.Progress progress) throws IOException {
    long t0 = System.nanoTime();
    SnapshotInfo target = v.snapshot(snapshot);
    Bucket b = S3Buckets.open(url, s3);
    try (var store = b.store()) {
      TrustedKeys self = TrustedKeys.of(new SignerKey(Keys.publicKey(key), ""));
      Manifest m = b.current(self);
      if (m == null) {
        m = new Manifest(0, v.uuid(), v.chunkSize(), v.size(), java.util.List.of());
      } else if (!m.volume().equals(v.uuid())) {
        throw new Main.UserError(url + " holds volume " + m.volume() + ", not " + v.uuid());
      }
      if (m.entry(snapshot) != null) {
        throw new Main.UserError(url + " already holds snapshot " + snapshot);
      }
      long from = base != null ? base : newestShared(v, m, snapshot);
      ManifestEntry baseEntry = from == Volume.ORIGIN ? null : m.entry(from);
      if (from != Volume.ORIGIN) {
        SnapshotInfo s = v.snapshot(from);
        if (s == null || !s.live()) {
          throw new Main.UserError("no snapshot " + from + " in the volume to send from");
        }
        if (baseEntry == null || !baseEntry.uuid().equals(s.uuid())) {
          throw new Main.UserError(url + " does not hold base snapshot " + from + " (its newest: "
              + (m.newest() == null ? "none" : m.newest().snapshot()) + "); send without --base, or from one it holds");
        }
      }
      DeltaProducer.header(v, from, snapshot, key); // bad IDs: refused before any upload
      String name = b.newDeltaName(from, snapshot);
      DeltaUpload up = b.upload(name);
      try (up) {
        DeltaProducer.write(v, from, snapshot, key, up, opts, progress);
        up.finish();
      }
      ManifestEntry e = new ManifestEntry(name, snapshot, target.uuid(), from, baseEntry == null ? null : baseEntry.uuid(),
          target.created(), up.size(), up.sha256(), opts.writer().encryptTo() != null, target.name());
      Manifest next = m.with(e);
      try {
        b.commit(next, key);
      } catch (ObjectStoreException.Conflict c) {
        b.deleteDelta(name); // named by no manifest: nothing refers to it
        throw c;
      }
      int aborted = b.abortStaleUploads(java.util.Set.of());
      return new Outcome(e, next.seq(), aborted, (System.nanoTime() - t0) / 1e9);
    }
  }

  /** The newest snapshot older than {@code target} that both the bucket and the volume hold (same UUID), or 0. */
  private static long newestShared(Volume v, Manifest m, long target) throws IOException {
    long best = Volume.ORIGIN;
    for (ManifestEntry e : m.entries()) {
      SnapshotInfo s = v.snapshot(e.snapshot());
      if (e.snapshot() < target && s != null && s.live() && s.uuid().equals(e.uuid())) {
        best = e.snapshot();
      }
    }
    return best;
  }

  static void print(java.io.PrintWriter out, boolean json, String url, Outcome r) {
    ManifestEntry e = r.entry();
    if (json) {
      Map<String, Object> m = Json.obj();
      m.put("snapshot", e.snapshot());
      m.put("uuid", e.uuid().toString());
      m.put("base", e.isFull() ? null : e.base());
      m.put("to", url);
      m.put("object", e.object());
      m.put("deltaBytes", e.bytes());
      m.put("sha256", e.sha256());
      m.put("manifestSeq", r.seq());
      m.put("seconds", Math.round(r.seconds() * 1000) / 1000.0);
      out.println(Json.write(m));
    } else {
      out.println("sent snapshot " + e.snapshot() + (e.isFull() ? " (full delta)" : " from base " + e.base()) + " to " + url
          + ": " + Sizes.human(e.bytes()) + " as " + e.object() + ", manifest " + r.seq()
          + String.format(Locale.ROOT, " in %.1f s", r.seconds()));
    }
  }
}
