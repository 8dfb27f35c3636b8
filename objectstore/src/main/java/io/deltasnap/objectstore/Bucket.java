package io.deltasnap.objectstore;

import io.deltasnap.delta.TrustedKeys;
import java.io.IOException;
import java.io.InputStream;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;

/**
 * A replication target in a bucket, {@code s3://BUCKET/PREFIX} (docs/object-store.md):
 *
 * <table>
 *   <caption>objects under PREFIX</caption>
 *   <tr><th>name</th><th>holds</th></tr>
 *   <tr><td>{@code deltas/SNAP-from-BASE-RANDOM.delta} ({@code full} for BASE)</td><td>one delta, as
 *     {@code delta create} writes it; written once, never changed</td></tr>
 *   <tr><td>{@code manifest/SEQ} (20 digits)</td><td>the signed {@link Manifest}; the highest SEQ is current</td></tr>
 *   <tr><td>{@code probe}</td><td>a few bytes {@link ManifestCommit} writes to learn whether the store honours
 *     conditional writes</td></tr>
 * </table>
 *
 * <p>A delta is uploaded before the manifest that names it, and manifests are never overwritten,
 * so a reader never sees a half-written delta in a chain and every committed state stays readable.
 */
public final class Bucket {
  static final String DELTAS = "deltas/";
  static final String MANIFESTS = "manifest/";

  private final ObjectStore store;
  private final S3Location where;
  private final SecureRandom random = new SecureRandom();

  public Bucket(ObjectStore store, S3Location where) {
    this.store = store;
    this.where = where;
  }

  public ObjectStore store() {
    return store;
  }

  public S3Location location() {
    return where;
  }

  /** {@code s3://BUCKET/PREFIX/NAME}. */
  public String describe(String name) {
    return store.describe(where.key(name));
  }

  /** The key of manifest {@code seq}. */
  String manifestKey(long seq) {
    return where.key(MANIFESTS + String.format("%020d", seq));
  }

  /** The sequence numbers of the manifests the bucket holds, ascending. */
  List<Long> manifestSeqs() throws IOException {
    String dir = where.key(MANIFESTS);
    return store.list(dir).stream().map(k -> k.substring(dir.length())).filter(n -> n.matches("[0-9]{20}"))
        .map(Long::parseLong).sorted().toList();
  }

  /**
   * The current manifest, verified against {@code trust} (null: against the key it names, which
   * proves integrity only), or null when the bucket holds none.
   */
  public Manifest current(TrustedKeys trust) throws IOException {
    List<Long> seqs = manifestSeqs();
    if (seqs.isEmpty()) {
      return null;
    }
    long seq = seqs.get(seqs.size() - 1);
    String key = manifestKey(seq);
    byte[] bytes;
    try (InputStream in = store.get(key)) {
      bytes = in.readNBytes(Manifest.MAX_BYTES + 1);
    }
    if (bytes.length > Manifest.MAX_BYTES) {
      throw new ObjectStoreException.Corrupt(store.describe(key) + ": longer than " + Manifest.MAX_BYTES + " bytes");
    }
    return Manifest.decode(bytes, trust, store.describe(key), seq);
  }

  /** A fresh name for the delta from {@code base} (0: a full delta) to {@code snapshot}: never one in use. */
  public String newDeltaName(long base, long snapshot) {
    byte[] r = new byte[8];
    random.nextBytes(r);
    return DELTAS + snapshot + "-from-" + (base == 0 ? "full" : Long.toString(base)) + "-" + HexFormat.of().formatHex(r)
        + ".delta";
  }

  /** A stream that uploads the delta object {@code name}; see {@link DeltaUpload} for when it becomes visible. */
  public DeltaUpload upload(String name) {
    return new DeltaUpload(store, where.key(name));
  }

  /** The delta object of {@code e}, checked as it is read: its size and SHA-256 must be the manifest's. */
  public InputStream open(ManifestEntry e) throws IOException {
    return new CheckedObjectStream(store.get(where.key(e.object())), e, describe(e.object()));
  }

  /** Removes the delta object {@code name} (one no manifest names). */
  public void deleteDelta(String name) throws IOException {
    store.delete(where.key(name));
  }

  /**
   * Commits {@code next} as manifest {@code next.seq()}, signed with {@code key}; refused with
   * {@link ObjectStoreException.Conflict} when another writer committed that sequence first.
   */
  public void commit(Manifest next, Ed25519PrivateKeyParameters key) throws IOException {
    new ManifestCommit(this).commit(next, key);
  }

  /** Aborts the multipart uploads under the prefix's deltas except {@code keep}; returns how many. */
  public int abortStaleUploads(java.util.Set<String> keep) throws IOException {
    int n = 0;
    for (ObjectStore.Upload u : store.uploads(where.key(DELTAS))) {
      if (!keep.contains(u.uploadId())) {
        store.abortUpload(u.key(), u.uploadId());
        n++;
      }
    }
    return n;
  }
}
