package io.deltasnap.engine;

import io.deltasnap.engine.io.BlockFile;
import io.deltasnap.engine.io.VolumeStorage;
import java.io.Closeable;
import java.util.Random;

/** A volume kept in memory, with the crash model of {@link MemBlockFile}. Shared with other modules' tests. */
public final class MemStorage implements VolumeStorage {
  public final MemBlockFile.Faults faults;
  MemBlockFile store;
  MemBlockFile origin;
  private boolean locked;

  public MemStorage() {
    this(new MemBlockFile.Faults(), null, null);
  }

  MemStorage(MemBlockFile.Faults faults, byte[] store, byte[] origin) {
    this.faults = faults;
    this.store = store == null ? null : new MemBlockFile(faults, store);
    this.origin = origin == null ? null : new MemBlockFile(faults, origin);
  }

  /** The storage a power cut would leave behind, with fresh (crash-free) fault counters. */
  public MemStorage afterCrash(Random rnd, boolean loseUnsynced) {
    return new MemStorage(new MemBlockFile.Faults(), store == null ? null : store.crashImage(rnd, loseUnsynced),
        origin == null ? null : origin.crashImage(rnd, loseUnsynced));
  }

  /** The same bytes, reopened as if after a clean shutdown. */
  public MemStorage reopened() {
    return new MemStorage(new MemBlockFile.Faults(), store.image(), origin.image());
  }

  @Override
  public String describe() {
    return "mem";
  }

  @Override
  public boolean storeExists() {
    return store != null;
  }

  @Override
  public BlockFile openStore(boolean create) {
    if (store == null) {
      store = new MemBlockFile(faults, new byte[0]);
    }
    return store;
  }

  @Override
  public BlockFile openOrigin(String path, boolean create) {
    if (origin == null) {
      origin = new MemBlockFile(faults, new byte[0]);
    }
    return origin;
  }

  @Override
  public synchronized Closeable lock() throws VolumeBusyException {
    if (locked) {
      throw new VolumeBusyException("volume mem is in use by another process");
    }
    locked = true;
    return () -> {
      synchronized (this) {
        locked = false;
      }
    };
  }
}
