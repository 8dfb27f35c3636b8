package io.deltasnap.engine.io;

import java.io.Closeable;
import java.io.IOException;

/**
 * Where a volume's files live. The real one is a directory ({@link DirectoryStorage}); tests
 * substitute one that injects crashes, torn writes and a capped capacity.
 */
public interface VolumeStorage {
  /** A short name for error messages (the volume directory). */
  String describe();

  boolean storeExists() throws IOException;

  BlockFile openStore(boolean create) throws IOException;

  /**
   * Opens the origin. {@code path} is empty for the origin kept inside the volume, or the
   * external file/device given at init.
   */
  BlockFile openOrigin(String path, boolean create) throws IOException;

  /** Takes the single-process lock; throws {@code VolumeBusyException} when another holds it. */
  Closeable lock() throws IOException;
}
