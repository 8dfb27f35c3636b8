package io.deltasnap.objectstore;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;

/**
 * Writes manifest N+1 so that two writers cannot both believe they wrote it.
 *
 * <p>The write is conditional ({@code If-None-Match: *}): a store that honours it (AWS S3 since
 * 2024, MinIO, Ceph RGW, R2) refuses the second writer with 412. Some stores ignore the header
 * (S3Proxy 2.6 does) and would let the second PUT replace the first. Whether this store honours it
 * is learnt by a probe: a conditional write of {@code PREFIX/probe} over itself. Where it is
 * ignored, the commit is checked instead: the name must be free just before the PUT, and after a
 * settling delay of {@link #SETTLE_MILLIS} the object read back must be ours byte for byte. A
 * second writer's PUT that lands within that delay of ours is seen by one of the two checks, so
 * exactly one writer reports success and the other a conflict; the guarantee holds on such stores
 * for writers whose PUT completes within the delay of their check.
 *
 * <p>After a commit, manifests more than {@link #KEEP} behind are deleted.
 */
final class ManifestCommit {
  static final long SETTLE_MILLIS = 300;
  static final int KEEP = 8;

  private final Bucket bucket;
  private final ObjectStore store;

  ManifestCommit(Bucket bucket) {
    this.bucket = bucket;
    this.store = bucket.store();
  }

  void commit(Manifest next, Ed25519PrivateKeyParameters key) throws IOException {
    byte[] bytes = next.encode(key);
    String k = bucket.manifestKey(next.seq());
    boolean conditional = storeHonoursConditionalWrites();
    if (!store.list(k).isEmpty() || !store.putIfAbsent(k, bytes)) {
      throw conflict(next.seq());
    }
    if (!conditional) {
      try {
        Thread.sleep(SETTLE_MILLIS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new java.io.InterruptedIOException("interrupted while committing " + store.describe(k));
      }
      byte[] back;
      try (InputStream in = store.get(k)) {
        back = in.readNBytes(bytes.length + 1);
      }
      if (!Arrays.equals(back, bytes)) {
        throw conflict(next.seq());
      }
    }
    prune(next.seq());
  }

  private ObjectStoreException.Conflict conflict(long seq) {
    return new ObjectStoreException.Conflict(store.describe(bucket.manifestKey(seq)) + ": another writer committed manifest "
        + seq + " first; nothing of this send is committed (run it again to send on top of theirs)");
  }

  /** Whether a conditional write over an existing object is refused here (the probe object is written first if absent). */
  private boolean storeHonoursConditionalWrites() throws IOException {
    String probe = bucket.location().key("probe");
    byte[] body = "deltasnap conditional-write probe\n".getBytes(StandardCharsets.US_ASCII);
    if (store.list(probe).isEmpty()) {
      store.put(probe, body);
    }
    return !store.putIfAbsent(probe, body);
  }

  private void prune(long seq) throws IOException {
    List<Long> seqs = bucket.manifestSeqs();
    for (long s : seqs) {
      if (s < seq - KEEP) {
        store.delete(bucket.manifestKey(s));
      }
    }
  }
}
