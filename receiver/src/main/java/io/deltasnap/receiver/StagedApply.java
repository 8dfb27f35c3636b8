package io.deltasnap.receiver;

import io.deltasnap.delta.DeltaInspector;
import io.deltasnap.delta.TargetSnapshot;
import io.deltasnap.delta.TrustedKeys;
import io.deltasnap.engine.SnapshotInfo;
import io.deltasnap.engine.Volume;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Applies a delta produced on this host to a replica directory resumably: with the staging and
 * checkpoints of a {@code receive} transfer ({@link ResumableApply}, {@link StagedTransfer}), so
 * an apply interrupted anywhere — the process killed, the machine crashed, the producer failed —
 * continues at the next call with the same delta from where the replica's durable state ends,
 * instead of from the start. For a job's local targets.
 *
 * <p>As on the wire, the caller names only the delta (its header); where to continue is the
 * replica's own durable state, and the hash chain and signature of the whole stream still cover
 * the part staged earlier. Invariant 5 holds as for {@link DeltaApplier}: the new snapshot appears
 * in one commit after the trailer verified; until then the replica's snapshots are untouched.
 */
public final class StagedApply {
  /** A staged transfer another signer left is refused until it is this old (as receive's default). */
  static final Duration STALE_AFTER = Duration.ofHours(24);
  private static final long CACHE_BYTES = 16L << 20;

  /** The delta's stream from a given offset on: the caller starts producing it there. */
  public interface Source {
    /** The stream's bytes from {@code offset} (at least the header's length) to its end. */
    InputStream from(long offset) throws IOException;
  }

  /**
   * What an apply did: the snapshot published, the stream offset it continued from (the header's
   * length when it started afresh), the stream's length and its record count.
   */
  public record Result(SnapshotInfo snapshot, long resumedFrom, long streamBytes, long records) {}

  private StagedApply() {}

  /**
   * Applies the delta that starts with {@code header} (its encoded header, as an OFFER carries it)
   * to the replica in {@code dir} (an empty directory: a full delta creates it), checkpointing
   * after every {@code checkpointBytes} of stream or {@code checkpointInterval}, whichever comes
   * first.
   */
  public static Result apply(Path dir, byte[] header, TrustedKeys trust, long checkpointBytes,
      Duration checkpointInterval, Source source, Volume.Progress progress) throws IOException {
    try (Replica r = Replica.open(dir, CACHE_BYTES)) {
      ResumableApply a = new ResumableApply(r, header, trust,
          new ResumableApply.Checkpoints(checkpointBytes, checkpointInterval), STALE_AFTER);
      long from = a.prepare(a.header().signerKey()); // no session here: the signer is who it says
      try (InputStream in = source.from(from)) {
        ResumableApply.Result res = a.apply(in, progress);
        return new Result(res.snapshot(), res.resumedFrom(), res.streamBytes(), res.records());
      }
    }
  }

  /**
   * The snapshot the transfer staged in {@code dir} would publish (its ID, UUID and name), or
   * null when none is staged or the staged state cannot be read (the next apply discards it).
   */
  public static TargetSnapshot staged(Path dir) {
    try {
      StagedTransfer st = StagedTransfer.load(dir);
      return st == null ? null : DeltaInspector.header(new ByteArrayInputStream(st.header())).target();
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }
}
