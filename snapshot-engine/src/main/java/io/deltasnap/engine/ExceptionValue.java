package io.deltasnap.engine;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The value of an exception key {@code (chunk, from)}: the last snapshot ID of the range and where
 * the preserved copy lies. Layout in the exception tree, little-endian, 21 bytes:
 * <pre>
 * offset size field
 *    0    8   to: last snapshot ID of the range [from, to] (≥ from)
 *    8    8   first store page of the copy (chunk length rounded up to pages)
 *   16    4   crc32c of the copy's chunk-length bytes
 *   20    1   flags: 1 = private (written through a writable snapshot; the page belongs to this key
 *             alone), 2 = shared (other keys name the same page)
 * </pre>
 */
record ExceptionValue(long to, long page, int crc, int flags) {
  static final int BYTES = 21;
  static final int PRIVATE = 1;
  static final int SHARED = 2;

  boolean isPrivate() {
    return (flags & PRIVATE) != 0;
  }

  boolean isShared() {
    return (flags & SHARED) != 0;
  }

  byte[] encode() {
    ByteBuffer b = ByteBuffer.allocate(BYTES).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(to).putLong(page).putInt(crc).put((byte) flags);
    return b.array();
  }

  static ExceptionValue decode(long chunk, long from, byte[] v, String where) throws CorruptionException {
    if (v.length != BYTES) {
      throw new CorruptionException(where + ": exception (" + chunk + ", " + from + ") value is " + v.length
          + " bytes, expected " + BYTES);
    }
    ByteBuffer b = ByteBuffer.wrap(v).order(ByteOrder.LITTLE_ENDIAN);
    ExceptionValue e = new ExceptionValue(b.getLong(), b.getLong(), b.getInt(), b.get() & 0xff);
    if (e.to < from || e.page < 2 || (e.flags & ~3) != 0) {
      throw new CorruptionException(where + ": exception (" + chunk + ", " + from + ") malformed: to " + e.to
          + ", page " + e.page + ", flags " + e.flags);
    }
    return e;
  }
}
