package io.deltasnap.engine.io;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A file addressed by byte position: the origin or the exception store. Everything the engine
 * writes goes through this interface, so tests can put a fault-injecting layer underneath.
 *
 * <p>Durability contract: a write is durable only after a later {@link #sync()} returned.
 */
public interface BlockFile extends Closeable {
  /** Reads exactly {@code dst.remaining()} bytes at {@code pos}; throws EOFException past the end. */
  void read(long pos, ByteBuffer dst) throws IOException;

  /** Writes all of {@code src} at {@code pos}, growing the file if needed. */
  void write(long pos, ByteBuffer src) throws IOException;

  /** Makes every write that returned before this call durable. */
  void sync() throws IOException;

  long size() throws IOException;

  /** Shrinks (or grows, sparsely) the file to {@code size} bytes. */
  void truncate(long size) throws IOException;
}
