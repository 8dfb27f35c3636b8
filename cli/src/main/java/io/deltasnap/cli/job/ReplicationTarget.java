package io.deltasnap.cli.job;

import io.deltasnap.engine.SnapshotInfo;
import io.deltasnap.engine.Volume;
import java.io.IOException;
import java.util.Collection;
import java.util.List;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;

/**
 * Where a job replicates to. Every call stands alone (a target may go away between calls), and a
 * failure is an exception: the pass records it for this target and goes on with the others.
 */
public interface ReplicationTarget {
  /** The target's name in the job file. */
  String name();

  /** Where it is, for messages. */
  String where();

  /**
   * The target's live snapshots, oldest first; empty if it holds no replica yet. Throws when the
   * target cannot be reached.
   */
  List<SnapshotInfo> snapshots() throws IOException;

  /**
   * What one send moved: delta bytes (sent this time, a resumed send counts only the rest),
   * records, and the stream offset it resumed from (0: from the start; a network send that starts
   * afresh gives the header's length, which travelled with the offer).
   */
  record Sent(long bytes, long records, long resumedFrom) {
    public Sent(long bytes, long records) {
      this(bytes, records, 0);
    }
  }

  /**
   * Sends snapshot {@code target} of {@code source} as an increment from {@code base}, or as a
   * full delta when {@code base} is {@link Volume#ORIGIN}. The target shows the snapshot only if
   * this returns (atomic apply). {@code progress} hears the volume bytes read so far of those the
   * delta describes.
   */
  Sent send(Volume source, long base, long target, Ed25519PrivateKeyParameters key, Volume.Progress progress)
      throws IOException;

  /** The snapshot an interrupted transfer staged on a target would publish. */
  record Staged(long id, java.util.UUID uuid) {}

  /**
   * The snapshot a transfer left staged on the target would publish, when the target can tell
   * (null: none, or it cannot): a pass with no common base sends that one first, so that the
   * interrupted full delta resumes instead of a full delta of a newer snapshot starting over.
   */
  default Staged staged() {
    return null;
  }

  /** Deletes these snapshots on the target. */
  void delete(Collection<Long> ids) throws IOException;
}
