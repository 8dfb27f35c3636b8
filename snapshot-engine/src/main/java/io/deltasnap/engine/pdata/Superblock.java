package io.deltasnap.engine.pdata;

import io.deltasnap.engine.CorruptionException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * The root of a committed state. Little-endian, 4096 bytes:
 *
 * <pre>
 * offset size field
 *    0    8   magic "DSNAPSB1"
 *    8    4   format version (2; version 1 lacks the mirror and keeps the origin path at 128)
 *   12    4   page size (4096)
 *   16    8   sequence: the commit number; also the birth epoch of entries it wrote
 *   24   16   volume UUID (most, least significant)
 *   40    8   volume size in bytes
 *   48    4   chunk size in bytes (power of two, 4 KiB .. 1 MiB)
 *   52    4   flags: bit 0 = on-full drop-oldest
 *   56    8   exception tree root page (0 = empty)
 *   64    8   exception tree entry count
 *   72    8   snapshot tree root page (0 = empty)
 *   80    8   snapshot tree entry count
 *   88    8   next snapshot ID (IDs are never reused)
 *   96    8   store end: pages [0, end) have been allocated at some time
 *  104    8   first free-list page (0 = no free space recorded)
 *  112    8   creation time, epoch milliseconds
 *  120    8   store capacity limit in pages (0 = none)
 *  128    8   mirror page: where every commit's superblock is also written (version 2)
 *  136    8   reserved, zero
 *  144    2   origin path length L (0 = the origin file inside the volume), L &le; 3900
 *  146    L   origin path, UTF-8
 * 4092    4   crc32c of bytes [0, 4092)
 * </pre>
 *
 * <p>Where the copies live and which one an open believes is {@link Superblocks}' business: each
 * commit writes its superblock to the mirror page, then to slot {@code seq % 2} (page 0 or 1).
 */
public record Superblock(
    long seq,
    UUID uuid,
    long volumeSize,
    int chunkSize,
    int flags,
    long exceptionRoot,
    long exceptionCount,
    long snapshotRoot,
    long snapshotCount,
    long nextSnapshotId,
    long storeEnd,
    long freeListHead,
    long created,
    long capacityPages,
    long mirrorPage,
    String originPath) {

  public static final int FORMAT_VERSION = 2;
  /** The version before the mirror copy; still read, and upgraded at the first writable open. */
  public static final int LEGACY_VERSION = 1;
  /** Where a store created by this version keeps its mirror copy (the first data page). */
  public static final long NEW_STORE_MIRROR_PAGE = Pages.FIRST_DATA_PAGE;
  static final int MIRROR_OFFSET = 128;
  static final int PATH_OFFSET = 144;
  static final int LEGACY_PATH_OFFSET = 128;
  static final int CRC_OFFSET = Pages.PAGE_SIZE - 4;
  public static final int FLAG_DROP_OLDEST = 1;
  static final byte[] MAGIC = "DSNAPSB1".getBytes(StandardCharsets.US_ASCII);
  /** Length of the magic that starts every superblock page. */
  public static final int MAGIC_BYTES = 8;

  /** Whether {@code first} (the first {@link #MAGIC_BYTES} bytes of a page) is a superblock's magic. */
  public static boolean isMagic(byte[] first) {
    return java.util.Arrays.equals(first, MAGIC);
  }
  static final int MAX_ORIGIN_PATH = 3900;
  public static final int MIN_CHUNK = 4096;
  public static final int MAX_CHUNK = 1 << 20;

  public static long pageOf(long seq) {
    return seq & 1;
  }

  public Superblock withSeq(long s) {
    return new Superblock(s, uuid, volumeSize, chunkSize, flags, exceptionRoot, exceptionCount, snapshotRoot,
        snapshotCount, nextSnapshotId, storeEnd, freeListHead, created, capacityPages, mirrorPage, originPath);
  }

  public Superblock withMirror(long page) {
    return new Superblock(seq, uuid, volumeSize, chunkSize, flags, exceptionRoot, exceptionCount, snapshotRoot,
        snapshotCount, nextSnapshotId, storeEnd, freeListHead, created, capacityPages, page, originPath);
  }

  /** Whether this superblock names a mirror page (version 1 stores have none until upgraded). */
  public boolean hasMirror() {
    return mirrorPage != 0;
  }

  public ByteBuffer encode() {
    byte[] path = originPath.getBytes(StandardCharsets.UTF_8);
    if (path.length > MAX_ORIGIN_PATH) {
      throw new IllegalArgumentException("origin path longer than " + MAX_ORIGIN_PATH + " bytes");
    }
    ByteBuffer b = Pages.newPage();
    b.put(MAGIC);
    b.putInt(FORMAT_VERSION);
    b.putInt(Pages.PAGE_SIZE);
    b.putLong(seq);
    b.putLong(uuid.getMostSignificantBits());
    b.putLong(uuid.getLeastSignificantBits());
    b.putLong(volumeSize);
    b.putInt(chunkSize);
    b.putInt(flags);
    b.putLong(exceptionRoot);
    b.putLong(exceptionCount);
    b.putLong(snapshotRoot);
    b.putLong(snapshotCount);
    b.putLong(nextSnapshotId);
    b.putLong(storeEnd);
    b.putLong(freeListHead);
    b.putLong(created);
    b.putLong(capacityPages);
    b.putLong(MIRROR_OFFSET, mirrorPage);
    b.putShort(PATH_OFFSET, (short) path.length);
    b.put(PATH_OFFSET + 2, path);
    b.putInt(CRC_OFFSET, Pages.crc(b, 0, CRC_OFFSET));
    b.clear();
    return b;
  }

  /** Decodes and validates a superblock of either version; names the first bad field. */
  public static Superblock decode(ByteBuffer b, String where) throws CorruptionException {
    String at = where + " superblock: ";
    if (b.getInt(CRC_OFFSET) != Pages.crc(b, 0, CRC_OFFSET)) {
      throw new CorruptionException(at + "checksum mismatch");
    }
    byte[] magic = new byte[8];
    b.get(0, magic);
    if (!java.util.Arrays.equals(magic, MAGIC)) {
      throw new CorruptionException(at + "bad magic (not a deltasnap store)");
    }
    int version = b.getInt(8);
    if (version != FORMAT_VERSION && version != LEGACY_VERSION) {
      throw new CorruptionException(at + "format version " + version + " is not supported (expected "
          + LEGACY_VERSION + " or " + FORMAT_VERSION + ")");
    }
    if (b.getInt(12) != Pages.PAGE_SIZE) {
      throw new CorruptionException(at + "page size " + b.getInt(12) + ", expected " + Pages.PAGE_SIZE);
    }
    long seq = b.getLong(16);
    if (seq < 0) {
      throw new CorruptionException(at + "sequence " + seq + " out of bounds");
    }
    UUID uuid = new UUID(b.getLong(24), b.getLong(32));
    long size = b.getLong(40);
    int chunk = b.getInt(48);
    if (chunk < MIN_CHUNK || chunk > MAX_CHUNK || Integer.bitCount(chunk) != 1) {
      throw new CorruptionException(at + "chunk size " + chunk + " out of bounds");
    }
    if (size <= 0) {
      throw new CorruptionException(at + "volume size " + size + " out of bounds");
    }
    long storeEnd = b.getLong(96);
    if (storeEnd < Pages.FIRST_DATA_PAGE) {
      throw new CorruptionException(at + "store end " + storeEnd + " out of bounds");
    }
    long mirror = version == LEGACY_VERSION ? 0 : b.getLong(MIRROR_OFFSET);
    if (version == FORMAT_VERSION && mirror == 0) {
      throw new CorruptionException(at + "no mirror page recorded");
    }
    long[] pages = {b.getLong(56), b.getLong(72), b.getLong(104), mirror};
    for (long p : pages) {
      if (p != 0 && (p < Pages.FIRST_DATA_PAGE || p >= storeEnd)) {
        throw new CorruptionException(at + "page " + p + " named by the superblock lies outside the store [2, "
            + storeEnd + ")");
      }
    }
    long excCount = b.getLong(64);
    long snapCount = b.getLong(80);
    if (excCount < 0 || snapCount < 0) {
      throw new CorruptionException(at + "tree entry counts " + excCount + ", " + snapCount + " out of bounds");
    }
    int pathAt = version == LEGACY_VERSION ? LEGACY_PATH_OFFSET : PATH_OFFSET;
    int plen = b.getShort(pathAt) & 0xffff;
    if (plen > MAX_ORIGIN_PATH) {
      throw new CorruptionException(at + "origin path length " + plen + " out of bounds");
    }
    byte[] path = new byte[plen];
    b.get(pathAt + 2, path);
    long nextId = b.getLong(88);
    if (nextId < 1) {
      throw new CorruptionException(at + "next snapshot ID " + nextId + " out of bounds");
    }
    return new Superblock(seq, uuid, size, chunk, b.getInt(52), pages[0], excCount, pages[1], snapCount,
        nextId, storeEnd, pages[2], b.getLong(112), b.getLong(120), mirror, Utf8.decode(path, at + "origin path"));
  }
}
