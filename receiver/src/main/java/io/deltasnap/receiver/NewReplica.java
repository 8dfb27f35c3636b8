package io.deltasnap.receiver;

import io.deltasnap.engine.DirectoryStorage;
import io.deltasnap.engine.io.BlockFile;
import io.deltasnap.engine.io.VolumeStorage;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static io.deltasnap.engine.DirectoryStorage.LOCK;
import static io.deltasnap.engine.DirectoryStorage.ORIGIN;
import static io.deltasnap.engine.DirectoryStorage.STORE;

/**
 * The exclusive creation of a replica's volume by a receiver, and its undoing when the transfer
 * that made it is refused. The volume's lock is taken before anything of the volume is made, and
 * held until {@link #release} (the volume is created through {@link #storage()}, which does not
 * lock again). Once it is held, a store or an origin file at the path is refused: another process
 * made a volume there meanwhile, or something not ours is in the way; nothing is overwritten.
 *
 * <p>{@link #remove} takes away exactly what this creation made: the volume's files and the
 * staged state (none existed when the lock was taken), the lock file if it made it, and the
 * directories it made, if empty. A directory or file that was there before is never removed.
 */
final class NewReplica {
  private final Path dir;
  private final List<Path> createdDirs;
  private final boolean createdLock;
  private final Closeable lock;
  private boolean released;

  private NewReplica(Path dir, List<Path> createdDirs, boolean createdLock, Closeable lock) {
    this.dir = dir;
    this.createdDirs = createdDirs;
    this.createdLock = createdLock;
    this.lock = lock;
  }

  /**
   * Makes {@code dir} (and missing parents) and takes the volume's lock there.
   *
   * @throws io.deltasnap.engine.VolumeBusyException when another process holds the volume
   * @throws RefusedException when a volume or an origin file is already there
   */
  static NewReplica claim(Path dir) throws IOException {
    if (Files.exists(dir, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(dir)) {
      throw new RefusedException(Refusal.PATH_IN_THE_WAY, "replica " + dir + " exists and is not a directory");
    }
    boolean lockExisted = Files.exists(dir.resolve(LOCK), LinkOption.NOFOLLOW_LINKS);
    List<Path> made = makeDirectories(dir);
    Closeable lock;
    try {
      lock = new DirectoryStorage(dir).lock();
    } catch (IOException | RuntimeException e) {
      removeDirectories(made); // the holder made the lock file, or will use it: only our empty directories go
      throw e;
    }
    NewReplica n = new NewReplica(dir, made, !lockExisted, lock);
    String inTheWay = null;
    if (Files.exists(dir.resolve(STORE), LinkOption.NOFOLLOW_LINKS)) {
      inTheWay = "a volume appeared in replica " + dir + " while this transfer was creating one (another process "
          + "made it); not touching it";
    } else if (Files.exists(dir.resolve(ORIGIN), LinkOption.NOFOLLOW_LINKS)) {
      inTheWay = "replica " + dir + " holds no volume but has a file " + dir.resolve(ORIGIN)
          + ", which a new volume would overwrite: move it away, or receive into another directory";
    }
    if (inTheWay != null) {
      n.removeLockAndDirectories(); // the files in the way are not ours
      throw new RefusedException(Refusal.PATH_IN_THE_WAY, inTheWay);
    }
    return n;
  }

  /** The volume's directory, whose lock is the one held here. */
  VolumeStorage storage() {
    DirectoryStorage d = new DirectoryStorage(dir);
    return new VolumeStorage() {
      @Override
      public String describe() {
        return d.describe();
      }

      @Override
      public boolean storeExists() {
        return d.storeExists();
      }

      @Override
      public BlockFile openStore(boolean create) throws IOException {
        return d.openStore(create);
      }

      @Override
      public BlockFile openOrigin(String path, boolean create) throws IOException {
        assert path.isEmpty() : "a replica keeps its origin in its directory";
        return d.openOrigin(path, create);
      }

      @Override
      public Closeable lock() {
        return () -> { }; // held by the claim until it is released
      }
    };
  }

  /** Removes what the creation made (the volume must be closed), then releases the lock. */
  void remove() throws IOException {
    // the store and origin did not exist when the lock was taken (claim checked), so they are ours; so is the
    // staged state, which only the transfer that created the volume wrote
    try {
      Files.deleteIfExists(dir.resolve(StagedTransfer.FILE));
      Files.deleteIfExists(dir.resolve(StagedTransfer.FILE + ".tmp"));
      Files.deleteIfExists(dir.resolve(STORE));
      Files.deleteIfExists(dir.resolve(ORIGIN));
    } catch (IOException | RuntimeException e) {
      release();
      throw e;
    }
    removeLockAndDirectories();
  }

  /** As {@link #remove}, adding a failure to {@code cause}. */
  void removeQuietly(Exception cause) {
    try {
      remove();
    } catch (IOException | RuntimeException e) {
      cause.addSuppressed(e);
    }
  }

  /** Releases the lock, keeping the volume; idempotent. */
  void release() throws IOException {
    if (!released) {
      released = true;
      lock.close();
    }
  }

  private void removeLockAndDirectories() throws IOException {
    try {
      if (createdLock) {
        Files.deleteIfExists(dir.resolve(LOCK)); // while still locked: DirectoryStorage.lock checks for this
      }
    } finally {
      release();
    }
    removeDirectories(createdDirs);
  }

  /** Makes {@code dir} and its missing parents; returns the ones this call made, deepest first. */
  private static List<Path> makeDirectories(Path dir) throws IOException {
    List<Path> missing = new ArrayList<>();
    for (Path p = dir.toAbsolutePath().normalize(); p != null && !Files.exists(p); p = p.getParent()) {
      missing.add(p);
    }
    List<Path> made = new ArrayList<>();
    for (int i = missing.size() - 1; i >= 0; i--) {
      try {
        Files.createDirectory(missing.get(i));
        made.add(0, missing.get(i));
      } catch (FileAlreadyExistsException e) {
        if (!Files.isDirectory(missing.get(i))) { // another process made it: not ours to remove
          removeDirectories(made);
          throw e;
        }
      } catch (IOException e) {
        removeDirectories(made);
        throw e;
      }
    }
    return made;
  }

  /** Removes each directory if empty (never anything in it). */
  private static void removeDirectories(List<Path> dirs) {
    for (Path d : dirs) {
      try {
        Files.deleteIfExists(d);
      } catch (DirectoryNotEmptyException | NoSuchFileException e) {
        return; // something else lives there now, so its parents are not empty either
      } catch (IOException e) {
        return; // best effort: an empty directory left behind harms nothing
      }
    }
  }
}
