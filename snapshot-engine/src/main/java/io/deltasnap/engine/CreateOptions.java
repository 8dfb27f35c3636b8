package io.deltasnap.engine;

/**
 * How to create a volume.
 *
 * @param size       volume size in bytes (> 0)
 * @param chunkSize  power of two, 4 KiB .. 1 MiB
 * @param originPath an existing file or block device to use as the origin, or "" for a file
 *                   inside the volume
 * @param dropOldest when the store is full, delete the oldest snapshots instead of refusing writes
 * @param cacheBytes metadata cache budget
 * @param uuid       the volume's UUID, or null for a new one (a replica takes its source's)
 */
public record CreateOptions(long size, int chunkSize, String originPath, boolean dropOldest, long cacheBytes,
    java.util.UUID uuid) {
  public static final int DEFAULT_CHUNK = 64 * 1024;

  public static CreateOptions of(long size) {
    return new CreateOptions(size, DEFAULT_CHUNK, "", false, io.deltasnap.engine.pdata.NodeCache.DEFAULT_BYTES, null);
  }

  public CreateOptions withChunkSize(int c) {
    return new CreateOptions(size, c, originPath, dropOldest, cacheBytes, uuid);
  }

  public CreateOptions withOrigin(String p) {
    return new CreateOptions(size, chunkSize, p, dropOldest, cacheBytes, uuid);
  }

  public CreateOptions withUuid(java.util.UUID u) {
    return new CreateOptions(size, chunkSize, originPath, dropOldest, cacheBytes, u);
  }

  public CreateOptions withCacheBytes(long b) {
    return new CreateOptions(size, chunkSize, originPath, dropOldest, b, uuid);
  }
}
