package io.deltasnap.cli;

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
 * The exclusive creation of a volume in a directory ({@code init}, and the first full
 * {@code delta apply} to a replica). The volume's lock is taken before anything of the volume is
 * made, so of two commands creating the same volume one creates it and the other finds it busy or
 * made; and a creation that fails removes exactly what it made: the volume's files it created,
 * then the directories it created if they are empty. A directory or file that was there before is
 * never removed, whatever failed.
 *
 * <p>A directory that holds no store but already has a file where the volume's origin would go is
 * refused before anything is written: creating the volume would overwrite that file.
 *
 * <p>Usage: {@link #claim}; if {@link #exists()} another command made the volume meanwhile (open
 * it through {@link #storage()}); otherwise create it through {@link #storage()} and
 * {@link #keep()} it once it is complete. {@link #close()} removes what was made unless kept, then
 * releases the lock.
 */
final class NewVolume implements Closeable {
  private final Path dir;
  private final List<Path> createdDirs;
  private final boolean createdLock;
  private final Closeable lock;
  private final boolean existed;
  private final boolean foreignFiles;
  private final boolean internalOrigin;
  private boolean keep;

  private NewVolume(Path dir, List<Path> createdDirs, boolean createdLock, Closeable lock, boolean existed,
      boolean foreignFiles, boolean internalOrigin) {
    this.dir = dir;
    this.foreignFiles = foreignFiles;
    this.internalOrigin = internalOrigin;
    this.createdDirs = createdDirs;
    this.createdLock = createdLock;
    this.lock = lock;
    this.existed = existed;
  }

  /**
   * Takes the lock of the volume in {@code dir}, making the directory (and missing parents) first.
   *
   * @param internalOrigin whether the volume keeps its origin inside the directory
   * @throws io.deltasnap.engine.VolumeBusyException when another process holds the volume
   * @throws Main.UserError when {@code dir} is not a directory, or holds files in the volume's way
   */
  static NewVolume claim(Path dir, boolean internalOrigin) throws IOException {
    if (Files.exists(dir, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(dir)) {
      throw new Main.UserError(dir + " exists and is not a directory");
    }
    boolean lockExisted = Files.exists(dir.resolve(LOCK), LinkOption.NOFOLLOW_LINKS);
    if (lockExisted && !isLockFile(dir.resolve(LOCK))) {
      throw new Main.UserError(dir + " has a file " + dir.resolve(LOCK) + " that is not a volume's lock, which a new "
          + "volume would overwrite: move it away, or use another directory");
    }
    List<Path> created = makeDirectories(dir);
    Closeable lock;
    try {
      lock = new DirectoryStorage(dir).lock();
    } catch (IOException | RuntimeException e) {
      // not ours: the holder made the lock file (or will use it); only our empty directories go
      removeDirectories(created);
      throw e;
    }
    Path store = dir.resolve(STORE);
    boolean made = Files.isRegularFile(store, LinkOption.NOFOLLOW_LINKS);
    String inTheWay = null;
    if (!made && Files.exists(store, LinkOption.NOFOLLOW_LINKS)) {
      inTheWay = store + " exists and is not a volume's store; not touching it";
    } else if (!made && internalOrigin && Files.exists(dir.resolve(ORIGIN), LinkOption.NOFOLLOW_LINKS)) {
      inTheWay = dir + " holds no volume but has a file " + dir.resolve(ORIGIN)
          + ", which a new volume would overwrite: move it away, or use another directory";
    }
    // a store or origin in the way is not ours: closing then removes only our lock file and directories
    NewVolume n = new NewVolume(dir, created, !lockExisted, lock, made, inTheWay != null, internalOrigin);
    if (inTheWay != null) {
      n.close();
      throw new Main.UserError(inTheWay);
    }
    return n;
  }

  /** Whether the volume was there by the time the lock was held (then nothing is removed). */
  boolean exists() {
    return existed;
  }

  /** The volume's directory, whose lock is the one held here (a volume opened on it does not lock again). */
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
        return d.openOrigin(path, create);
      }

      @Override
      public Closeable lock() {
        return () -> { }; // held by the claim until it is closed
      }
    };
  }

  /** The volume is complete: {@link #close()} keeps it. */
  void keep() {
    keep = true;
  }

  /** Unless kept (or made by another command), removes what the creation made; then unlocks. */
  @Override
  public void close() throws IOException {
    boolean remove = !keep && !existed;
    try {
      if (remove && !foreignFiles) {
        // the store and origin did not exist when the lock was taken (claim checked), so they are ours
        Files.deleteIfExists(dir.resolve(STORE));
        if (internalOrigin) {
          Files.deleteIfExists(dir.resolve(ORIGIN));
        }
      }
      if (remove && createdLock) {
        Files.deleteIfExists(dir.resolve(LOCK)); // while still locked: DirectoryStorage.lock checks for this
      }
    } finally {
      lock.close();
    }
    if (remove) {
      removeDirectories(createdDirs);
    }
  }

  /** Whether {@code p} looks like a volume's lock file: empty, or a pid (locking rewrites it). */
  private static boolean isLockFile(Path p) throws IOException {
    if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) || Files.size(p) > 24) {
      return false;
    }
    return new String(Files.readAllBytes(p), java.nio.charset.StandardCharsets.ISO_8859_1).matches("[0-9]*\\n?");
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
        // another process made it: not ours to remove
        if (!Files.isDirectory(missing.get(i))) {
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
