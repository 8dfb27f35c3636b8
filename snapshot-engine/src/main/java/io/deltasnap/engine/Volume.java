package io.deltasnap.engine;

import io.deltasnap.engine.io.BlockFile;
import io.deltasnap.engine.io.VolumeStorage;
import io.deltasnap.engine.pdata.LostCommits;
import io.deltasnap.engine.pdata.MetaStore;
import io.deltasnap.engine.pdata.Superblocks;
import io.deltasnap.engine.pdata.NodeCache;
import io.deltasnap.engine.pdata.Pages;
import io.deltasnap.engine.pdata.SpaceMap;
import io.deltasnap.engine.pdata.Superblock;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;

/**
 * A volume: an origin plus one exception store shared by all of its snapshots.
 *
 * <p>Guarantees:
 * <ul>
 *   <li>Copy before overwrite: an origin chunk is overwritten only after the copy that keeps its
 *       old contents, for every snapshot that still reads it, is committed.</li>
 *   <li>Crash = last commit: reopening yields exactly the state of the last commit; taking a
 *       snapshot syncs the origin first, so what a committed snapshot reads never changes.</li>
 *   <li>Everything read from the store is checked; a mismatch is a {@link CorruptionException}
 *       naming the page, never data.</li>
 *   <li>Snapshot IDs are 64-bit and never reused; nothing limits their number but space.</li>
 * </ul>
 * Thread-safe: many readers; writers serialized per chunk; snapshot create, delete and restore
 * exclusive. One process per volume (lock file).
 */
public final class Volume implements Closeable {
  /** The origin, where a snapshot ID is expected. */
  public static final long ORIGIN = 0;
  /** At most this many bytes of chunks are locked, copied and committed together by one write. */
  static final int BATCH_BYTES = Integer.getInteger("deltasnap.batchBytes", 8 << 20);
  /** Writes into snapshots are committed at the latest after this many changed chunks. */
  static final int MAX_UNCOMMITTED = 4096;

  private final VolumeStorage storage;
  private final Closeable lock;
  private final BlockFile origin;
  private final MetaStore meta;
  private final ExceptionStore exc;
  private final SnapshotTable snaps;
  private final long size;
  private final int chunkSize;
  private final int chunkShift;
  private final String name;
  private final List<Consumer<SnapshotInfo>> dropListeners = new CopyOnWriteArrayList<>();
  private final ReentrantReadWriteLock volumeLock = new ReentrantReadWriteLock();
  private final ChunkLocks chunkLocks = new ChunkLocks();
  private final Reclaimer reclaimer;
  /** Commits origin-write batches while the writer copies the next batch (see writeOrigin). */
  private final java.util.concurrent.ExecutorService committer = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "deltasnap-commit");
    t.setDaemon(true);
    return t;
  });
  /** Per writer thread: the batch being copied, direct so the copy goes from disk to disk in one pass. */
  private final ThreadLocal<ByteBuffer> batchBuffer = ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(0));
  private int uncommitted;
  private volatile boolean closed;
  private Thread background;
  private final Object reclaimSignal = new Object();

  private Volume(VolumeStorage storage, Closeable lock, BlockFile origin, MetaStore meta) throws IOException {
    this.storage = storage;
    this.lock = lock;
    this.origin = origin;
    this.meta = meta;
    Superblock sb = meta.durable();
    this.size = sb.volumeSize();
    this.chunkSize = sb.chunkSize();
    this.chunkShift = Integer.numberOfTrailingZeros(chunkSize);
    this.name = storage.describe();
    this.exc = new ExceptionStore(meta.exceptions(), meta.space());
    this.snaps = new SnapshotTable(meta.snapshots());
    snaps.load();
    this.reclaimer = new Reclaimer(meta, snaps, chunkLocks, this::chunkLength);
  }

  /** Creates a new volume; fails if one exists there. */
  public static Volume create(VolumeStorage storage, CreateOptions o) throws IOException {
    if (o.chunkSize() < Superblock.MIN_CHUNK || o.chunkSize() > Superblock.MAX_CHUNK
        || Integer.bitCount(o.chunkSize()) != 1) {
      throw new InvalidRequestException("chunk size " + o.chunkSize()
          + " must be a power of two from 4K to 1M");
    }
    if (o.size() <= 0) {
      throw new InvalidRequestException("volume size must be positive");
    }
    Closeable lock = storage.lock();
    BlockFile store = null;
    BlockFile origin = null;
    try {
      if (storage.storeExists()) {
        throw new InvalidRequestException(storage.describe() + " already holds a volume");
      }
      origin = storage.openOrigin(o.originPath(), true);
      if (o.originPath().isEmpty()) {
        origin.truncate(o.size());
      } else if (origin.size() < o.size()) {
        throw new InvalidRequestException("origin " + o.originPath() + " holds " + origin.size()
            + " bytes, less than the volume size " + o.size());
      }
      origin.sync();
      store = storage.openStore(true);
      MetaStore meta = MetaStore.create(store, storage.describe(), o.uuid() != null ? o.uuid() : UUID.randomUUID(), o.size(), o.chunkSize(),
          o.dropOldest() ? Superblock.FLAG_DROP_OLDEST : 0, o.originPath(), o.cacheBytes());
      return new Volume(storage, lock, origin, meta);
    } catch (IOException | RuntimeException e) {
      closeQuietly(store);
      closeQuietly(origin);
      closeQuietly(lock);
      throw e;
    }
  }

  /** Opens an existing volume at its last commit. */
  public static Volume open(VolumeStorage storage, long cacheBytes) throws IOException {
    return openWith(storage, store -> MetaStore.open(store, storage.describe(), cacheBytes));
  }

  private interface MetaOpener {
    MetaStore open(BlockFile store) throws IOException;
  }

  private static Volume openWith(VolumeStorage storage, MetaOpener opener) throws IOException {
    Closeable lock = storage.lock();
    BlockFile store = null;
    BlockFile origin = null;
    try {
      if (!storage.storeExists()) {
        throw new InvalidRequestException(storage.describe() + " is not a deltasnap volume");
      }
      store = storage.openStore(false);
      MetaStore meta = opener.open(store);
      origin = storage.openOrigin(meta.durable().originPath(), false);
      if (origin.size() < meta.durable().volumeSize()) {
        throw new CorruptionException(storage.describe() + ": origin holds " + origin.size()
            + " bytes, the volume needs " + meta.durable().volumeSize());
      }
      return new Volume(storage, lock, origin, meta);
    } catch (IOException | RuntimeException e) {
      closeQuietly(store);
      closeQuietly(origin);
      closeQuietly(lock);
      throw e;
    }
  }

  /**
   * What recovery could do for a volume whose open is refused because its newest commit is
   * unreadable: the superblock copies as found, the older commit a rollback would open (-1: none,
   * {@code rollbackProblem} says why) and what it would lose. {@code refusal} is null when the
   * volume opens normally (nothing to recover).
   */
  public record RecoveryPlan(String refusal, List<String> superblocks, long rollbackCommit, String rollbackProblem,
      LostCommits.Summary lost) {
    public boolean canRollBack() {
      return rollbackCommit >= 0;
    }

    /** What a rollback loses, in a sentence; only when {@link #canRollBack()}. */
    public String lossDescription() {
      return lost.describe();
    }

    public long newestCommitSeen() {
      return lost.newestSeq();
    }

    /** IDs of snapshots only the lost commits recorded (at most {@link LostCommits#MAX_LISTED}). */
    public List<Long> lostSnapshots() {
      return List.copyOf(lost.snapshots());
    }

    public long lostSnapshotCount() {
      return lost.snapshotCount();
    }

    /** Chunks whose copies the lost commits preserved (at most {@link LostCommits#MAX_LISTED}). */
    public List<Long> chunksAtRisk() {
      return List.copyOf(lost.chunks());
    }

    public long chunksAtRiskCount() {
      return lost.chunkCount();
    }
  }

  /** Inspects a volume's superblock copies without changing anything; see {@link RecoveryPlan}. */
  public static RecoveryPlan inspectDamaged(VolumeStorage storage) throws IOException {
    try (Closeable lock = storage.lock()) {
      if (!storage.storeExists()) {
        throw new InvalidRequestException(storage.describe() + " is not a deltasnap volume");
      }
      try (BlockFile store = storage.openStore(false)) {
        Pages pages = new Pages(store, storage.describe());
        Superblocks.Choice choice = Superblocks.read(pages);
        if (choice.chosen() != null) {
          return new RecoveryPlan(null, choice.describe(), -1, "the newest commit is readable", null);
        }
        if (choice.rollback() == null) {
          return new RecoveryPlan(choice.refusal(), choice.describe(), -1, "no superblock copy is readable", null);
        }
        MetaStore meta;
        try {
          meta = MetaStore.openRollback(store, storage.describe(), NodeCache.DEFAULT_BYTES, choice);
        } catch (CorruptionException e) {
          return new RecoveryPlan(choice.refusal(), choice.describe(), -1, e.getMessage(), null);
        }
        long v = choice.rollback().seq();
        return new RecoveryPlan(choice.refusal(), choice.describe(), v, null,
            LostCommits.scan(pages, Long.MAX_VALUE, v, meta.snapshots()));
      }
    }
  }

  /** A volume rolled back by {@link #rollBack}, with the plan that said what it lost. */
  public record Recovered(Volume volume, RecoveryPlan plan) {}

  /**
   * The documented recovery for an unreadable newest commit: opens the older commit that survives,
   * verifies the whole store at it ({@link #check()}) and only then commits it as the newest, with
   * snapshot IDs and commit numbers moved past everything the lost commits used. Refuses if there
   * is nothing to roll back to or the older commit is damaged too.
   */
  public static Recovered rollBack(VolumeStorage storage, long cacheBytes) throws IOException {
    RecoveryPlan plan = inspectDamaged(storage);
    if (plan.refusal() == null) {
      throw new InvalidRequestException(storage.describe() + ": the newest commit is readable; nothing to roll back");
    }
    if (!plan.canRollBack()) {
      throw new CorruptionException(storage.describe() + ": cannot roll back: " + plan.rollbackProblem());
    }
    Volume v = openWith(storage, store -> {
      Superblocks.Choice choice = Superblocks.read(new Pages(store, storage.describe()));
      return MetaStore.openRollback(store, storage.describe(), cacheBytes, choice);
    });
    try {
      CheckReport r = v.check();
      if (r.damaged()) {
        throw new CorruptionException(storage.describe() + ": cannot roll back: commit " + plan.rollbackCommit()
            + " is damaged too: " + String.join("; ", r.damage()));
      }
      v.meta.adoptRollback(plan.lost().newestSeq(), plan.lost().newestSnapshotId());
      return new Recovered(v, plan);
    } catch (IOException | RuntimeException e) {
      v.close();
      throw e;
    }
  }

  /** The commit this volume was opened at (before any healing commit the open made). */
  public long openedCommit() {
    Superblocks.Choice c = meta.openedFrom();
    Superblock at = c.chosen() != null ? c.chosen() : c.rollback();
    return at.seq();
  }

  /** The superblock copies as the open found them, one line each. */
  public List<String> superblockCopies() {
    return meta.openedFrom().describe();
  }

  /** What the open repaired (damaged superblock copies rewritten, a format upgrade); empty if nothing. */
  public List<String> repairedAtOpen() {
    return meta.healed();
  }

  public static Volume open(VolumeStorage storage) throws IOException {
    return open(storage, NodeCache.DEFAULT_BYTES);
  }

  public long size() {
    return size;
  }

  public int chunkSize() {
    return chunkSize;
  }

  public UUID uuid() {
    return meta.durable().uuid();
  }

  /** The external origin given at init, or empty when the origin is the volume's own file. */
  public String originPath() {
    return meta.durable().originPath();
  }

  public String name() {
    return name;
  }

  // ------------------------------------------------------------------ reads

  /** Fills {@code dst} from the origin or snapshot {@code snap} at byte {@code offset}. */
  public void read(long snap, long offset, ByteBuffer dst) throws IOException {
    checkRange(offset, dst.remaining());
    if (snap == ORIGIN) {
      origin.read(offset, dst);
      return;
    }
    volumeLock.readLock().lock();
    try {
      requireReadable(snap);
      while (dst.hasRemaining()) {
        long first = offset >>> chunkShift;
        long last = Math.min((offset + dst.remaining() - 1) >>> chunkShift, first + batchChunks() - 1);
        long end = Math.min(offset + dst.remaining(), (last + 1) << chunkShift);
        int n = (int) (end - offset);
        List<ReentrantReadWriteLock> held = chunkLocks.readLockRange(first, last);
        try {
          readBatch(snap, first, last, offset, dst.slice(dst.position(), n));
        } finally {
          ChunkLocks.readUnlock(held);
        }
        dst.position(dst.position() + n);
        offset = end;
      }
    } finally {
      volumeLock.readLock().unlock();
    }
  }

  /**
   * Reads whole chunks {@code chunks} (ascending, distinct) of the origin or snapshot {@code snap}
   * into {@code dst}, one after another, {@code chunkLength} bytes each, and advances its position.
   * Entries read with one I/O where they can be: adjacent chunks the snapshot reads from the
   * origin, and copies that lie one after another in the store. A delta's base chunks were copied
   * in the order they were overwritten, so scattered ones come back in a few large reads instead
   * of one read per chunk. Every copy is verified against its checksum, as in {@link #read}.
   */
  public void readChunks(long snap, long[] chunks, ByteBuffer dst) throws IOException {
    long total = 0;
    for (int i = 0; i < chunks.length; i++) {
      if (chunks[i] < 0 || (chunks[i] << chunkShift) >= size || (i > 0 && chunks[i] <= chunks[i - 1])) {
        throw new IllegalArgumentException("chunks must be ascending, distinct and inside the volume: " + chunks[i]);
      }
      total += chunkLength(chunks[i]);
    }
    if (dst.remaining() < total) {
      throw new IllegalArgumentException(total + " bytes of chunks, room for " + dst.remaining());
    }
    ByteBuffer out = dst.slice(dst.position(), (int) total);
    volumeLock.readLock().lock();
    try {
      ExceptionStore.Exc[] src = new ExceptionStore.Exc[chunks.length];
      if (snap != ORIGIN) {
        requireReadable(snap);
      }
      List<ReentrantReadWriteLock> held = chunkLocks.readLockChunks(chunks, chunks);
      try {
        if (snap != ORIGIN) {
          meta.treeLock().readLock().lock();
          try {
            for (int i = 0; i < chunks.length; i++) {
              src[i] = exc.resolve(chunks[i], snap);
            }
          } finally {
            meta.treeLock().readLock().unlock();
          }
        }
        int at = 0;
        for (int i = 0; i < chunks.length; ) {
          int j = i;
          int len = chunkLength(chunks[i]);
          if (src[i] == null) { // adjacent chunks read from the origin: one read
            while (j + 1 < chunks.length && src[j + 1] == null && chunks[j + 1] == chunks[j] + 1) {
              len += chunkLength(chunks[++j]);
            }
            origin.read(chunks[i] << chunkShift, out.slice(at, len));
          } else { // copies stored one after another: one read, then each verified
            long page = src[i].v().page() + Pages.pagesFor(len);
            while (j + 1 < chunks.length && src[j + 1] != null && src[j + 1].v().page() == page) {
              int n = chunkLength(chunks[++j]);
              len += n;
              page += Pages.pagesFor(n);
            }
            meta.pages().readData(src[i].v().page(), out.slice(at, len));
            for (int k = i, o = at; k <= j; o += chunkLength(chunks[k]), k++) {
              verifyCopy(chunks[k], src[k], Pages.crc(out, o, chunkLength(chunks[k])));
            }
          }
          at += len;
          i = j + 1;
        }
      } finally {
        ChunkLocks.readUnlock(held);
      }
    } finally {
      volumeLock.readLock().unlock();
    }
    dst.position(dst.position() + (int) total);
  }

  /**
   * Reads [offset, offset + dst.remaining()) within chunks [first, last] as snapshot {@code snap}
   * sees it; runs of chunks the snapshot reads from the origin are read in one piece. Chunk locks
   * held (shared).
   */
  private void readBatch(long snap, long first, long last, long offset, ByteBuffer dst) throws IOException {
    ExceptionStore.Exc[] src = new ExceptionStore.Exc[(int) (last - first + 1)];
    meta.treeLock().readLock().lock();
    try {
      for (long c = first; c <= last; c++) {
        src[(int) (c - first)] = exc.resolve(c, snap);
      }
    } finally {
      meta.treeLock().readLock().unlock();
    }
    long end = offset + dst.remaining();
    long pos = offset;
    while (pos < end) {
      long c = pos >>> chunkShift;
      ExceptionStore.Exc e = src[(int) (c - first)];
      long runEnd = Math.min(end, (c + 1) << chunkShift);
      if (e == null) { // extend over following chunks that also read the origin
        while (runEnd < end && src[(int) ((runEnd >>> chunkShift) - first)] == null) {
          runEnd = Math.min(end, ((runEnd >>> chunkShift) + 1) << chunkShift);
        }
        origin.read(pos, dst.slice((int) (pos - offset), (int) (runEnd - pos)));
      } else if (pos == c << chunkShift && runEnd - pos == chunkLength(c)) {
        // whole copies stored one after another: one read straight into dst, then verify each
        long page = e.v().page() + Pages.pagesFor(chunkLength(c));
        while (runEnd < end) {
          long n = runEnd >>> chunkShift;
          ExceptionStore.Exc next = src[(int) (n - first)];
          if (next == null || next.v().page() != page || runEnd + chunkLength(n) > end) {
            break;
          }
          runEnd += chunkLength(n);
          page += Pages.pagesFor(chunkLength(n));
        }
        meta.pages().readData(e.v().page(), dst.slice((int) (pos - offset), (int) (runEnd - pos)));
        for (long at = pos; at < runEnd; at += chunkLength(at >>> chunkShift)) {
          long k = at >>> chunkShift;
          verifyCopy(k, src[(int) (k - first)], Pages.crc(dst, (int) (at - offset), chunkLength(k)));
        }
      } else {
        byte[] copy = readCopy(c, e);
        int within = (int) (pos - (c << chunkShift));
        dst.put((int) (pos - offset), copy, within, (int) (runEnd - pos));
      }
      pos = runEnd;
    }
  }


  private ExceptionStore.Exc resolve(long c, long snap) throws IOException {
    meta.treeLock().readLock().lock();
    try {
      return exc.resolve(c, snap);
    } finally {
      meta.treeLock().readLock().unlock();
    }
  }

  /** Reads and verifies a preserved copy. */
  private byte[] readCopy(long c, ExceptionStore.Exc e) throws IOException {
    byte[] b = new byte[chunkLength(c)];
    meta.pages().readData(e.v().page(), ByteBuffer.wrap(b));
    verifyCopy(c, e, Pages.crc(b, 0, b.length));
    return b;
  }

  private void verifyCopy(long c, ExceptionStore.Exc e, int crc) throws CorruptionException {
    if (crc != e.v().crc()) {
      throw new CorruptionException(String.format(
          "%s: preserved copy of chunk %d (snapshots %d..%d) at store page %d (byte %d): checksum mismatch "
              + "(expected %08x, found %08x)",
          name, c, e.from(), e.v().to(), e.v().page(), e.v().page() * Pages.PAGE_SIZE, e.v().crc(), crc));
    }
  }

  // ------------------------------------------------------------------ writes

  /** Writes {@code src} at {@code offset} into the origin or into writable snapshot {@code snap}. */
  public void write(long snap, long offset, ByteBuffer src) throws IOException {
    checkRange(offset, src.remaining());
    volumeLock.readLock().lock();
    try {
      meta.checkUsable();
      if (snap != ORIGIN) {
        SnapshotInfo s = requireReadable(snap);
        if (!s.writable()) {
          throw new InvalidRequestException("snapshot " + snap + " is read-only");
        }
      }
      // origin writes: the commits of earlier batches run while later ones are copied, and one
      // commit covers every batch copied before it started
      java.util.ArrayDeque<Batch> pending = new java.util.ArrayDeque<>();
      try {
        while (src.hasRemaining()) {
          long first = offset >>> chunkShift;
          long last = Math.min((offset + src.remaining() - 1) >>> chunkShift, first + batchChunks() - 1);
          long end = Math.min(offset + src.remaining(), (last + 1) << chunkShift);
          int n = (int) (end - offset);
          ByteBuffer piece = src.slice(src.position(), n);
          while (true) {
            // holding pending batches, only try: blocking could close a lock-order cycle
            List<ReentrantReadWriteLock> held = pending.isEmpty() ? chunkLocks.lockRange(first, last)
                : chunkLocks.tryLockRange(first, last);
            if (held == null) {
              finishBatch(pending.poll());
              continue;
            }
            try {
              if (snap == ORIGIN) {
                long seq = copyBatch(first, last);
                pending.add(new Batch(held, seq < 0 ? null : commitAsync(seq), seq, offset, piece));
                held = null; // the batch owns its locks now
                while (pending.size() > PIPELINE_DEPTH || (!pending.isEmpty() && pending.peek().committed())) {
                  finishBatch(pending.poll());
                }
              } else {
                writeSnapshotBatch(snap, first, last, offset, piece);
              }
              break;
            } catch (NoSpaceException e) {
              // nothing of this batch reached the origin: copies come before the overwrite
              if (!dropOldestOnFull()) {
                throw e;
              }
            } finally {
              if (held != null) {
                ChunkLocks.unlock(held);
              }
            }
            while (!pending.isEmpty()) {
              finishBatch(pending.poll());
            }
            volumeLock.readLock().unlock();
            try {
              dropOldest(snap);
            } finally {
              volumeLock.readLock().lock();
            }
          }
          src.position(src.position() + n);
          offset = end;
        }
        while (!pending.isEmpty()) {
          finishBatch(pending.poll());
        }
      } finally {
        while (!pending.isEmpty()) { // failing: still complete the batches whose copies are committing
          try {
            finishBatch(pending.poll());
          } catch (IOException suppressed) {
            // the first failure is the one reported
          }
        }
      }
    } finally {
      volumeLock.readLock().unlock();
    }
  }

  /** Starts committing transaction {@code seq}: the commit a batch waits for before it overwrites. */
  private java.util.concurrent.Future<?> commitAsync(long seq) {
    return committer.submit(() -> {
      meta.commit(seq);
      return null;
    });
  }

  /**
   * Copies what snapshots still read of chunks [first, last] (chunk locks held), uncommitted;
   * returns the transaction to commit, or -1 when nothing needed a copy.
   */
  private long copyBatch(long first, long last) throws IOException {
    List<Long> need = new ArrayList<>();
    List<List<long[]>> gaps = new ArrayList<>();
    meta.treeLock().readLock().lock();
    try {
      for (long c = first; c <= last; c++) {
        List<long[]> g = exc.gapsReadingOrigin(c, snaps);
        if (!g.isEmpty()) {
          need.add(c);
          gaps.add(g);
        }
      }
    } finally {
      meta.treeLock().readLock().unlock();
    }
    if (need.isEmpty()) {
      return -1;
    }
    return preserve(need, gaps);
  }

  /**
   * Writes several extents into the origin with one commit for all their copy-before-overwrite:
   * locks every chunk they touch, copies what snapshots still read, commits once, then overwrites.
   * For applying a delta, whose records are many small scattered extents, this replaces a commit
   * per record. Extents must be ascending and must not share a chunk; every buffer is written
   * whole. Memory is the caller's: it bounds how much it passes at once.
   */
  public void writeOrigin(long[] offsets, ByteBuffer[] data) throws IOException {
    if (offsets.length != data.length) {
      throw new IllegalArgumentException(offsets.length + " offsets for " + data.length + " buffers");
    }
    long[] first = new long[offsets.length];
    long[] last = new long[offsets.length];
    for (int i = 0; i < offsets.length; i++) {
      checkRange(offsets[i], data[i].remaining());
      first[i] = offsets[i] >>> chunkShift;
      last[i] = (offsets[i] + Math.max(1, data[i].remaining()) - 1) >>> chunkShift;
      if (i > 0 && first[i] <= last[i - 1]) {
        throw new IllegalArgumentException("extents must be ascending and not share a chunk: "
            + offsets[i - 1] + "+" + data[i - 1].remaining() + " then " + offsets[i]);
      }
    }
    volumeLock.readLock().lock();
    try {
      meta.checkUsable();
      while (true) {
        List<ReentrantReadWriteLock> held = chunkLocks.lockChunks(first, last);
        try {
          long seq = -1;
          for (int i = 0; i < offsets.length; i++) {
            if (data[i].hasRemaining()) {
              for (long f = first[i]; f <= last[i]; f += batchChunks()) { // preserve() reads a batch at a time
                seq = Math.max(seq, copyBatch(f, Math.min(last[i], f + batchChunks() - 1)));
              }
            }
          }
          if (seq >= 0) {
            meta.commit(seq); // invariant 2: every copy is durable before any of these overwrites
          }
          for (int i = 0; i < offsets.length; i++) {
            assert preservedDurably(seq, first[i], last[i]);
            origin.write(offsets[i], data[i].duplicate());
          }
          for (ByteBuffer b : data) {
            b.position(b.limit());
          }
          return;
        } catch (NoSpaceException e) {
          // nothing was overwritten yet: copies come before the overwrite
          if (!dropOldestOnFull()) {
            throw e;
          }
        } finally {
          ChunkLocks.unlock(held);
        }
        volumeLock.readLock().unlock();
        try {
          dropOldest(ORIGIN);
        } finally {
          volumeLock.readLock().lock();
        }
      }
    } finally {
      volumeLock.readLock().unlock();
    }
  }

  /** A batch whose copies are committing; its origin write waits for that (invariant 2). */
  private record Batch(List<ReentrantReadWriteLock> locks, java.util.concurrent.Future<?> commit, long seq,
      long offset, ByteBuffer data) {
    boolean committed() {
      return commit == null || commit.isDone();
    }
  }

  /** Batches a writer may have copied whose commits are still running. */
  static final int PIPELINE_DEPTH = 3;

  /** Waits for the batch's copies to be durable, then overwrites the origin and unlocks. */
  private void finishBatch(Batch b) throws IOException {
    try {
      if (b.commit() != null) {
        awaitCommit(b.commit()); // invariant 2: the copies are durable before the origin changes
      }
      assert preservedDurably(b.seq(), b.offset() >>> chunkShift,
          (b.offset() + Math.max(1, b.data().remaining()) - 1) >>> chunkShift);
      origin.write(b.offset(), b.data());
    } finally {
      ChunkLocks.unlock(b.locks());
    }
  }

  /**
   * Invariant 2, checked (with {@code -ea}) right where it is kept, before an origin write of
   * chunks [first, last] under their locks: no live snapshot still reads them from the origin, and
   * the transaction {@code seq} that copied them (-1 if none was needed) is durable.
   */
  private boolean preservedDurably(long seq, long first, long last) throws IOException {
    if (seq >= 0 && meta.durableSeq() < seq) {
      throw new AssertionError("invariant 2: origin chunks " + first + ".." + last + " about to be overwritten"
          + " while the commit " + seq + " preserving them is not durable (durable: " + meta.durableSeq() + ")");
    }
    meta.treeLock().readLock().lock();
    try {
      for (long c = first; c <= last; c++) {
        if (!exc.gapsReadingOrigin(c, snaps).isEmpty()) {
          throw new AssertionError("invariant 2: origin chunk " + c + " about to be overwritten"
              + " while a snapshot still reads it from the origin");
        }
      }
    } finally {
      meta.treeLock().readLock().unlock();
    }
    return true;
  }

  private static void awaitCommit(java.util.concurrent.Future<?> f) throws IOException {
    try {
      f.get();
    } catch (java.util.concurrent.ExecutionException e) {
      if (e.getCause() instanceof IOException io) {
        throw io;
      }
      throw new IOException("commit failed", e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted while committing");
    }
  }

  /** Batches run over at most this many chunks. */
  private long batchChunks() {
    return Math.max(1, BATCH_BYTES >> chunkShift);
  }

  /**
   * Copies the origin chunks {@code need} (ascending, in one batch) into the store, one copy per
   * chunk named by a key for each of its gaps; returns the transaction to commit. The origin is
   * read in one piece and the copies written to one contiguous allocation, run by run.
   */
  private long preserve(List<Long> need, List<List<long[]>> gaps) throws IOException {
    long firstC = need.get(0);
    long lastC = need.get(need.size() - 1);
    long from = firstC << chunkShift;
    int span = (int) (((lastC - firstC) << chunkShift) + chunkLength(lastC));
    ByteBuffer old = batchBuffer.get();
    if (old.capacity() < span) {
      // grown to what is asked, not to a whole batch: a thread copying out scattered chunks needs
      // one chunk's worth, and every fresh direct buffer is zeroed and faulted in (a receiver's
      // four writers spent ~30 ms of each increment zeroing 8 MiB buffers for 64 KiB copies)
      old = ByteBuffer.allocateDirect(Math.max(span, Math.min(2 * old.capacity(), BATCH_BYTES)));
      batchBuffer.set(old);
    }
    old.clear().limit(span);
    origin.read(from, old);
    long pages = 0;
    for (long c : need) {
      pages += Pages.pagesFor(chunkLength(c));
    }
    long start = reserve(pages);
    long[] pageOf = new long[need.size()];
    int[] crcs = new int[need.size()];
    try {
      long p = start;
      int i = 0;
      while (i < need.size()) {
        int j = i; // a run of consecutive chunks: one write
        while (j + 1 < need.size() && need.get(j + 1) == need.get(j) + 1) {
          j++;
        }
        int off = (int) ((need.get(i) - firstC) << chunkShift);
        int len = (int) (((need.get(j) - need.get(i)) << chunkShift) + chunkLength(need.get(j)));
        for (int k = i; k <= j; k++) {
          pageOf[k] = p;
          int co = (int) ((need.get(k) - firstC) << chunkShift);
          crcs[k] = Pages.crc(old, co, chunkLength(need.get(k)));
          p += Pages.pagesFor(chunkLength(need.get(k)));
        }
        meta.pages().writeData(pageOf[i], old.slice(off, len));
        i = j + 1;
      }
    } catch (IOException e) {
      unreserve(start);
      if (String.valueOf(e.getMessage()).contains("No space left")) {
        throw new NoSpaceException(name + ": the disk holding the store is full (" + e.getMessage() + ")");
      }
      throw e;
    }
    meta.treeLock().writeLock().lock();
    try {
      for (int k = 0; k < need.size(); k++) {
        exc.addPreserve(need.get(k), gaps.get(k), pageOf[k], crcs[k], meta.openSeq());
      }
      meta.space().claim(start);
      return meta.openSeq();
    } finally {
      meta.treeLock().writeLock().unlock();
    }
  }

  private long reserve(long pages) throws NoSpaceException {
    meta.treeLock().writeLock().lock();
    try {
      return meta.space().reserve(pages);
    } finally {
      meta.treeLock().writeLock().unlock();
    }
  }

  private void unreserve(long start) {
    meta.treeLock().writeLock().lock();
    try {
      meta.space().unreserve(start);
    } finally {
      meta.treeLock().writeLock().unlock();
    }
  }




  private boolean dropOldestOnFull() {
    return (meta.flags() & Superblock.FLAG_DROP_OLDEST) != 0;
  }

  /**
   * The store is full and the user chose drop-oldest: deletes the oldest live snapshot and
   * reclaims its space, and tells the {@link #onDrop drop listeners}. Never the newest snapshot
   * (the one a user just took to keep what the origin holds) and never {@code writingTo}: when
   * only those are left, the write fails with {@link NoSpaceException}.
   */
  private void dropOldest(long writingTo) throws IOException {
    List<SnapshotInfo> live; // the oldest three: enough to skip the newest and writingTo
    meta.treeLock().readLock().lock();
    try {
      live = snaps.liveFrom(1, 3);
    } finally {
      meta.treeLock().readLock().unlock();
    }
    SnapshotInfo oldest = null;
    for (int i = 0; i < live.size() - 1; i++) { // the last one is the newest
      if (live.get(i).id() != writingTo) {
        oldest = live.get(i);
        break;
      }
    }
    if (oldest == null) {
      throw new NoSpaceException(name + ": exception store is full and no snapshot is left to drop"
          + (live.isEmpty() ? "" : " (drop-oldest never drops the newest, snapshot " + live.get(live.size() - 1).id()
              + "; delete it or raise the capacity)"));
    }
    deleteSnapshot(oldest.id());
    reclaimDeleted();
    if (dropListeners.isEmpty()) {
      System.err.println("deltasnap: " + name + ": the store was full: dropped snapshot " + oldest.id()
          + " (--on-full drop-oldest)");
    }
    for (Consumer<SnapshotInfo> l : dropListeners) {
      l.accept(oldest);
    }
  }

  /**
   * Tells {@code listener} about every snapshot that drop-oldest deletes to make room, until the
   * returned handle is closed. With no listener, each drop is one line on stderr.
   */
  public Subscription onDrop(Consumer<SnapshotInfo> listener) {
    dropListeners.add(listener);
    return () -> dropListeners.remove(listener);
  }

  /** Ends a subscription such as {@link #onDrop}. */
  public interface Subscription extends AutoCloseable {
    @Override
    void close();
  }

  /** Writes a chunk copy to newly reserved pages (not yet referenced by any key). */
  private long storeData(ByteBuffer b) throws IOException {
    long page = reserve(Pages.pagesFor(b.remaining()));
    try {
      meta.pages().writeData(page, b);
    } catch (IOException e) {
      unreserve(page);
      if (String.valueOf(e.getMessage()).contains("No space left")) {
        throw new NoSpaceException(name + ": the disk holding the store is full (" + e.getMessage() + ")");
      }
      throw e;
    }
    return page;
  }


  /** Writes into snapshot {@code snap}'s own copies of chunks [first, last]. Chunk locks held. */
  private void writeSnapshotBatch(long snap, long first, long last, long offset, ByteBuffer data)
      throws IOException {
    long commitSeq = 0;
    for (long c = first; c <= last; c++) {
      long chunkStart = c << chunkShift;
      int len = chunkLength(c);
      int from = (int) Math.max(0, offset - chunkStart);
      int to = (int) Math.min(len, offset + data.remaining() - chunkStart);
      ExceptionStore.Exc old = resolve(c, snap);
      byte[] content = new byte[len];
      if (from > 0 || to < len) {
        if (old == null) {
          origin.read(chunkStart, ByteBuffer.wrap(content));
        } else {
          content = readCopy(c, old);
        }
      }
      data.get((int) (chunkStart + from - offset), content, from, to - from);
      int crc = Pages.crc(content, 0, len);
      long page = storeData(ByteBuffer.wrap(content));
      meta.treeLock().writeLock().lock();
      try {
        meta.space().claim(page);
        exc.setPrivate(c, snap, old, page, crc, meta.openSeq(), (int) Pages.pagesFor(len));
        if (++uncommitted >= MAX_UNCOMMITTED) {
          commitSeq = meta.openSeq();
          uncommitted = 0;
        }
      } finally {
        meta.treeLock().writeLock().unlock();
      }
    }
    if (commitSeq != 0) {
      meta.commit(commitSeq);
    }
  }

  /** Makes every write so far durable: the origin's and the store's. */
  public void flush() throws IOException {
    origin.sync();
    meta.commitAll();
    meta.treeLock().writeLock().lock();
    try {
      uncommitted = 0;
    } finally {
      meta.treeLock().writeLock().unlock();
    }
  }

  // ------------------------------------------------------------------ snapshots

  /** Takes a snapshot of the origin in one commit. */
  public SnapshotInfo createSnapshot(String snapName, boolean writable) throws IOException {
    return takeSnapshot(0, null, snapName, System.currentTimeMillis(), writable, SnapshotInfo.LIVE);
  }

  /**
   * Takes a snapshot of the origin with a given identity (a replica keeps its source's IDs and
   * UUIDs). {@code id} must be above every ID this volume has handed out.
   */
  public SnapshotInfo createSnapshot(long id, UUID uuid, String snapName, long created, boolean writable,
      int state) throws IOException {
    if (id < 1) {
      throw new InvalidRequestException("snapshot ID must be ≥ 1");
    }
    return takeSnapshot(id, uuid, snapName, created, writable, state);
  }

  /**
   * Checks, without changing anything, that a snapshot {@code id} named {@code snapName} could
   * be created here now: a receiver asks before it applies a delta's data. {@code id} 0 stands for
   * the next local ID.
   */
  public void checkNewSnapshot(long id, String snapName) throws InvalidRequestException {
    SnapshotNames.check(snapName);
    meta.treeLock().readLock().lock();
    try {
      checkId(id);
    } finally {
      meta.treeLock().readLock().unlock();
    }
  }

  /** Under the tree lock: {@code id} (0: the next local one) can be created and keeps IDs increasing. */
  private void checkId(long id) throws InvalidRequestException {
    long next = meta.nextSnapshotId();
    if (id == 0) {
      if (next > SnapshotInfo.MAX_ID) {
        throw new InvalidRequestException(name + " has used every snapshot ID up to " + SnapshotInfo.MAX_ID
            + " (it received a snapshot with the highest ID): no new snapshot can be taken here");
      }
    } else if (id > SnapshotInfo.MAX_ID) {
      throw new InvalidRequestException("snapshot ID " + id + " is at the top of the ID range (at most "
          + SnapshotInfo.MAX_ID + "): no ID could follow it");
    } else if (id < next) {
      throw new InvalidRequestException("snapshot ID " + id + " is not above every ID this volume has used (next "
          + next + ")");
    }
  }

  private SnapshotInfo takeSnapshot(long id, UUID uuid, String snapName, long created, boolean writable,
      int state) throws IOException {
    SnapshotNames.check(snapName);
    volumeLock.writeLock().lock();
    try {
      meta.checkUsable();
      origin.sync(); // what the snapshot reads from the origin must survive a crash
      SnapshotInfo s;
      meta.treeLock().writeLock().lock();
      try {
        checkId(id);
        if (id == 0) {
          id = meta.takeSnapshotId();
        } else {
          meta.reserveSnapshotId(id);
        }
        assert meta.nextSnapshotId() > id : "next snapshot ID " + meta.nextSnapshotId() + " not above " + id;
        s = new SnapshotInfo(id, uuid == null ? UUID.randomUUID() : uuid, snapName, created, meta.openSeq(),
            writable, state);
        snaps.put(s, meta.openSeq());
      } finally {
        meta.treeLock().writeLock().unlock();
      }
      meta.commitAll();
      return s;
    } finally {
      volumeLock.writeLock().unlock();
    }
  }

  /**
   * Live snapshots, by ID: every one of them, read from the tree. For a volume that may hold very
   * many, {@link #visitSnapshots} streams them instead.
   */
  public List<SnapshotInfo> snapshots() throws IOException {
    meta.treeLock().readLock().lock();
    try {
      return snaps.live();
    } finally {
      meta.treeLock().readLock().unlock();
    }
  }

  /** How many snapshots {@link #visitSnapshots} takes from the table under one hold of its lock. */
  static final int VISIT_BATCH = 1024;

  /**
   * Visits the live snapshots with an ID of at least {@code fromId}, in ascending ID order, until
   * the visitor returns false. Memory stays bounded whatever the count: snapshots are taken from
   * the table in batches of {@value #VISIT_BATCH}, and no lock is held while the visitor runs, so
   * a slow consumer (a listing written to a pipe) never stalls writers.
   *
   * <p>Guaranteed: each snapshot is visited at most once, and IDs strictly increase. A snapshot
   * created or deleted while the walk runs may or may not be visited.
   */
  public void visitSnapshots(long fromId, SnapshotVisitor visitor) throws IOException {
    long next = fromId;
    while (true) {
      List<SnapshotInfo> batch;
      meta.treeLock().readLock().lock();
      try {
        batch = snaps.liveFrom(next, VISIT_BATCH);
      } finally {
        meta.treeLock().readLock().unlock();
      }
      for (SnapshotInfo s : batch) {
        assert s.id() >= next : "snapshot " + s.id() + " visited after " + (next - 1);
        if (!visitor.visit(s)) {
          return;
        }
      }
      if (batch.size() < VISIT_BATCH) {
        return;
      }
      long last = batch.get(batch.size() - 1).id();
      if (last >= SnapshotInfo.MAX_ID) {
        return;
      }
      next = last + 1;
    }
  }

  /** The newest live snapshot, or null when there is none: a lookup, whatever the count. */
  public SnapshotInfo newestSnapshot() throws IOException {
    return newestSnapshotBefore(SnapshotInfo.MAX_ID + 1);
  }

  /** The newest live snapshot with an ID below {@code id}, or null: a lookup, whatever the count. */
  public SnapshotInfo newestSnapshotBefore(long id) throws IOException {
    meta.treeLock().readLock().lock();
    try {
      return snaps.newestLive(id - 1);
    } finally {
      meta.treeLock().readLock().unlock();
    }
  }

  /** A snapshot by ID in any state, or null: one lookup in the snapshot tree. */
  public SnapshotInfo snapshot(long id) throws IOException {
    meta.treeLock().readLock().lock();
    try {
      return snaps.get(id);
    } finally {
      meta.treeLock().readLock().unlock();
    }
  }

  /**
   * Snapshots in the given state ({@link SnapshotInfo#STAGING}, {@link SnapshotInfo#DELETED}).
   * Deleted ones cost what the pending deletions are; other states take a walk of every record.
   */
  public List<SnapshotInfo> snapshotsIn(int state) throws IOException {
    meta.treeLock().readLock().lock();
    try {
      return snaps.withState(state);
    } finally {
      meta.treeLock().readLock().unlock();
    }
  }

  /** Changes a snapshot's state (publish a staging snapshot, say) in one commit. */
  public SnapshotInfo setState(long id, int state) throws IOException {
    volumeLock.writeLock().lock();
    try {
      meta.checkUsable();
      SnapshotInfo s = snapshot(id);
      if (s == null || s.state() == SnapshotInfo.DELETED) {
        throw new InvalidRequestException("no snapshot " + id + " in " + name);
      }
      SnapshotInfo n = s.withState(state);
      meta.treeLock().writeLock().lock();
      try {
        snaps.put(n, meta.openSeq());
      } finally {
        meta.treeLock().writeLock().unlock();
      }
      meta.commitAll();
      return n;
    } finally {
      volumeLock.writeLock().unlock();
    }
  }

  /**
   * Deletes a snapshot from every reader's view at once, durably. Its exceptions stay until
   * reclamation; they are never read again.
   */
  public void deleteSnapshot(long id) throws IOException {
    SnapshotInfo s = snapshot(id);
    if (s == null || !s.live()) {
      throw new InvalidRequestException("no snapshot " + id + " in " + name);
    }
    setState(id, SnapshotInfo.DELETED);
    synchronized (reclaimSignal) {
      reclaimSignal.notifyAll();
    }
  }

  /** The deleted snapshot reclamation takes next, or null when none is pending. */
  private SnapshotInfo firstDeleted() throws IOException {
    meta.treeLock().readLock().lock();
    try {
      return snaps.firstDeleted();
    } finally {
      meta.treeLock().readLock().unlock();
    }
  }

  /** What reclaiming deleted snapshots did, summed. */
  public record ReclaimResult(int snapshots, long keysRemoved, long keysTrimmed, long bytesFreed) {}

  /**
   * Reclaims the space of every deleted snapshot now (what {@code snapshot delete --wait} and the
   * background reclaimer do). Readers and writers go on meanwhile.
   */
  public ReclaimResult reclaimDeleted() throws IOException {
    int count = 0;
    long removed = 0;
    long trimmed = 0;
    long freed = 0;
    while (!closed) {
      volumeLock.readLock().lock();
      try {
        meta.checkUsable();
        SnapshotInfo d = firstDeleted();
        if (d == null) {
          break;
        }
        Reclaimer.Result r = reclaimer.reclaim(d);
        count++;
        removed += r.keysRemoved();
        trimmed += r.keysTrimmed();
        freed += r.pagesFreed() * Pages.PAGE_SIZE;
      } finally {
        volumeLock.readLock().unlock();
      }
    }
    return new ReclaimResult(count, removed, trimmed, freed);
  }

  /** Bytes the pending deletions will give back at least. */
  public long reclaimableBytes() throws IOException {
    long b = 0;
    for (SnapshotInfo d : snapshotsIn(SnapshotInfo.DELETED)) {
      b += reclaimer.estimate(d);
    }
    return b;
  }

  /**
   * Starts reclaiming deleted snapshots in the background (for long-running processes: serve,
   * receive, job daemon). It resumes whatever a crash or restart interrupted, and stops at close.
   */
  public synchronized void startBackgroundReclaim() {
    if (background != null) {
      return;
    }
    background = new Thread(() -> {
      while (!closed) {
        try {
          reclaimDeleted();
        } catch (IOException e) {
          if (!closed) {
            System.err.println("deltasnap: background reclamation of " + name + " failed: " + e.getMessage());
          }
          return;
        }
        synchronized (reclaimSignal) {
          try {
            if (!closed && firstDeleted() == null) {
              reclaimSignal.wait(5000);
            }
          } catch (InterruptedException e) {
            return;
          } catch (IOException e) {
            if (!closed) {
              System.err.println("deltasnap: background reclamation of " + name + " failed: " + e.getMessage());
            }
            return;
          }
        }
      }
    }, "deltasnap-reclaim");
    background.setDaemon(true);
    background.start();
  }

  /** The store's capacity limit in bytes, 0 for none. */
  public long capacityBytes() {
    return meta.capacityPages() * Pages.PAGE_SIZE;
  }

  /**
   * Under the tree lock: a lower capacity must leave room for what the store holds now plus the
   * pages kept for commits, or the store would be full at once (and stay so). A capacity below
   * the store's size but above that is fine: the store is not shrunk, and new copies go into its
   * free pages. Raising the capacity, or keeping it, is always allowed.
   */
  private void checkCapacity(long pages) throws InvalidRequestException {
    long current = meta.capacityPages() == 0 ? Long.MAX_VALUE : meta.capacityPages();
    long wanted = pages == 0 ? Long.MAX_VALUE : pages;
    long held = meta.space().end() - meta.space().freePages();
    long least = held + SpaceMap.METADATA_RESERVE + 1;
    if (wanted < current && wanted < least) {
      throw new InvalidRequestException("a capacity of " + pages * Pages.PAGE_SIZE + " bytes is below what " + name
          + " already holds: " + held * Pages.PAGE_SIZE + " bytes of copies and metadata, plus "
          + SpaceMap.METADATA_RESERVE * Pages.PAGE_SIZE + " kept for commits; give at least " + least * Pages.PAGE_SIZE
          + " bytes (or 0: no limit), or delete snapshots first");
    }
  }

  /** Sets what a full store does ({@code dropOldest}) and its capacity in bytes (0 = unlimited). */
  public void configure(boolean dropOldest, long capacityBytes) throws IOException {
    volumeLock.writeLock().lock();
    try {
      meta.treeLock().writeLock().lock();
      try {
        checkCapacity(Pages.pagesFor(capacityBytes));
        meta.setFlags(dropOldest ? meta.flags() | Superblock.FLAG_DROP_OLDEST : meta.flags() & ~Superblock.FLAG_DROP_OLDEST);
        meta.setCapacityPages(Pages.pagesFor(capacityBytes));
      } finally {
        meta.treeLock().writeLock().unlock();
      }
      meta.commitAll();
    } finally {
      volumeLock.writeLock().unlock();
    }
  }

  // ------------------------------------------------------------------ diff and restore

  /** Changed extents between snapshot {@code base} and {@code target}; base 0 = all of target. */
  public DiffResult diff(long base, long target) throws IOException {
    volumeLock.readLock().lock();
    try {
      requireReadable(target);
      if (base == ORIGIN) {
        return new DiffResult(List.of(new Extent(0, size)), 0, 0, chunkCount(), size);
      }
      SnapshotInfo a = requireReadable(base);
      SnapshotInfo b = requireReadable(target);
      meta.treeLock().readLock().lock();
      try {
        return new DiffWalker(meta.exceptions(), this::chunkLength, chunkShift, size)
            .diff(a, b);
      } finally {
        meta.treeLock().readLock().unlock();
      }
    } finally {
      volumeLock.readLock().unlock();
    }
  }

  /** Progress of long operations: done and total, in bytes. */
  public interface Progress {
    void update(long done, long total);

    Progress NONE = (d, t) -> { };
  }

  /**
   * Makes the origin equal to snapshot {@code id}; every snapshot is kept (origin writes preserve
   * as usual). Rewrites only the chunks where the snapshot differs from the origin. Returns the
   * number of bytes rewritten. Interrupted, it leaves a mixed origin: run it again.
   */
  public long restore(long id, Progress progress) throws IOException {
    volumeLock.writeLock().lock();
    try {
      SnapshotInfo s = requireReadable(id);
      List<Long> chunks = new ArrayList<>();
      meta.treeLock().readLock().lock();
      try {
        // every exception covering s was born after s was taken
        long[] lastChunk = {-1};
        meta.exceptions().walkNewerThan(s.epoch(), e -> {
          ExceptionValue v = ExceptionValue.decode(e.a(), e.b(), e.value(), name);
          if (e.b() <= id && v.to() >= id && e.a() != lastChunk[0]) {
            chunks.add(e.a());
            lastChunk[0] = e.a();
          }
        });
      } finally {
        meta.treeLock().readLock().unlock();
      }
      long total = 0;
      for (long c : chunks) {
        total += chunkLength(c);
      }
      long done = 0;
      for (long c : chunks) {
        ByteBuffer b = ByteBuffer.allocate(chunkLength(c));
        read(id, c << chunkShift, b);
        write(ORIGIN, c << chunkShift, b.flip());
        done += b.capacity();
        progress.update(done, total);
      }
      flush();
      return done;
    } finally {
      volumeLock.writeLock().unlock();
    }
  }

  // ------------------------------------------------------------------ status

  public VolumeStatus status() throws IOException {
    meta.treeLock().readLock().lock();
    try {
      Superblock sb = meta.durable();
      return new VolumeStatus(sb.uuid(), size, chunkSize, sb.originPath().isEmpty() ? "(inside volume)" : sb.originPath(),
          (int) Math.min(Integer.MAX_VALUE, snaps.liveCount()), (int) Math.min(Integer.MAX_VALUE, snaps.deletedCount()),
          exc.count(),
          meta.exceptions().height(), meta.space().end() * Pages.PAGE_SIZE,
          meta.space().freePages() * Pages.PAGE_SIZE, sb.seq(), meta.cache().hits(), meta.cache().misses(),
          meta.cache().usedBytes(), meta.cache().budgetBytes(), (meta.flags() & Superblock.FLAG_DROP_OLDEST) != 0);
    } finally {
      meta.treeLock().readLock().unlock();
    }
  }

  /**
   * Verifies the whole store without changing it: checksums of every node and copy, the tree's
   * ordering and range invariants, and the space accounting. Readers go on meanwhile.
   */
  /** What each page of the store holds, as check finds it: for damage campaigns in tests. */
  java.util.NavigableMap<Long, String> pageKinds() throws IOException {
    return checked().pageKinds();
  }

  public CheckReport check() throws IOException {
    return checked().report();
  }

  private StoreChecker checked() throws IOException {
    volumeLock.writeLock().lock(); // a stable store: no commit while pages are being accounted
    try {
      meta.treeLock().readLock().lock();
      try {
        StoreChecker c = new StoreChecker(meta, snaps, this::chunkLength, chunkCount());
        c.check();
        return c;
      } finally {
        meta.treeLock().readLock().unlock();
      }
    } finally {
      volumeLock.writeLock().unlock();
    }
  }


  /** The persistent layer, for tools inside the engine (checks, benchmarks). */
  MetaStore meta() {
    return meta;
  }

  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    synchronized (reclaimSignal) {
      reclaimSignal.notifyAll();
    }
    Thread bg = background;
    if (bg != null) {
      try {
        bg.join(60_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    volumeLock.writeLock().lock();
    try {
      IOException err = null;
      try {
        meta.checkUsable();
        flush();
      } catch (IOException e) {
        err = e;
      }
      committer.shutdownNow();
      closeQuietly(meta.pages().file());
      closeQuietly(origin);
      closeQuietly(lock);
      if (err != null) {
        throw err;
      }
    } finally {
      volumeLock.writeLock().unlock();
    }
  }

  // ------------------------------------------------------------------ helpers

  long chunkCount() {
    return (size + chunkSize - 1) >>> chunkShift;
  }

  int chunkLength(long c) {
    return (int) Math.min(chunkSize, size - (c << chunkShift));
  }

  private void checkRange(long offset, long length) throws InvalidRequestException {
    if (closed) {
      throw new InvalidRequestException(name + " is closed");
    }
    if (offset < 0 || length < 0 || offset > size || length > size - offset) {
      throw new InvalidRequestException("range " + offset + "+" + length + " is outside the volume (size "
          + size + ")");
    }
  }

  private SnapshotInfo requireReadable(long id) throws IOException {
    SnapshotInfo s = snapshot(id);
    if (s == null || s.state() == SnapshotInfo.DELETED) {
      throw new InvalidRequestException("no snapshot " + id + " in " + name);
    }
    return s;
  }

  private static void closeQuietly(Closeable c) {
    if (c == null) {
      return;
    }
    try {
      c.close();
    } catch (IOException ignored) {
      // closing after another failure: the first error is the one reported
    }
  }
}
