package io.deltasnap.receiver;

import io.deltasnap.delta.DeltaHeader;
import io.deltasnap.engine.CreateOptions;
import io.deltasnap.engine.DirectoryStorage;
import io.deltasnap.engine.SnapshotInfo;
import io.deltasnap.engine.Volume;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A replica directory held by a receiver: its volume (opened at start, or created by the first
 * full delta when the directory holds none), its staged transfer, and the single thread on which
 * every transfer's disk work runs. Transfers are serialized: {@link #tryAcquire} lets one in at a
 * time, and a second sender is told the replica is busy (it does not wait).
 */
public final class Replica implements Closeable {
  private final Path dir;
  private final DirectoryStorage storage;
  private final long cacheBytes;
  private volatile Volume volume;
  /** The creation of {@link #volume} by this process while it has no snapshot; null otherwise. */
  private NewReplica created;
  /** The lock of a volume created here, held until {@link #close} (the volume itself does not hold it). */
  private NewReplica createdLock;
  private final AtomicBoolean busy = new AtomicBoolean();
  private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "deltasnap-apply");
    t.setDaemon(true);
    return t;
  });

  private Replica(Path dir, long cacheBytes) {
    this.dir = dir;
    this.storage = new DirectoryStorage(dir);
    this.cacheBytes = cacheBytes;
  }

  /**
   * The names of the files a replica keeps in its directory beside the volume's own (the staged
   * transfer and its replacement while it is written): no command may write over them.
   */
  public static final java.util.List<String> OWN_FILES = java.util.List.of(StagedTransfer.FILE,
      StagedTransfer.FILE + StagedTransfer.TMP_SUFFIX);

  /**
   * Whether {@code dir} holds a staged incoming transfer: records of a delta applied to its origin
   * whose snapshot is not yet taken. Resuming that transfer relies on the origin holding exactly
   * what was staged, so nothing else may change the origin (or take a snapshot of it) meanwhile.
   */
  public static boolean hasStagedTransfer(Path dir) {
    return java.nio.file.Files.exists(dir.resolve(StagedTransfer.FILE));
  }

  /**
   * Opens the replica in {@code dir}; holds its lock if a volume is there. Nothing is created:
   * a missing directory is made by the first full delta that passes its checks ({@link #create}).
   */
  public static Replica open(Path dir, long cacheBytes) throws IOException {
    Replica r = new Replica(dir, cacheBytes);
    if (r.storage.storeExists()) {
      r.volume = Volume.open(r.storage, cacheBytes);
      r.volume.startBackgroundReclaim(); // deletions on the replica give their space back while it serves
    }
    return r;
  }

  public Path dir() {
    return dir;
  }

  public String name() {
    return storage.describe();
  }

  /** The replica's volume, or null before the first full delta created it. */
  public Volume volume() {
    return volume;
  }

  public List<SnapshotInfo> snapshots() throws IOException {
    Volume v = volume;
    return v == null ? List.of() : v.snapshots();
  }

  /**
   * Creates the volume a full delta describes, exclusively: the volume's lock is taken before
   * anything of the volume is made, and a volume (or an origin file) found at the path once it is
   * held is refused, never overwritten. What this makes is remembered until the volume's first
   * snapshot is published ({@link #published}), so a refused transfer can take exactly that away
   * again ({@link #removeCreated}). Called on the worker thread.
   */
  Volume create(DeltaHeader h) throws IOException {
    NewReplica n = NewReplica.claim(dir);
    Volume v;
    try {
      v = Volume.create(n.storage(), CreateOptions.of(h.volumeSize()).withChunkSize(h.chunkSize())
          .withUuid(h.volume()).withCacheBytes(cacheBytes));
    } catch (IOException | RuntimeException e) {
      n.removeQuietly(e);
      throw e;
    }
    v.startBackgroundReclaim();
    created = n;
    volume = v;
    return v;
  }

  /** Whether the volume was created by this process and has not published a snapshot yet. */
  boolean createdHere() {
    return created != null;
  }

  /** The created volume published its first snapshot: it is the replica now, kept whatever follows. */
  void published() {
    NewReplica n = created;
    if (n != null) {
      created = null;
      createdLock = n;
    }
  }

  /**
   * Takes away the volume {@link #create} made (it has no snapshot): closes it, then removes its
   * files, the staged state, and the directories the creation made, if empty. Nothing that was
   * there before the creation is removed. Called on the worker thread.
   */
  void removeCreated() throws IOException {
    NewReplica n = created;
    assert n != null : "removeCreated without a volume created here";
    Volume v = volume;
    assert v.snapshots().isEmpty() : "a created volume with a published snapshot is the replica";
    created = null;
    volume = null;
    try {
      v.close();
    } finally {
      n.remove();
    }
  }

  boolean tryAcquire() {
    return busy.compareAndSet(false, true);
  }

  /** Lets the next transfer in; idempotent. */
  void release() {
    busy.set(false);
  }

  ExecutorService worker() {
    return worker;
  }

  /** The staged transfer, if any (for status output and tests). */
  public StagedInfo staged() throws IOException {
    StagedTransfer s = StagedTransfer.load(dir);
    return s == null ? null : new StagedInfo(s.chain().byteOffset(), s.updatedMillis());
  }

  /** What is staged: the stream offset durably held and when it was last extended. */
  public record StagedInfo(long offset, long updatedMillis) {}

  /**
   * Discards the staged transfer (when {@code olderThan} is null, whatever its age) and brings the
   * origin back to the newest snapshot. Returns whether something was discarded. Not while a
   * transfer runs: callers hold the replica (receive --discard-staged) or run on the worker.
   */
  public boolean discardStaged(Duration olderThan) throws IOException {
    StagedTransfer s = StagedTransfer.load(dir);
    if (s == null || (olderThan != null && !s.stale(olderThan, System.currentTimeMillis()))) {
      return false;
    }
    if (created != null) {
      removeCreated(); // the volume was made for the discarded transfer alone
      return true;
    }
    StagedTransfer.delete(dir);
    Volume v = volume;
    if (v != null) {
      SnapshotInfo newest = v.newestSnapshot();
      if (newest != null) {
        v.restore(newest.id(), Volume.Progress.NONE);
      }
    }
    return true;
  }

  /** Waits for the running transfer (if any) to stop, then closes the volume. */
  @Override
  public void close() throws IOException {
    worker.shutdown();
    try {
      worker.awaitTermination(60, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    Volume v = volume;
    try {
      if (v != null) {
        v.close();
      }
    } finally {
      NewReplica n = created != null ? created : createdLock;
      if (n != null) {
        n.release(); // an interrupted first transfer keeps its staged volume for the resume
      }
    }
  }
}
