package io.deltasnap.sender;

import io.deltasnap.delta.DeltaHeader;
import io.deltasnap.delta.DeltaSummary;
import io.deltasnap.delta.DeltaWriter;
import io.deltasnap.delta.Keys;
import io.deltasnap.delta.SnapshotRef;
import io.deltasnap.delta.TargetSnapshot;
import io.deltasnap.delta.WriterOptions;
import io.deltasnap.engine.DiffResult;
import io.deltasnap.engine.Extent;
import io.deltasnap.engine.InvalidRequestException;
import io.deltasnap.engine.SnapshotInfo;
import io.deltasnap.engine.Volume;
import io.deltasnap.engine.io.FileBlockFile;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.List;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;

/**
 * Writes the delta from snapshot {@code base} (or nothing: a full delta) to snapshot
 * {@code target} of a volume. The changed extents come from the engine's diff, so the work follows
 * the change, not the volume; a full delta reads every chunk and lets the format turn zero chunks
 * into zero records. Memory stays bounded: one piece of at most {@link #PIECE} bytes is read at a
 * time, and the writer's queue is bounded.
 */
public final class DeltaProducer {
  /** Bytes read and handed to the writer at a time (whole chunks). */
  static final int PIECE = 1 << 20;
  /** zstd level: fast, as the benchmark against zstd -1 asks. */
  public static final int LEVEL = 1;

  /** How to write a delta. {@code patch}: send changed chunks as patches against the base where smaller. */
  public record Options(boolean patch, WriterOptions writer) {
    public static Options defaults() {
      return new Options(true, WriterOptions.defaults());
    }
  }

  /** What was written: the counts and the extents it covered. */
  public record Result(DeltaSummary summary, long extents, long changedBytes) {}

  private DeltaProducer() {}

  /** The header a delta from {@code base} (0 = none) to {@code target} of {@code v} will carry. */
  public static DeltaHeader header(Volume v, long base, long target, Ed25519PrivateKeyParameters key)
      throws InvalidRequestException {
    SnapshotInfo t = live(v, target);
    SnapshotRef b = null;
    if (base != Volume.ORIGIN) {
      SnapshotInfo s = live(v, base);
      if (base >= target) {
        throw new InvalidRequestException("the base snapshot (" + base + ") must be older than the target (" + target + ")");
      }
      b = new SnapshotRef(s.id(), s.uuid());
    }
    return new DeltaHeader(v.uuid(), v.chunkSize(), v.size(), b,
        new TargetSnapshot(t.id(), t.uuid(), t.name(), t.created(), t.writable()), LEVEL, Keys.publicKey(key));
  }

  private static SnapshotInfo live(Volume v, long id) throws InvalidRequestException {
    SnapshotInfo s = v.snapshot(id);
    if (s == null || !s.live()) {
      throw new InvalidRequestException("no snapshot " + id + " in " + v.name());
    }
    return s;
  }

  /** Extents a delta from {@code base} to {@code target} carries (all of the volume for a full one). */
  public static DiffResult extents(Volume v, long base, long target) throws IOException {
    return v.diff(base, target);
  }

  /** Writes the signed delta to {@code out}; {@code progress} hears about volume bytes read. */
  public static Result write(Volume v, long base, long target, Ed25519PrivateKeyParameters key, OutputStream out,
      Options opts, Volume.Progress progress) throws IOException {
    DeltaHeader h = header(v, base, target, key);
    DiffResult d = extents(v, base, target);
    List<Extent> extents = d.extents();
    long total = d.changedBytes();
    int chunk = v.chunkSize();
    int pieceBytes = Math.max(chunk, PIECE / chunk * chunk);
    boolean patch = opts.patch() && base != Volume.ORIGIN;
    long done = 0;
    ByteBuffer bulk = null;
    try (DeltaWriter w = new DeltaWriter(out, h, key, opts.writer())) {
      for (Extent e : extents) {
        long off = e.offset();
        long end = e.offset() + e.length();
        while (off < end) {
          if (patch) {
            int n = (int) Math.min(chunk, end - off);
            byte[] now = read(v, target, off, n);
            byte[] old = read(v, base, off, n);
            w.writeData(off, now, old);
            off += n;
            done += n;
          } else {
            int n = (int) Math.min(pieceBytes, end - off);
            if (bulk == null) {
              bulk = FileBlockFile.allocateAligned(pieceBytes);
            }
            v.read(target, off, bulk.clear().limit(n)); // whole pieces: past the page cache (FileBlockFile)
            byte[] b = new byte[n];
            bulk.get(0, b);
            w.writeData(off, b);
            off += n;
            done += n;
          }
          progress.update(done, total);
        }
      }
      return new Result(w.finish(), extents.size(), total);
    }
  }

  private static byte[] read(Volume v, long snap, long off, int n) throws IOException {
    byte[] b = new byte[n];
    v.read(snap, off, ByteBuffer.wrap(b));
    return b;
  }
}
