package io.deltasnap.engine;

import io.deltasnap.engine.io.BlockFile;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * An in-memory {@link BlockFile} that models a disk's durability: reads see every write, but a
 * crash keeps only what was synced plus an arbitrary subset of later writes, each possibly torn
 * at 512-byte sector granularity. A shared {@link Faults} counter can stop the world after the
 * N-th write or sync, as a power cut would.
 */
public final class MemBlockFile implements BlockFile {
  static final int SECTOR = 512;

  /** Counts I/O operations across files and throws once the crash point is reached. */
  public static final class Faults {
    public long ops;
    public long crashAt = Long.MAX_VALUE;
    public boolean crashed;
    public long capacity = Long.MAX_VALUE;

    void tick() throws IOException {
      if (crashed) {
        throw new IOException("injected crash (device gone)");
      }
      if (++ops >= crashAt) {
        crashed = true;
        throw new IOException("injected crash at operation " + ops);
      }
    }
  }

  /** An unsynced change: where, the new bytes, and what it replaced (for rolling back). */
  private record Pending(long pos, byte[] data, byte[] old, long oldSize) {}

  private final Faults faults;
  private byte[] current;
  private long size;
  private final List<Pending> unsynced = new ArrayList<>();

  MemBlockFile(Faults faults, byte[] image) {
    this.faults = faults;
    this.current = Arrays.copyOf(image, Math.max(image.length, 4096));
    this.size = image.length;
  }

  @Override
  public synchronized void read(long pos, ByteBuffer dst) throws IOException {
    if (faults.crashed) {
      throw new IOException("injected crash (device gone)");
    }
    if (pos + dst.remaining() > size) {
      throw new EOFException("read past end: " + pos + "+" + dst.remaining() + " > " + size);
    }
    dst.put(current, (int) pos, dst.remaining());
  }

  @Override
  public synchronized void write(long pos, ByteBuffer src) throws IOException {
    int n = src.remaining();
    if (pos + n > faults.capacity) {
      throw new IOException("No space left on device");
    }
    byte[] data = new byte[n];
    src.get(data);
    boolean crash = false;
    try {
      faults.tick();
    } catch (IOException e) {
      crash = true;
    }
    ensure(pos + n);
    byte[] old = Arrays.copyOfRange(current, (int) pos, (int) pos + n);
    unsynced.add(new Pending(pos, data, old, size));
    if (crash) {
      // the write reached the device only in part, or not at all: crashImage decides
      throw new IOException("injected crash during write at " + pos);
    }
    System.arraycopy(data, 0, current, (int) pos, n);
    size = Math.max(size, pos + n);
  }

  private void ensure(long len) {
    if (len > current.length) {
      current = Arrays.copyOf(current, (int) Math.max(len, current.length * 2L));
    }
  }

  @Override
  public synchronized void sync() throws IOException {
    faults.tick();
    unsynced.clear();
  }

  @Override
  public synchronized long size() {
    return size;
  }

  @Override
  public synchronized void truncate(long newSize) throws IOException {
    faults.tick();
    ensure(Math.max(newSize, size));
    long lo = Math.min(newSize, size);
    long hi = Math.max(newSize, size);
    byte[] old = Arrays.copyOfRange(current, (int) lo, (int) hi);
    unsynced.add(new Pending(-1 - newSize, new byte[0], old, size));
    Arrays.fill(current, (int) lo, (int) hi, (byte) 0);
    size = newSize;
  }

  @Override
  public void close() {}

  /**
   * The image a crash would leave: the synced bytes plus, in order, a random subset of the
   * unsynced writes, each applied whole, torn (some sectors only) or not at all.
   */
  synchronized byte[] crashImage(Random rnd, boolean loseUnsynced) {
    byte[] img = current.clone();
    long len = size;
    // roll back to the synced state
    for (int i = unsynced.size() - 1; i >= 0; i--) {
      Pending p = unsynced.get(i);
      long at = p.pos < 0 ? Math.min(-1 - p.pos, p.oldSize) : p.pos;
      System.arraycopy(p.old, 0, img, (int) at, p.old.length);
      len = p.oldSize;
    }
    for (Pending p : unsynced) {
      if (p.pos < 0) { // truncate: happened or not
        if (!loseUnsynced || rnd.nextBoolean()) {
          long ns = -1 - p.pos;
          Arrays.fill(img, (int) Math.min(ns, len), (int) Math.max(ns, len), (byte) 0);
          len = ns;
        }
        continue;
      }
      int mode = loseUnsynced ? rnd.nextInt(3) : 0; // 0 whole, 1 torn, 2 lost
      if (mode == 2) {
        continue;
      }
      for (int s = 0; s < p.data.length; s += SECTOR) {
        if (mode == 1 && rnd.nextBoolean()) {
          continue;
        }
        int n = Math.min(SECTOR, p.data.length - s);
        System.arraycopy(p.data, s, img, (int) p.pos + s, n);
      }
      len = Math.max(len, p.pos + p.data.length);
    }
    return Arrays.copyOf(img, (int) len);
  }

  synchronized byte[] image() {
    return Arrays.copyOf(current, (int) size);
  }

  synchronized void poke(long pos, byte xor) {
    current[(int) pos] ^= xor;
  }
}
