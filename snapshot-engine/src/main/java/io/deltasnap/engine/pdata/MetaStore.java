package io.deltasnap.engine.pdata;

import io.deltasnap.engine.CorruptionException;
import io.deltasnap.engine.EngineException;
import io.deltasnap.engine.UnreadableCommitException;
import io.deltasnap.engine.io.BlockFile;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The persistent layer of one store: pages, space map, node cache, the two trees, and the commit
 * protocol that makes a state durable. It knows nothing of snapshots or chunks.
 *
 * <p>Commit protocol (group commit): every change made under the tree lock belongs to the open
 * transaction, numbered {@link #openSeq()}. {@link #commit(long)} writes the dirty nodes and the
 * free list to free pages and syncs the store; writes the superblock for that sequence to the
 * mirror page and syncs; then to its alternating slot and syncs again. The commit is durable once
 * the mirror is. Concurrent committers that wait for a sequence another thread already made
 * durable return at once. After a crash at any instant, {@link #open} finds the last commit whose
 * mirror write completed, or the one before it; after one damaged copy at any time, still the last
 * commit; after two, it refuses ({@link Superblocks} states the rules).
 *
 * <p>An open that finds a copy damaged, stale or missing (a version-1 store has no mirror) heals
 * by committing twice, so every copy is current again; {@link #healed()} says what it repaired.
 *
 * <p>Invariant: a page referenced by the last durable commit is never written (it is released,
 * and becomes free only when the next commit is durable).
 */
public final class MetaStore {
  public static final int EXCEPTIONS_TREE = 1;
  public static final int SNAPSHOTS_TREE = 2;

  private final Pages pages;
  private final SpaceMap space;
  private final NodeCache cache;
  private final BTree exceptions;
  private final BTree snapshots;
  private final ReentrantReadWriteLock treeLock = new ReentrantReadWriteLock();
  private final ReentrantLock commitLock = new ReentrantLock();
  private volatile Superblock durable;
  private List<Long> freeChain;
  private long openSeq;
  private long nextSnapshotId;
  private int flags;
  private long capacityPages;
  private volatile IOException failed;
  private long commits;
  private long mirrorPage;
  private Superblocks.Choice openedFrom;
  private List<String> healed = List.of();

  private MetaStore(Pages pages, Superblock sb, long cacheBytes, List<Long> freeChain, SpaceMap space)
      throws IOException {
    this.pages = pages;
    this.space = space;
    this.cache = new NodeCache(pages, cacheBytes);
    this.exceptions = new BTree(EXCEPTIONS_TREE, pages.name() + ": exception tree", cache, space);
    this.snapshots = new BTree(SNAPSHOTS_TREE, pages.name() + ": snapshot tree", cache, space);
    this.exceptions.load(sb.exceptionRoot(), sb.exceptionCount());
    this.snapshots.load(sb.snapshotRoot(), sb.snapshotCount());
    this.durable = sb;
    this.freeChain = freeChain;
    this.openSeq = sb.seq() + 1;
    this.nextSnapshotId = sb.nextSnapshotId();
    this.flags = sb.flags();
    this.capacityPages = sb.capacityPages();
    this.mirrorPage = sb.mirrorPage();
  }

  /** Writes a new, empty store (both superblock slots and the mirror) and opens it. */
  public static MetaStore create(BlockFile file, String name, UUID uuid, long volumeSize, int chunkSize,
      int flags, String originPath, long cacheBytes) throws IOException {
    Pages pages = new Pages(file, name);
    long mirror = Superblock.NEW_STORE_MIRROR_PAGE;
    Superblock sb = new Superblock(1, uuid, volumeSize, chunkSize, flags, 0, 0, 0, 0, 1,
        mirror + 1, 0, System.currentTimeMillis(), 0, mirror, originPath);
    file.truncate(0);
    pages.writePage(0, sb.withSeq(0).encode());
    pages.writePage(1, sb.encode());
    pages.writePage(mirror, sb.encode());
    file.sync();
    MetaStore m = new MetaStore(pages, sb, cacheBytes, List.of(), new SpaceMap(sb.storeEnd(), Long.MAX_VALUE));
    m.openedFrom = Superblocks.read(pages);
    return m;
  }

  /**
   * Opens the last committed state as {@link Superblocks} chooses it, healing damaged or stale
   * copies; refuses with {@link UnreadableCommitException} when the newest commit cannot be read.
   */
  public static MetaStore open(BlockFile file, String name, long cacheBytes) throws IOException {
    Pages pages = new Pages(file, name);
    Superblocks.Choice choice = Superblocks.read(pages);
    if (choice.chosen() == null) {
      throw new UnreadableCommitException(choice);
    }
    MetaStore m = load(pages, choice.chosen(), cacheBytes);
    m.openedFrom = choice;
    if (!choice.clean()) {
      m.heal(choice);
    }
    return m;
  }

  /**
   * Opens the older commit a refused open offered ({@link Superblocks.Choice#rollback()}): the
   * documented recovery when the newest commit is unreadable. The caller checks the state before
   * trusting it; nothing is written until it commits.
   */
  public static MetaStore openRollback(BlockFile file, String name, long cacheBytes, Superblocks.Choice choice)
      throws IOException {
    if (choice.rollback() == null) {
      throw new CorruptionException(name + ": no older commit to roll back to: " + choice.refusal());
    }
    MetaStore m = load(new Pages(file, name), choice.rollback(), cacheBytes);
    m.openedFrom = choice;
    return m;
  }

  private static MetaStore load(Pages pages, Superblock sb, long cacheBytes) throws IOException {
    long limit = sb.capacityPages() == 0 ? Long.MAX_VALUE : sb.capacityPages();
    SpaceMap space = new SpaceMap(sb.storeEnd(), limit);
    List<Long> chain = FreeList.load(pages, sb.freeListHead(), sb.storeEnd(), space);
    if (sb.hasMirror() && space.isFree(sb.mirrorPage(), 1)) {
      throw new CorruptionException(pages.name() + ": page " + sb.mirrorPage()
          + " is the superblock mirror and also on the free list");
    }
    return new MetaStore(pages, sb, cacheBytes, chain, space);
  }

  /** Rewrites every superblock copy from the state opened: two commits reach both slots. */
  public void heal(Superblocks.Choice choice) throws IOException {
    List<String> done = new ArrayList<>();
    treeLock.writeLock().lock();
    try {
      if (mirrorPage == 0) {
        mirrorPage = space.allocate(1);
        done.add("upgraded the store to format " + Superblock.FORMAT_VERSION + ": superblock mirror at page "
            + mirrorPage);
      }
    } finally {
      treeLock.writeLock().unlock();
    }
    for (Superblocks.Copy c : choice.copies()) {
      if (!c.valid()) {
        done.add("rewrote " + c.place() + " (page " + c.page() + "), which was damaged: " + c.problem());
      }
    }
    force(openSeqLocked());
    force(openSeqLocked());
    healed = List.copyOf(done);
  }

  private long openSeqLocked() {
    treeLock.readLock().lock();
    try {
      return openSeq;
    } finally {
      treeLock.readLock().unlock();
    }
  }

  /**
   * Makes a rolled-back state the newest commit: commit numbers and snapshot IDs move past those
   * the lost commits used (IDs are never reused), then every superblock copy is rewritten.
   */
  public void adoptRollback(long newestLostSeq, long newestLostSnapshotId) throws IOException {
    treeLock.writeLock().lock();
    try {
      openSeq = Math.max(openSeq, newestLostSeq + 1);
      reserveSnapshotId(newestLostSnapshotId);
    } finally {
      treeLock.writeLock().unlock();
    }
    heal(openedFrom);
  }

  /** What the open found: every superblock copy, and which one it believed. */
  public Superblocks.Choice openedFrom() {
    return openedFrom;
  }

  /** What the open repaired (damaged or stale superblock copies rewritten, a format upgrade). */
  public List<String> healed() {
    return healed;
  }

  /** The page that holds the superblock mirror. */
  public long mirrorPage() {
    return mirrorPage;
  }

  public Superblock durable() {
    return durable;
  }

  public Pages pages() {
    return pages;
  }

  public SpaceMap space() {
    return space;
  }

  public NodeCache cache() {
    return cache;
  }

  public BTree exceptions() {
    return exceptions;
  }

  public BTree snapshots() {
    return snapshots;
  }

  /** Shared for reads of the trees, exclusive for changes. */
  public ReentrantReadWriteLock treeLock() {
    return treeLock;
  }

  /** The sequence of the open transaction: the birth epoch of entries changed now. Tree lock held. */
  public long openSeq() {
    return openSeq;
  }

  /** The pages of the current free list (for checks). */
  public List<Long> freeListPages() {
    return List.copyOf(freeChain);
  }

  public long durableSeq() {
    return durable.seq();
  }

  public long commits() {
    return commits;
  }

  /** Allocates and returns the next snapshot ID (tree lock held exclusively). */
  public long takeSnapshotId() {
    return nextSnapshotId++;
  }

  /** Raises the next snapshot ID so that {@code id} is never handed out (tree lock held). */
  public void reserveSnapshotId(long id) {
    nextSnapshotId = Math.max(nextSnapshotId, id + 1);
  }

  public long nextSnapshotId() {
    return nextSnapshotId;
  }

  public int flags() {
    return flags;
  }

  public void setFlags(int flags) {
    this.flags = flags;
  }

  public long capacityPages() {
    return capacityPages;
  }

  public void setCapacityPages(long pages) {
    this.capacityPages = pages;
    space.setLimitPages(pages == 0 ? Long.MAX_VALUE : pages);
  }

  public void checkUsable() throws IOException {
    if (failed != null) {
      throw new EngineException(pages.name() + ": store is unusable after an earlier I/O failure ("
          + failed.getMessage() + "); close and reopen the volume", failed);
    }
  }

  /**
   * Makes every change of transactions up to {@code seq} durable. Returns at once when a commit
   * of another thread already did.
   */
  public void commit(long seq) throws IOException {
    commit(seq, false);
  }

  private void force(long seq) throws IOException {
    commit(seq, true);
  }

  private void commit(long seq, boolean force) throws IOException {
    commitLock.lock();
    try {
      if (durable.seq() >= seq && !force) {
        return;
      }
      checkUsable();
      Superblock next;
      List<long[]> released;
      treeLock.writeLock().lock();
      try {
        long s = openSeq;
        BTree.PageWriter w = pages::writePage;
        long excRoot = exceptions.flush(s, w);
        long snapRoot = snapshots.flush(s, w);
        for (long p : freeChain) {
          space.release(p, 1);
        }
        freeChain = FreeList.write(space, s, w);
        released = space.takePending();
        Superblock d = durable;
        next = new Superblock(s, d.uuid(), d.volumeSize(), d.chunkSize(), flags, excRoot, exceptions.count(),
            snapRoot, snapshots.count(), nextSnapshotId, space.end(), freeChain.isEmpty() ? 0 : freeChain.get(0),
            d.created(), capacityPages, mirrorPage, d.originPath());
        openSeq = s + 1;
      } catch (IOException | RuntimeException e) {
        failed = e instanceof IOException io ? io : new IOException(e);
        throw e;
      } finally {
        treeLock.writeLock().unlock();
      }
      try {
        pages.file().sync();
        pages.writePage(mirrorPage, next.encode()); // durable from here: see Superblocks
        pages.file().sync();
        pages.writePage(next.seq() % 2, next.encode());
        pages.file().sync();
      } catch (IOException e) {
        failed = e;
        throw e;
      }
      treeLock.writeLock().lock();
      try {
        space.commitDurable(released);
        long newEnd = space.shrinkTail();
        if (newEnd > 0) {
          // the freed tail is referenced by no durable state: the file may shrink
          pages.file().truncate(newEnd * Pages.PAGE_SIZE);
        }
      } catch (IOException e) {
        failed = e;
        throw e;
      } finally {
        treeLock.writeLock().unlock();
      }
      durable = next;
      commits++;
    } finally {
      commitLock.unlock();
    }
  }

  /** Commits everything changed so far; does nothing (writes nothing) when nothing changed. */
  public void commitAll() throws IOException {
    long s;
    treeLock.readLock().lock();
    try {
      if (!hasChanges()) {
        return;
      }
      s = openSeq;
    } finally {
      treeLock.readLock().unlock();
    }
    commit(s);
  }

  /** Whether the open transaction changed anything a commit would record. Tree lock held. */
  private boolean hasChanges() {
    Superblock d = durable;
    return exceptions.dirty() || snapshots.dirty() || space.pendingPages() > 0
        || exceptions.rootPage() != d.exceptionRoot() || snapshots.rootPage() != d.snapshotRoot()
        || nextSnapshotId != d.nextSnapshotId() || flags != d.flags() || capacityPages != d.capacityPages();
  }
}
