package io.deltasnap.engine;

import io.deltasnap.engine.io.BlockFile;
import io.deltasnap.engine.io.FileBlockFile;
import io.deltasnap.engine.io.VolumeStorage;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * A volume as a directory: {@code store} (the shared exception store), {@code origin} (unless an
 * external origin was given at init) and {@code lock} (held by the one process that has it open).
 */
public final class DirectoryStorage implements VolumeStorage {
  public static final String STORE = "store";
  public static final String ORIGIN = "origin";
  public static final String LOCK = "lock";

  private final Path dir;

  public DirectoryStorage(Path dir) {
    this.dir = dir;
  }

  public Path dir() {
    return dir;
  }

  @Override
  public String describe() {
    return dir.toString();
  }

  @Override
  public boolean storeExists() {
    return Files.isRegularFile(dir.resolve(STORE));
  }

  @Override
  public BlockFile openStore(boolean create) throws IOException {
    if (create) {
      Files.createDirectories(dir);
    }
    return FileBlockFile.open(dir.resolve(STORE), create);
  }

  @Override
  public BlockFile openOrigin(String path, boolean create) throws IOException {
    Path p = path.isEmpty() ? dir.resolve(ORIGIN) : Path.of(path);
    if (!create && !Files.exists(p)) {
      throw new EngineException(describe() + ": origin " + p + " is missing");
    }
    FileBlockFile f = FileBlockFile.open(p, create && path.isEmpty());
    try {
      if (!f.tryLock()) {
        throw new VolumeBusyException(describe() + ": origin " + p + " is in use by another open volume");
      }
    } catch (IOException | RuntimeException e) {
      f.close();
      throw e;
    }
    return f;
  }

  /**
   * Whether {@code p} is in use as the origin of an open volume: it holds the lock that
   * {@link #openOrigin} takes. Testing opens the file and closes it again, which would drop this
   * process's own lock on it; so ask only about files this process has not opened as an origin.
   */
  public static boolean originInUse(Path p) throws IOException {
    try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      FileLock l;
      try {
        l = ch.tryLock();
      } catch (OverlappingFileLockException e) {
        return true;
      }
      if (l == null) {
        return true;
      }
      l.release();
      return false;
    }
  }

  /** Whether {@code p} holds a deltasnap store: a superblock's magic at the start of page 0 or 1. */
  public static boolean looksLikeStore(Path p) throws IOException {
    try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
      for (long page = 0; page < 2; page++) {
        ByteBuffer b = ByteBuffer.allocate(io.deltasnap.engine.pdata.Superblock.MAGIC_BYTES);
        while (b.hasRemaining() && ch.read(b, page * io.deltasnap.engine.pdata.Pages.PAGE_SIZE + b.position()) > 0) {
          // a short read is retried until the magic's bytes are in, or the file ends
        }
        if (!b.hasRemaining() && io.deltasnap.engine.pdata.Superblock.isMagic(b.array())) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * Takes the volume's lock: an exclusive {@code fcntl} lock on {@code lock}, which then holds the
   * holder's pid. A process that removes the lock file (a failed first apply or init removing
   * what it created) does so while holding the lock; one that opened the old file before that and
   * locks it afterwards would hold a lock on a file no path names any more. So the file the path
   * names is compared (by file key, with {@code stat}: opening it again and closing it would drop
   * this process's fcntl lock) just after opening and again once locked, and the lock is taken
   * again when they differ.
   */
  @Override
  public Closeable lock() throws IOException {
    Files.createDirectories(dir);
    for (int attempt = 0; ; attempt++) {
      Closeable held = lockOnce();
      if (held != null) {
        return held;
      }
      if (attempt == 3) {
        throw new VolumeBusyException("volume " + dir + " is in use by another process (its lock file keeps changing)");
      }
    }
  }

  /** The lock, or null when the file locked is no longer the one {@code lock} names. */
  private Closeable lockOnce() throws IOException {
    Path path = dir.resolve(LOCK);
    FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    Object opened = fileKey(path);
    FileLock lock;
    try {
      lock = ch.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null;
    } catch (IOException e) {
      ch.close();
      throw e;
    }
    if (lock == null) {
      ch.close();
      String holder = "";
      try {
        holder = Files.readString(path).trim(); // not locked by us, so reading it drops nothing
      } catch (IOException ignored) {
        // the holder's pid is only a hint for the message
      }
      throw new VolumeBusyException("volume " + dir + " is in use by another process"
          + (holder.isEmpty() ? "" : " (pid " + holder + ")"));
    }
    FileLock held = lock;
    if (opened == null || !opened.equals(fileKey(path))) {
      held.release();
      ch.close();
      return null;
    }
    ch.truncate(0);
    ch.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
    return () -> {
      held.release();
      ch.close();
    };
  }

  /** The file key (device and inode) of what {@code p} names now, or null if nothing. */
  private static Object fileKey(Path p) {
    try {
      return Files.readAttributes(p, BasicFileAttributes.class).fileKey();
    } catch (IOException e) {
      return null;
    }
  }
}
