package io.deltasnap.engine;

import io.deltasnap.engine.io.FileBlockFile;
import java.nio.ByteBuffer;

/**
 * Buffers the engine's direct I/O can use without a copy: aligned to {@link #ALIGN} bytes, as
 * O_DIRECT needs. Layers above the engine take them from here rather than from the I/O layer.
 */
public final class DirectBuffers {
  /** Alignment of addresses and lengths for direct I/O. */
  public static final int ALIGN = FileBlockFile.DIRECT_ALIGN;

  private DirectBuffers() {}

  /** A direct buffer of {@code bytes} whose address is aligned to {@link #ALIGN}. */
  public static ByteBuffer allocate(int bytes) {
    return FileBlockFile.allocateAligned(bytes);
  }

  /** {@code n} rounded up to a multiple of {@link #ALIGN}. */
  public static long alignUp(long n) {
    return (n + ALIGN - 1) / ALIGN * ALIGN;
  }
}
