package io.deltasnap.cli.job;

import io.deltasnap.delta.TrustedKeys;
import io.deltasnap.engine.DirectoryStorage;
import io.deltasnap.engine.SnapshotInfo;
import io.deltasnap.engine.Volume;
import io.deltasnap.receiver.DeltaApplier;
import io.deltasnap.sender.DeltaProducer;
import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.atomic.AtomicReference;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;

/**
 * A replica directory on this host ({@code path:} in a job file). The delta streams from the
 * producer to the applier through a pipe (bounded memory, nothing on disk twice), and is
 * verified and applied atomically like {@code delta apply}.
 *
 * <p>The directory must exist (it may be empty: the first full delta creates the replica in it).
 * A missing directory means "target unavailable" — an unmounted disk — and never makes a new
 * replica somewhere else.
 */
public final class LocalTarget implements ReplicationTarget {
  private static final int PIPE_BYTES = 1 << 20;

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
  public Sent send(Volume source, long base, long target, Ed25519PrivateKeyParameters key, Volume.Progress progress)
      throws IOException {
    DirectoryStorage s = storage();
    if (!Files.isWritable(dir)) {
      throw new IOException("replica directory " + dir + " is not writable");
    }
    PipedInputStream in = new PipedInputStream(PIPE_BYTES);
    PipedOutputStream pipe = new PipedOutputStream(in);
    long[] bytes = new long[1];
    AtomicReference<Throwable> failed = new AtomicReference<>();
    FutureTask<DeltaProducer.Result> producer = new FutureTask<>(() -> {
      OutputStream out = new BufferedOutputStream(new FilterOutputStream(pipe) {
        @Override
        public void write(byte[] b, int off, int len) throws IOException {
          out.write(b, off, len);
          bytes[0] += len;
        }

        @Override
        public void write(int b) throws IOException {
          out.write(b);
          bytes[0]++;
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
    Thread t = new Thread(producer, "deltasnap-job-delta-" + name);
    t.setDaemon(true);
    t.start();
    try {
      DeltaApplier.apply(s, in, trust, Volume.Progress.NONE);
    } catch (IOException | RuntimeException e) {
      Throwable cause = failed.get();
      in.close(); // a producer blocked on a full pipe fails at once
      awaitQuietly(producer);
      if (cause instanceof IOException io) {
        io.addSuppressed(e);
        throw io;
      }
      throw e;
    } finally {
      in.close();
    }
    DeltaProducer.Result r;
    try {
      r = producer.get();
    } catch (ExecutionException e) {
      throw new IOException("producing the delta failed: " + e.getCause().getMessage(),
          e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while sending to target " + name);
    }
    return new Sent(bytes[0], r.records());
  }

  private static void awaitQuietly(FutureTask<?> producer) {
    try {
      producer.get();
    } catch (ExecutionException e) {
      // a consequence of the applier's failure (the pipe closed under it)
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
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
