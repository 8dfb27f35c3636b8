package io.deltasnap.cli.job;

import io.deltasnap.delta.DeltaWriter;
import io.deltasnap.delta.TargetSnapshot;
import io.deltasnap.delta.TrustedKeys;
import io.deltasnap.engine.DirectoryStorage;
import io.deltasnap.engine.SnapshotInfo;
import io.deltasnap.engine.Volume;
import io.deltasnap.receiver.StagedApply;
import io.deltasnap.sender.DeltaProducer;
import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.atomic.AtomicReference;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;

/**
 * A replica directory on this host ({@code path:} in a job file). The delta streams from the
 * producer to the applier through a pipe (bounded memory, nothing on disk twice), and is
 * verified and applied atomically like {@code delta apply}, with the staging and checkpoints of a
 * {@code receive} transfer ({@link StagedApply}): a send interrupted anywhere (the job killed, a
 * crash, a full disk) resumes at the next send of the same delta where the replica's durable
 * state ends, instead of from the start.
 *
 * <p>The directory must exist (it may be empty: the first full delta creates the replica in it).
 * A missing directory means "target unavailable" — an unmounted disk — and never makes a new
 * replica somewhere else.
 */
public final class LocalTarget implements ReplicationTarget {
  private static final int PIPE_BYTES = 1 << 20;
  /** A checkpoint (a flush of the replica) after this much stream or time: what a kill may lose at most. */
  static final long CHECKPOINT_BYTES = 16L << 20;
  static final Duration CHECKPOINT_INTERVAL = Duration.ofSeconds(1);

  private final String name;
  private final Path dir;
  private final TrustedKeys trust;

  public LocalTarget(String name, Path dir, TrustedKeys trust) {
    this.name = name;
    this.dir = dir;
    this.trust = trust;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public String where() {
    return dir.toString();
  }

  private DirectoryStorage storage() throws IOException {
    if (!Files.isDirectory(dir)) {
      throw new IOException("replica directory " + dir + " is missing (not mounted?)");
    }
    return new DirectoryStorage(dir);
  }

  @Override
  public List<SnapshotInfo> snapshots() throws IOException {
    DirectoryStorage s = storage();
    if (!s.storeExists()) {
      return List.of();
    }
    try (Volume v = Volume.open(s)) {
      return v.snapshots();
    }
  }

  @Override
  public Staged staged() {
    TargetSnapshot t = Files.isDirectory(dir) ? StagedApply.staged(dir) : null;
    return t == null ? null : new Staged(t.id(), t.uuid());
  }

  @Override
  public Sent send(Volume source, long base, long target, Ed25519PrivateKeyParameters key, Volume.Progress progress)
      throws IOException {
    storage();
    if (!Files.isWritable(dir)) {
      throw new IOException("replica directory " + dir + " is not writable");
    }
    byte[] header = DeltaWriter.headerBytes(DeltaProducer.header(source, base, target, key));
    Producer p = new Producer(source, base, target, key, progress);
    StagedApply.Result r;
    try {
      r = StagedApply.apply(dir, header, trust, CHECKPOINT_BYTES, CHECKPOINT_INTERVAL, p::start, Volume.Progress.NONE);
    } catch (IOException | RuntimeException e) {
      throw p.explain(e);
    }
    return new Sent(p.bytes[0], p.result().records(), r.resumedFrom());
  }

  /**
   * The delta, produced on a thread of its own into the pipe the applier reads, from the offset
   * the replica continues at (the bytes before it are produced, as the writer must, and dropped).
   */
  private final class Producer {
    private final Volume source;
    private final long base;
    private final long target;
    private final Ed25519PrivateKeyParameters key;
    private final Volume.Progress progress;
    /** Stream bytes handed to the applier. */
    final long[] bytes = new long[1];
    private final AtomicReference<Throwable> failed = new AtomicReference<>();
    private FutureTask<DeltaProducer.Result> task;
    private PipedInputStream in;

    Producer(Volume source, long base, long target, Ed25519PrivateKeyParameters key, Volume.Progress progress) {
      this.source = source;
      this.base = base;
      this.target = target;
      this.key = key;
      this.progress = progress;
    }

    InputStream start(long offset) throws IOException {
      in = new PipedInputStream(PIPE_BYTES);
      PipedOutputStream pipe = new PipedOutputStream(in);
      long[] position = new long[1];
      task = new FutureTask<>(() -> {
        OutputStream out = new BufferedOutputStream(new FilterOutputStream(pipe) {
          @Override
          public void write(byte[] b, int off, int len) throws IOException {
            int skip = (int) Math.max(0, Math.min(len, offset - position[0]));
            position[0] += len;
            if (len > skip) {
              out.write(b, off + skip, len - skip);
              bytes[0] += len - skip;
            }
          }

          @Override
          public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
          }
        }, 1 << 16);
        try {
          return DeltaProducer.write(source, base, target, key, out, DeltaProducer.Options.defaults(), progress);
        } catch (IOException | RuntimeException | Error e) {
          failed.set(e); // before the pipe closes, so the applier's "truncated" is explained by this
          throw e;
        } finally {
          out.close();
        }
      });
      Thread t = new Thread(task, "deltasnap-job-delta-" + name);
      t.setDaemon(true);
      t.start();
      return in;
    }

    /** The applier failed with {@code e}: stops the producer, and says what failed first. */
    IOException explain(Exception e) throws IOException {
      if (task == null) {
        return e instanceof IOException io ? io : new IOException(e.getMessage(), e);
      }
      in.close(); // a producer blocked on a full pipe fails at once
      try {
        task.get();
      } catch (ExecutionException x) {
        // a consequence of the applier's failure (the pipe closed under it), or its cause
      } catch (InterruptedException x) {
        Thread.currentThread().interrupt();
      }
      Throwable cause = failed.get();
      if (cause instanceof IOException io) {
        io.addSuppressed(e);
        return io;
      }
      if (e instanceof RuntimeException re) {
        throw re;
      }
      return (IOException) e;
    }

    DeltaProducer.Result result() throws IOException {
      try {
        return task.get();
      } catch (ExecutionException e) {
        throw new IOException("producing the delta failed: " + e.getCause().getMessage(), e.getCause());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while sending to target " + name);
      }
    }
  }

  @Override
  public void delete(Collection<Long> ids) throws IOException {
    if (ids.isEmpty()) {
      return;
    }
    try (Volume v = Volume.open(storage())) {
      for (long id : ids) {
        v.deleteSnapshot(id);
      }
      v.reclaimDeleted();
    }
  }
}
