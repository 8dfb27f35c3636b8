package io.deltasnap.receiver;

import io.deltasnap.delta.BaseSource;
import io.deltasnap.delta.DeltaFormatException;
import io.deltasnap.delta.DeltaHeader;
import io.deltasnap.delta.DeltaLayout;
import io.deltasnap.delta.DeltaReader;
import io.deltasnap.delta.DeltaRecord;
import io.deltasnap.delta.HashChain;
import io.deltasnap.delta.Keys;
import io.deltasnap.delta.TargetSnapshot;
import io.deltasnap.delta.TrustedKeys;
import io.deltasnap.engine.SnapshotInfo;
import io.deltasnap.engine.Volume;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * Applies one delta to a replica like {@link DeltaApplier}, with durable checkpoints so an
 * interrupted transfer continues where the replica's durable state ends.
 *
 * <p>A checkpoint is: origin synced and store committed ({@link Volume#flush}), then the
 * {@link StagedTransfer} (header + hash-chain state after the last record written) saved. What it
 * names is therefore always durable; records after it may or may not be, and are sent again. The
 * stream is read with {@link DeltaReader#resume} from the checkpoint, so the trailer's hash and
 * signature still cover every byte of the stream, the part staged earlier included: a staged
 * prefix that does not belong to the signed stream fails the signature and is discarded.
 *
 * <p>Invariant 5 holds as in {@link DeltaApplier}: records only touch the origin (the staging
 * area); the target snapshot appears in one commit after the trailer verified.
 */
final class ResumableApply {
  /**
   * Threads writing batches of records, and batches (or ZERO records) written or queued at most:
   * at most about IN_FLIGHT + 1 batches of content are held (RecordBatch.MAX_BYTES each).
   */
  static final int WRITERS = 4;
  static final int IN_FLIGHT = 6;

  /** When to checkpoint: after this many stream bytes or this much time, whichever comes first. */
  record Checkpoints(long bytes, Duration interval) {}

  /**
   * What an apply did. The times split {@code seconds} (from the first byte asked for to the
   * published snapshot): {@code inputSeconds} waiting for the stream's bytes (the sender or the
   * network), {@code finishSeconds} from the stream's end to the snapshot published (the last
   * writes and the commits); the rest is reading, verifying and handing records to the writers.
   */
  record Result(SnapshotInfo snapshot, long resumedFrom, long streamBytes, long records, double seconds,
      double inputSeconds, double finishSeconds) {}

  private final Replica replica;
  private final byte[] headerBytes;
  private final DeltaHeader header;
  private final TrustedKeys trust;
  private final Checkpoints every;
  private final Duration staleAfter;
  private Volume v;
  private boolean fresh;
  private long rollbackTo;
  private long newest;
  private HashChain applied;
  private long resumedFrom;
  private boolean stateDue;

  /**
   * Parses the offered header ({@code headerBytes}): it must be a valid header of a trusted signer.
   *
   * @throws DeltaFormatException when it is not
   */
  ResumableApply(Replica replica, byte[] headerBytes, TrustedKeys trust, Checkpoints every, Duration staleAfter)
      throws IOException {
    this.replica = replica;
    this.headerBytes = headerBytes.clone();
    this.trust = trust;
    this.every = every;
    this.staleAfter = staleAfter;
    try (DeltaReader r = new DeltaReader(new ByteArrayInputStream(this.headerBytes), trust)) {
      this.header = r.header();
      this.applied = r.chain();
      if (applied.byteOffset() != headerBytes.length) {
        throw new RefusedException(Refusal.BAD_OFFER, "the offered header is " + headerBytes.length
            + " bytes, its length field says " + applied.byteOffset());
      }
    }
  }

  DeltaHeader header() {
    return header;
  }

  /**
   * Checks the delta fits the replica and finds where to continue: a staged state of this very
   * stream, or the start (after the header). Replaces a staged state of another stream when it is
   * the same signer's or stale; refuses otherwise. Returns the stream offset the sender continues
   * from. A state for it is durable before {@link #apply} writes anything: apply makes it so
   * first, so the caller can tell the sender where to continue without waiting for the fsyncs.
   */
  long prepare(byte[] authenticatedKey) throws IOException {
    if (!Arrays.equals(header.signerKey(), authenticatedKey)) {
      throw new RefusedException(Refusal.WRONG_SIGNER, "the delta is signed by " + header.signerFingerprint()
          + ", but the sender authenticated as " + Keys.fingerprint(authenticatedKey));
    }
    StagedTransfer st = StagedTransfer.load(replica.dir());
    v = replica.volume();
    if (v == null) {
      if (!header.isFull()) {
        throw new RefusedException(Refusal.NO_REPLICA, "replica " + replica.name() + " does not exist, and an incremental "
            + "delta (base snapshot " + header.base().id() + ") needs one: send a full delta first");
      }
      StagedTransfer.delete(replica.dir()); // a staged state without its volume is of no use
      st = null;
      v = replica.create(header);
      fresh = true;
    }
    try {
      rollbackTo = DeltaApplier.checkFits(v, header);
    } catch (IOException | RuntimeException e) {
      removeIfCreated(e); // e.g. a target name the volume refuses: the refused delta leaves nothing behind
      throw e;
    }
    SnapshotInfo newestLive = v.newestSnapshot();
    newest = newestLive == null ? 0 : newestLive.id();
    if (st != null) {
      if (Arrays.equals(st.header(), headerBytes) && st.newest() == newest) {
        fresh = st.fresh();
        applied = st.chain();
        resumedFrom = applied.byteOffset();
        return resumedFrom;
      }
      boolean sameSigner = Arrays.equals(st.signerKey(), header.signerKey());
      if (!sameSigner && !st.stale(staleAfter, System.currentTimeMillis())) {
        throw new RefusedException(Refusal.STAGED_ELSEWHERE, "replica " + replica.name() + " holds a staged transfer of another signer ("
            + Keys.fingerprint(st.signerKey()) + ", " + st.chain().byteOffset() + " bytes); it is discarded when "
            + "stale (--stale-after) or with 'receive " + replica.dir() + " --discard-staged'");
      }
      StagedTransfer.delete(replica.dir()); // superseded by the same signer, or stale
    }
    if (rollbackTo != Volume.ORIGIN && !fresh) {
      v.restore(rollbackTo, Volume.Progress.NONE);
    }
    resumedFrom = applied.byteOffset();
    stateDue = true; // saved by apply, before the first record touches the origin
    return resumedFrom;
  }

  /**
   * Reads the stream from the offset {@link #prepare} returned and applies it. On a transport
   * failure (the connection, a shutdown) the records applied so far are checkpointed; on a refused
   * stream the staged state is discarded, except for damage that the next attempt may not see
   * (CORRUPT or TRUNCATED after at least one new record), which keeps the good prefix.
   */
  Result apply(InputStream rest, Volume.Progress progress) throws IOException {
    if (stateDue) {
      checkpoint(); // while the first records are on their way
      stateDue = false;
    }
    long base = header.isFull() ? Volume.ORIGIN : header.base().id();
    BaseSource baseSource = base == Volume.ORIGIN ? null : (off, dst) -> v.read(base, off, ByteBuffer.wrap(dst));
    long records = 0;
    long lastBytes = applied.byteOffset();
    long lastTime = System.nanoTime();
    long total = header.volumeSize();
    long start = System.nanoTime();
    TimedInput in = new TimedInput(rest);
    long streamEnd;
    try (DeltaReader r = DeltaReader.resume(in, header, applied, trust); WriteBehind writes = new WriteBehind()) {
      DeltaRecord rec;
      try {
        while ((rec = r.next(baseSource)) != null) {
          writes.submit(rec, r.chain());
          records++;
          progress.update(Math.min(total, rec.offset() + rec.length()), total);
          if (r.chain().byteOffset() - lastBytes >= every.bytes()
              || System.nanoTime() - lastTime >= every.interval().toNanos()) {
            writes.drain();
            writes.checkpointBehind();
            lastBytes = applied.byteOffset();
            lastTime = System.nanoTime();
          }
        }
        streamEnd = System.nanoTime();
        writes.drain();
        writes.awaitCheckpoint();
      } catch (DeltaFormatException e) {
        writes.drainQuietly(e);
        boolean transit = e.code() == DeltaFormatException.Code.CORRUPT || e.code() == DeltaFormatException.Code.TRUNCATED;
        if (transit && records > 0) {
          checkpointQuietly(e);
        } else {
          discard(e);
        }
        throw e;
      } catch (IOException | RuntimeException e) {
        writes.drainQuietly(e);
        checkpointQuietly(e);
        throw e;
      }
      // the whole stream is verified and written: publish the snapshot in one commit, then forget the staging
      TargetSnapshot t = header.target();
      SnapshotInfo s = v.createSnapshot(t.id(), t.uuid(), t.name(), t.createdMillis(), t.writable(), SnapshotInfo.LIVE);
      replica.published();
      StagedTransfer.delete(replica.dir());
      long end = System.nanoTime();
      return new Result(s, resumedFrom, applied.byteOffset() + DeltaLayout.TRAILER_BYTES, records, (end - start) / 1e9,
          in.waitedNanos / 1e9, (end - streamEnd) / 1e9);
    }
  }

  /**
   * Writes records on {@link #WRITERS} threads, at most {@link #IN_FLIGHT} writes at a time.
   * DATA and PATCH records are gathered into {@link RecordBatch}es, each written with one commit
   * for its copy-before-overwrite (an increment of scattered chunks otherwise pays a commit per
   * chunk), and concurrent batches share commits through the engine's group commit. Records never
   * overlap, so writes may land in any order.
   * {@link #applied} only ever names the chain after the longest prefix of records written: the
   * state a checkpoint may record.
   */
  private final class WriteBehind implements AutoCloseable {
    private record Pending(java.util.concurrent.Future<?> done, HashChain after) {}

    private final java.util.ArrayDeque<Pending> pending = new java.util.ArrayDeque<>();
    private final java.util.concurrent.ExecutorService checkpointer =
        java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
          Thread t = new Thread(r, "deltasnap-checkpoint");
          t.setDaemon(true);
          return t;
        });
    private java.util.concurrent.Future<?> checkpointing;

    private final RecordBatch batch = new RecordBatch(v.chunkSize());
    private HashChain batchAfter;

    void submit(DeltaRecord rec, HashChain after) throws IOException {
      if (RecordBatch.batched(rec)) {
        if (!batch.accepts(rec)) {
          flushBatch();
        }
        batch.add(rec);
        batchAfter = after;
      } else {
        flushBatch();
        enqueue(() -> write(rec), after);
      }
    }

    /** Hands the records gathered so far to a writer, as one write with one commit. */
    private void flushBatch() throws IOException {
      if (!batch.isEmpty()) {
        List<DeltaRecord> records = batch.take();
        enqueue(() -> RecordBatch.write(v, records, ALIGNED_BUFFER.get()), batchAfter);
      }
    }

    private void enqueue(IoTask task, HashChain after) throws IOException {
      while (pending.size() >= IN_FLIGHT || (!pending.isEmpty() && pending.peek().done().isDone())) {
        retire();
      }
      pending.add(new Pending(WRITER_POOL.submit(() -> {
        task.run();
        return null;
      }), after));
    }

    /** Waits for the oldest write; advances {@link #applied} past it. */
    private void retire() throws IOException {
      Pending p = pending.poll();
      try {
        p.done().get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new java.io.InterruptedIOException("interrupted while writing the replica");
      } catch (java.util.concurrent.ExecutionException e) {
        Throwable c = e.getCause();
        if (c instanceof IOException io) {
          throw io;
        }
        if (c instanceof RuntimeException re) {
          throw re;
        }
        throw new IOException("writing the replica failed: " + c, c);
      }
      applied = p.after();
    }

    /** Writes what is gathered and waits for every write; throws the first failure (applied then stops before it). */
    void drain() throws IOException {
      Throwable first = null;
      try {
        flushBatch();
      } catch (IOException | RuntimeException e) {
        first = e;
      }
      while (!pending.isEmpty()) {
        if (first == null) {
          try {
            retire();
          } catch (IOException | RuntimeException e) {
            first = e;
          }
        } else {
          try {
            pending.poll().done().get(); // finish it, but the prefix ended at the failure
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          } catch (java.util.concurrent.ExecutionException ignored) {
            // the first failure is the one reported
          }
        }
      }
      if (first instanceof IOException io) {
        throw io;
      }
      if (first instanceof RuntimeException re) {
        throw re;
      }
    }

    /** Also waits for a checkpoint running behind. */
    void drainQuietly(Exception cause) {
      try {
        drain();
      } catch (IOException | RuntimeException e) {
        if (e != cause) {
          cause.addSuppressed(e);
        }
      }
      try {
        awaitCheckpoint();
      } catch (IOException | RuntimeException e) {
        cause.addSuppressed(e);
      }
    }

    /**
     * Checkpoints what is written now ({@link #applied}) on the checkpoint thread, while the
     * transfer goes on: the fsync of what was written overlaps with receiving more. The state file
     * names only records written before the flush began, so it is durable when it is saved. One
     * checkpoint at a time: this waits for the previous one first.
     */
    void checkpointBehind() throws IOException {
      awaitCheckpoint();
      HashChain at = applied;
      checkpointing = checkpointer.submit(() -> {
        checkpoint(at);
        return null;
      });
    }

    void awaitCheckpoint() throws IOException {
      java.util.concurrent.Future<?> f = checkpointing;
      checkpointing = null;
      if (f == null) {
        return;
      }
      try {
        f.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new java.io.InterruptedIOException("interrupted while checkpointing");
      } catch (java.util.concurrent.ExecutionException e) {
        if (e.getCause() instanceof IOException io) {
          throw io;
        }
        throw new IOException("checkpoint failed: " + e.getCause(), e.getCause());
      }
    }

    /** Waits for this transfer's writes still running (the writers are shared, so they are not stopped). */
    @Override
    public void close() {
      while (!pending.isEmpty()) {
        try {
          pending.poll().done().get();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        } catch (java.util.concurrent.ExecutionException ignored) {
          // already reported, or the transfer failed before it
        }
      }
      checkpointer.shutdown(); // a running checkpoint finishes; callers awaited it already
    }
  }

  private void checkpointQuietly(Exception cause) {
    try {
      checkpoint();
    } catch (IOException | RuntimeException suppressed) {
      cause.addSuppressed(suppressed);
    }
  }

  /**
   * The writer threads, shared by every transfer in this process (transfers to one replica run one
   * at a time; to different replicas they share the writers). Each thread keeps its buffers
   * between transfers: a pool per transfer zeroed and faulted in fresh direct buffers for every
   * increment. Idle for five minutes, the threads and their buffers go.
   */
  private static final java.util.concurrent.ExecutorService WRITER_POOL;

  static {
    java.util.concurrent.ThreadPoolExecutor p = new java.util.concurrent.ThreadPoolExecutor(WRITERS, WRITERS,
        5, java.util.concurrent.TimeUnit.MINUTES, new java.util.concurrent.LinkedBlockingQueue<>(), r -> {
          Thread t = new Thread(r, "deltasnap-apply-write");
          t.setDaemon(true);
          return t;
        });
    p.allowCoreThreadTimeOut(true);
    WRITER_POOL = p;
  }

  /** Per writer thread: large records are written from here, past the page cache (FileBlockFile). */
  private static final ThreadLocal<ByteBuffer[]> ALIGNED_BUFFER = ThreadLocal.withInitial(() -> new ByteBuffer[1]);

  /** The stream, counting the time its reads block. */
  private static final class TimedInput extends java.io.FilterInputStream {
    long waitedNanos;

    TimedInput(InputStream in) {
      super(in);
    }

    @Override
    public int read() throws IOException {
      long t = System.nanoTime();
      try {
        return super.read();
      } finally {
        waitedNanos += System.nanoTime() - t;
      }
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      long t = System.nanoTime();
      try {
        return in.read(b, off, len);
      } finally {
        waitedNanos += System.nanoTime() - t;
      }
    }
  }

  private interface IoTask {
    void run() throws IOException;
  }

  /** A ZERO record (DATA and PATCH records go in batches). */
  private void write(DeltaRecord rec) throws IOException {
    if (rec instanceof DeltaRecord.Zero z && !fresh) { // a new replica's origin reads zeros already
      DeltaApplier.writeZeros(v, z.offset(), z.length());
    }
  }

  private void checkpoint() throws IOException {
    checkpoint(applied);
  }

  private void checkpoint(HashChain at) throws IOException {
    v.flush();
    new StagedTransfer(headerBytes, at, System.currentTimeMillis(), fresh, newest).save(replica.dir());
  }

  /**
   * A refused stream: forgets the staged state and brings the origin back to the newest snapshot;
   * a volume this process created for the stream (it has no snapshot) is removed altogether.
   */
  private void discard(Exception cause) {
    if (fresh && replica.createdHere()) {
      removeIfCreated(cause);
      return;
    }
    try {
      StagedTransfer.delete(replica.dir());
      if (rollbackTo != Volume.ORIGIN) {
        v.restore(rollbackTo, Volume.Progress.NONE);
      }
    } catch (IOException | RuntimeException suppressed) {
      cause.addSuppressed(suppressed); // the next transfer restores the origin first anyway
    }
  }

  /** Removes the volume this process created for the stream, if it did; failures go to {@code cause}. */
  private void removeIfCreated(Exception cause) {
    if (!replica.createdHere()) {
      return;
    }
    try {
      replica.removeCreated();
    } catch (IOException | RuntimeException suppressed) {
      cause.addSuppressed(suppressed);
    }
    v = null;
  }
}
