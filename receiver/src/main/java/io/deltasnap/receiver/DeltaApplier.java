package io.deltasnap.receiver;

import io.deltasnap.delta.BaseSource;
import io.deltasnap.delta.DeltaFormatException;
import io.deltasnap.delta.DeltaHeader;
import io.deltasnap.delta.DeltaReader;
import io.deltasnap.delta.DeltaRecord;
import io.deltasnap.delta.RecipientSecret;
import io.deltasnap.delta.TargetSnapshot;
import io.deltasnap.delta.TrustedKeys;
import io.deltasnap.engine.CreateOptions;
import io.deltasnap.engine.SnapshotInfo;
import io.deltasnap.engine.Volume;
import io.deltasnap.engine.io.VolumeStorage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * Applies a delta to a replica atomically. The replica's snapshots are the replicated state; its
 * origin is the staging area. Records are verified one by one and written to the origin (an
 * origin write preserves what every snapshot reads, as always); the new snapshot — with the
 * source's ID and UUID — is created in one commit, and only after the whole stream's signature
 * verified. Until then no snapshot changes, whatever the input or a crash does.
 *
 * <p>Before writing, the origin is brought back to the base snapshot ({@link Volume#restore}
 * rewrites only chunks that differ, so this costs what an earlier interrupted or refused apply
 * left behind). After a refusal it is brought back again. So the same delta can always be applied
 * again from the start.
 */
public final class DeltaApplier {
  /** Zero records are written as zero pieces of at most this size, and only where not already zero. */
  static final int ZERO_PIECE = 1 << 20;

  /** What an apply did. */
  public record Result(SnapshotInfo snapshot, long dataBytes, long zeroBytes, long records, boolean createdReplica) {}

  private DeltaApplier() {}

  /**
   * Verifies and applies the delta read from {@code in} to the replica in {@code storage}; a full
   * delta creates the replica when there is none. On any failure the replica's snapshots are as
   * they were, and a replica this call created is left empty (no snapshot).
   */
  public static Result apply(VolumeStorage storage, InputStream in, TrustedKeys trust, Volume.Progress progress)
      throws IOException {
    return apply(storage, in, trust, null, progress);
  }

  /**
   * As above; an encrypted delta is opened with {@code secret} (null: plain deltas only). The key
   * is checked against the header's recipients before the replica is touched.
   */
  public static Result apply(VolumeStorage storage, InputStream in, TrustedKeys trust, RecipientSecret secret,
      Volume.Progress progress) throws IOException {
    DeltaReader r = new DeltaReader(in, trust, secret);
    DeltaHeader h = r.header();
    boolean created = false;
    Volume v;
    if (!storage.storeExists()) {
      if (!h.isFull()) {
        throw new RefusedException(Refusal.NO_REPLICA, "replica " + storage.describe() + " does not exist, and an incremental delta "
            + "(base snapshot " + h.base().id() + ") needs one: apply the full delta first");
      }
      v = Volume.create(storage, CreateOptions.of(h.volumeSize()).withChunkSize(h.chunkSize()).withUuid(h.volume()));
      created = true;
    } else {
      v = Volume.open(storage);
    }
    try (v) {
      long rollbackTo = checkFits(v, h);
      if (rollbackTo != Volume.ORIGIN) {
        v.restore(rollbackTo, Volume.Progress.NONE);
      }
      try {
        return applyRecords(v, r, h, created, progress);
      } catch (IOException | RuntimeException e) {
        if (rollbackTo != Volume.ORIGIN) {
          try {
            v.restore(rollbackTo, Volume.Progress.NONE);
          } catch (IOException suppressed) {
            e.addSuppressed(suppressed); // the next apply restores it first anyway
          }
        }
        throw e;
      }
    }
  }

  /** Checks the delta belongs here; returns the snapshot the origin must equal first (0: none). */
  static long checkFits(Volume v, DeltaHeader h) throws IOException {
    if (!v.uuid().equals(h.volume())) {
      throw new RefusedException(Refusal.WRONG_VOLUME, "the delta is for volume " + h.volume() + ", but replica " + v.name()
          + " holds volume " + v.uuid());
    }
    if (v.chunkSize() != h.chunkSize() || v.size() != h.volumeSize()) {
      throw new RefusedException(Refusal.WRONG_GEOMETRY, "the delta's geometry (size " + h.volumeSize() + ", chunk " + h.chunkSize()
          + ") differs from the replica's (size " + v.size() + ", chunk " + v.chunkSize() + ")");
    }
    TargetSnapshot t = h.target();
    SnapshotInfo existing = v.snapshot(t.id());
    if (existing != null) {
      throw new RefusedException(Refusal.TARGET_EXISTS, "snapshot " + t.id() + " is already on replica " + v.name()
          + (existing.uuid().equals(t.uuid()) ? " (this delta was applied before)" : " with another UUID"));
    }
    SnapshotInfo newestLive = v.newestSnapshot();
    long newest = newestLive == null ? 0 : newestLive.id();
    if (t.id() <= newest) {
      throw new RefusedException(Refusal.OUT_OF_ORDER, "the delta's target snapshot " + t.id() + " is older than the replica's newest ("
          + newest + "): apply deltas in order");
    }
    try {
      v.checkNewSnapshot(t.id(), t.name()); // IDs above every one ever used here, a printable name
    } catch (io.deltasnap.engine.InvalidRequestException e) {
      throw new RefusedException(Refusal.BAD_TARGET, "the delta's target snapshot: " + e.getMessage());
    }
    if (h.isFull()) {
      return newest; // rewrite everything on top of the newest; older snapshots are preserved
    }
    SnapshotInfo b = v.snapshot(h.base().id());
    if (b == null || !b.live()) {
      throw new RefusedException(Refusal.WRONG_BASE, "the delta's base snapshot " + h.base().id() + " is not on replica " + v.name()
          + (newest == 0 ? " (it has no snapshots: apply a full delta first)" : " (its newest is " + newest + ")"));
    }
    if (!b.uuid().equals(h.base().uuid())) {
      throw new RefusedException(Refusal.WRONG_BASE, "the delta's base snapshot " + h.base().id() + " has UUID " + h.base().uuid()
          + ", the replica's has " + b.uuid() + ": wrong base");
    }
    return b.id();
  }

  private static Result applyRecords(Volume v, DeltaReader r, DeltaHeader h, boolean fresh, Volume.Progress progress)
      throws IOException {
    long base = h.isFull() ? Volume.ORIGIN : h.base().id();
    BaseSource baseSource = base == Volume.ORIGIN ? null : (off, dst) -> v.read(base, off, ByteBuffer.wrap(dst));
    long data = 0;
    long zeros = 0;
    long records = 0;
    long total = h.volumeSize();
    ByteBuffer[] aligned = new ByteBuffer[1];
    RecordBatch batch = new RecordBatch(v.chunkSize());
    DeltaRecord rec;
    while ((rec = r.next(baseSource)) != null) {
      records++;
      if (RecordBatch.batched(rec)) {
        if (!batch.accepts(rec)) {
          RecordBatch.write(v, batch.take(), aligned);
        }
        batch.add(rec);
        data += rec.length();
      } else if (rec instanceof DeltaRecord.Zero z) {
        if (!batch.isEmpty()) {
          RecordBatch.write(v, batch.take(), aligned);
        }
        if (!fresh) { // a new replica's origin reads zeros already
          writeZeros(v, z.offset(), z.length());
        }
        zeros += z.length();
      }
      progress.update(Math.min(total, rec.offset() + rec.length()), total);
    }
    if (!batch.isEmpty()) {
      RecordBatch.write(v, batch.take(), aligned);
    }
    // the whole stream is verified: publish the snapshot in one commit
    TargetSnapshot t = h.target();
    SnapshotInfo s = v.createSnapshot(t.id(), t.uuid(), t.name(), t.createdMillis(), t.writable(), SnapshotInfo.LIVE);
    return new Result(s, data, zeros, records, fresh);
  }

  /** DATA records at least this long (one 64 KiB chunk) are written from an aligned buffer: past the page cache (FileBlockFile). */
  static final int BULK_BYTES = 64 << 10;

  /** Makes [off, off+len) zero, writing only pieces that are not zero already. */
  static void writeZeros(Volume v, long off, long len) throws IOException {
    byte[] buf = new byte[(int) Math.min(ZERO_PIECE, len)];
    long end = off + len;
    while (off < end) {
      int n = (int) Math.min(buf.length, end - off);
      ByteBuffer b = ByteBuffer.wrap(buf, 0, n);
      v.read(Volume.ORIGIN, off, b);
      boolean zero = true;
      for (int i = 0; i < n && zero; i++) {
        zero = buf[i] == 0;
      }
      if (!zero) {
        java.util.Arrays.fill(buf, 0, n, (byte) 0);
        v.write(Volume.ORIGIN, off, ByteBuffer.wrap(buf, 0, n));
      }
      off += n;
    }
  }

  /** Whether a failure is the delta's fault (refused input) rather than the replica's or the system's. */
  public static boolean refusedInput(Throwable t) {
    return t instanceof DeltaFormatException || t instanceof RefusedException r && r.reason() != Refusal.STAGED_ELSEWHERE;
  }
}
