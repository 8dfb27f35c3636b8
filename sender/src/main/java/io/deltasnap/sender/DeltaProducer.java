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
import io.deltasnap.engine.DirectBuffers;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.List;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;

/**
 * Writes the delta from snapshot {@code base} (or nothing: a full delta) to snapshot
 * {@code target} of a volume. The changed extents come from the engine's diff, so the work follows
 * the change, not the volume; a full delta reads every chunk and lets the format turn zero chunks
 * into zero records. {@link #READERS} threads read pieces ahead of the writer, so the reads of
 * scattered changed chunks overlap instead of waiting on the disk one at a time. Memory stays
 * bounded: at most {@link #READ_AHEAD} pieces of at most {@link #PIECE} bytes (one chunk and its
 * base when patching) are read ahead, and the writer's queue is bounded.
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
  public record Result(DeltaSummary summary, long extents, long changedBytes) {
    /** Records the delta holds: data, patch and zero extents. */
    public long records() {
      return summary.dataRecords() + summary.patchRecords() + summary.zeroRecords();
    }
  }

  private DeltaProducer() {}

  /** The header a delta from {@code base} (0 = none) to {@code target} of {@code v} will carry. */
  public static DeltaHeader header(Volume v, long base, long target, Ed25519PrivateKeyParameters key)
      throws IOException {
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

  private static SnapshotInfo live(Volume v, long id) throws IOException {
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
    header(v, base, target, key); // refuse bad IDs or a bad key before any work
    try (Plan p = plan(v, base, target, opts)) {
      return write(p, key, out, opts, progress);
    }
  }

  /**
   * Starts a delta from {@code base} to {@code target}: computes its extents and starts reading
   * the first pieces. A sender plans while it connects and shakes hands, so the diff and the
   * first reads overlap with the round trips; a plan it does not use is closed unwritten.
   */
  public static Plan plan(Volume v, long base, long target, Options opts) throws IOException {
    live(v, target);
    if (base != Volume.ORIGIN) {
      live(v, base);
      if (base >= target) {
        throw new InvalidRequestException("the base snapshot (" + base + ") must be older than the target (" + target + ")");
      }
    }
    return new Plan(v, base, target, extents(v, base, target), opts.patch() && base != Volume.ORIGIN);
  }

  /** Writes the signed delta that {@code plan} started to {@code out}; the plan is used up. */
  public static Result write(Plan plan, Ed25519PrivateKeyParameters key, OutputStream out, Options opts,
      Volume.Progress progress) throws IOException {
    DeltaHeader h = header(plan.v, plan.base, plan.target, key);
    long done = 0;
    try (DeltaWriter w = new DeltaWriter(out, h, key, opts.writer())) {
      w.recycleHandedOver(plan.arrays::giveBack);
      for (Piece piece; (piece = plan.next()) != null; ) {
        if (plan.patch) {
          w.handOver(piece.offset(), piece.now(), piece.old()); // fresh arrays: no copy
        } else {
          w.writeData(piece.offset(), piece.now());
        }
        done += piece.now().length;
        progress.update(done, plan.diff.changedBytes());
      }
      return new Result(w.finish(), plan.diff.extents().size(), plan.diff.changedBytes());
    } finally {
      plan.close();
    }
  }

  /**
   * A delta's extents and the pieces being read ahead of the writer, in volume order: when
   * patching, groups of up to {@link #PIECE} bytes of changed chunks, each chunk with its base
   * (read with {@link Volume#readChunks}, so base copies stored one after another come in one
   * read); else runs of up to {@link #PIECE} bytes. {@link #READERS} threads read at most
   * {@link #READ_AHEAD} pieces ahead (half as many groups when patching: they carry the base too).
   * Closing it stops the readers.
   */
  public static final class Plan implements AutoCloseable {
    private final Volume v;
    private final long base;
    private final long target;
    private final DiffResult diff;
    private final boolean patch;
    private final List<Extent> extents;
    private final int step;
    private final int aheadMax;
    private final java.util.concurrent.ExecutorService readers;
    private final java.util.ArrayDeque<java.util.concurrent.Future<List<Piece>>> ahead = new java.util.ArrayDeque<>();
    /** Chunk arrays the writer gave back, for the readers to fill again. */
    private final ChunkArrays arrays;
    private java.util.Iterator<Piece> current = java.util.Collections.emptyIterator();
    private int extent;
    private long off;

    private Plan(Volume v, long base, long target, DiffResult diff, boolean patch) {
      this.v = v;
      this.base = base;
      this.target = target;
      this.diff = diff;
      this.patch = patch;
      this.extents = diff.extents().stream().filter(e -> e.length() > 0).toList();
      int chunk = v.chunkSize();
      this.step = Math.max(chunk, PIECE / chunk * chunk);
      this.aheadMax = patch ? Math.max(2, READ_AHEAD / 2) : READ_AHEAD;
      this.arrays = new ChunkArrays(chunk, 2 * (aheadMax + 8) * (step / chunk));
      this.off = extents.isEmpty() ? 0 : extents.get(0).offset();
      this.readers = java.util.concurrent.Executors.newFixedThreadPool(READERS, r -> {
        Thread t = new Thread(r, "deltasnap-read");
        t.setDaemon(true);
        return t;
      });
      refill();
    }

    /** The base snapshot (0: a full delta). */
    public long base() {
      return base;
    }

    /** The target snapshot. */
    public long target() {
      return target;
    }

    /** The extents the delta carries. */
    public DiffResult diff() {
      return diff;
    }

    private void refill() {
      while (extent < extents.size() && ahead.size() < aheadMax) {
        if (patch) {
          long[] chunks = nextChunks();
          ahead.add(readers.submit(() -> readGroup(v, base, target, chunks, arrays)));
        } else {
          long at = off;
          int n = (int) Math.min(step, end() - at);
          advance(n);
          ahead.add(readers.submit(() -> List.of(readRun(v, target, at, n))));
        }
      }
    }

    /** The next changed chunks, up to {@link #step} bytes of them, in volume order. */
    private long[] nextChunks() {
      int shift = Integer.numberOfTrailingZeros(v.chunkSize());
      long[] chunks = new long[step / v.chunkSize()];
      int n = 0;
      while (n < chunks.length && extent < extents.size()) {
        chunks[n++] = off >>> shift;
        advance((int) Math.min(v.chunkSize(), end() - off));
      }
      return java.util.Arrays.copyOf(chunks, n);
    }

    private long end() {
      Extent e = extents.get(extent);
      return e.offset() + e.length();
    }

    private void advance(int n) {
      off += n;
      if (off >= end() && ++extent < extents.size()) {
        off = extents.get(extent).offset();
      }
    }

    /** The next piece in volume order, or null after the last. */
    private Piece next() throws IOException {
      while (!current.hasNext()) {
        refill();
        java.util.concurrent.Future<List<Piece>> f = ahead.poll();
        if (f == null) {
          return null;
        }
        current = await(f).iterator();
        refill();
      }
      return current.next();
    }

    /** Stops reading; waits for reads under way. */
    @Override
    public void close() {
      // never interrupt a reader: an interrupt in FileChannel I/O closes the volume's channel for
      // everyone (a daemon or server goes on using the volume after a failed send)
      for (java.util.concurrent.Future<List<Piece>> f : ahead) {
        f.cancel(false);
      }
      ahead.clear();
      extent = extents.size();
      readers.shutdown();
      boolean interrupted = false;
      while (true) {
        try {
          if (readers.awaitTermination(1, java.util.concurrent.TimeUnit.MINUTES)) {
            break;
          }
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Threads reading pieces ahead of the writer, and pieces read ahead at most. */
  static final int READERS = Integer.getInteger("deltasnap.readers", 4);
  static final int READ_AHEAD = Integer.getInteger("deltasnap.readAhead", 16);

  /** Per reader thread: pieces are read into it, past the page cache (DirectBuffers). */
  private static final ThreadLocal<ByteBuffer> BULK = ThreadLocal.withInitial(() -> DirectBuffers.allocate(2 * PIECE));

  /** A piece of the target at {@code offset}, and the base's bytes there when patching (else null). */
  private record Piece(long offset, byte[] now, byte[] old) {}

  private static ByteBuffer bulk(int n) {
    ByteBuffer b = BULK.get();
    if (b.capacity() < n) {
      b = DirectBuffers.allocate(n);
      BULK.set(b);
    }
    return b.clear();
  }

  /** {@code n} bytes of the target at {@code off}. */
  private static Piece readRun(Volume v, long target, long off, int n) throws IOException {
    ByteBuffer b = bulk(n);
    v.read(target, off, b.limit(n));
    byte[] now = new byte[n];
    b.get(0, now);
    return new Piece(off, now, null);
  }

  /** Whole chunks of the target, each with its base. */
  private static List<Piece> readGroup(Volume v, long base, long target, long[] chunks, ChunkArrays arrays)
      throws IOException {
    int shift = Integer.numberOfTrailingZeros(v.chunkSize());
    int[] len = new int[chunks.length];
    int total = 0;
    for (int i = 0; i < chunks.length; i++) {
      len[i] = (int) Math.min(v.chunkSize(), v.size() - (chunks[i] << shift));
      total += len[i];
    }
    ByteBuffer b = bulk(2 * total);
    v.readChunks(target, chunks, b.limit(total));
    v.readChunks(base, chunks, b.limit(2 * total).position(total));
    List<Piece> out = new java.util.ArrayList<>(chunks.length);
    for (int i = 0, at = 0; i < chunks.length; at += len[i], i++) {
      byte[] now = arrays.take(len[i]);
      byte[] old = arrays.take(len[i]);
      b.get(at, now);
      b.get(total + at, old);
      out.add(new Piece(chunks[i] << shift, now, old));
    }
    return out;
  }

  /**
   * Chunk-sized arrays handed back by the delta writer once encoded, taken again by the readers:
   * a fresh array is zeroed, and its memory faulted in, before the read overwrites it (a cold 1%
   * increment of 8 GiB spent ~50 ms of its readers' CPU on that). Holds at most {@code max}.
   */
  static final class ChunkArrays {
    private final int chunkSize;
    private final java.util.concurrent.ArrayBlockingQueue<byte[]> free;

    ChunkArrays(int chunkSize, int max) {
      this.chunkSize = chunkSize;
      this.free = new java.util.concurrent.ArrayBlockingQueue<>(Math.max(1, max));
    }

    /** An array of {@code n} bytes, its contents undefined. */
    byte[] take(int n) {
      if (n == chunkSize) {
        byte[] b = free.poll();
        if (b != null) {
          return b;
        }
      }
      return new byte[n];
    }

    void giveBack(byte[] b) {
      if (b.length == chunkSize) {
        free.offer(b); // full: left to the garbage collector
      }
    }
  }

  private static List<Piece> await(java.util.concurrent.Future<List<Piece>> f) throws IOException {
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted while reading the volume");
    } catch (java.util.concurrent.ExecutionException e) {
      if (e.getCause() instanceof IOException io) {
        throw io;
      }
      if (e.getCause() instanceof RuntimeException re) {
        throw re;
      }
      throw new IOException("reading the volume failed: " + e.getCause(), e.getCause());
    }
  }

}
