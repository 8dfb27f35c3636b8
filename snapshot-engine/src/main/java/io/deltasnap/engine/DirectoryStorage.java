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

/**
 * A volume as a directory: {@code store} (the shared exception store), {@code origin} (unless an
 * external origin was given at init) and {@code lock} (held by the one process that has it open).
 */
public final class DirectoryStorage implements VolumeStorage {
  static final String STORE = "store";
  static final String ORIGIN = "origin";
  static final String LOCK = "lock";

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
    return FileBlockFile.open(p, create && path.isEmpty());
  }

  @Override
  public Closeable lock() throws IOException {
    Files.createDirectories(dir);
    FileChannel ch = FileChannel.open(dir.resolve(LOCK), StandardOpenOption.CREATE,
        StandardOpenOption.READ, StandardOpenOption.WRITE);
    FileLock lock;
    try {
      lock = ch.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null;
    }
    if (lock == null) {
      String holder = "";
      try {
        holder = Files.readString(dir.resolve(LOCK)).trim();
      } catch (IOException ignored) {
        // the holder's pid is only a hint for the message
      }
      ch.close();
      throw new VolumeBusyException("volume " + dir + " is in use by another process"
          + (holder.isEmpty() ? "" : " (pid " + holder + ")"));
    }
    ch.truncate(0);
    ch.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
    FileLock held = lock;
    return () -> {
      held.release();
      ch.close();
    };
  }
}
