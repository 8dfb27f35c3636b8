package io.deltasnap.engine;

import io.deltasnap.engine.pdata.Utf8;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * A snapshot as the user sees it. {@code epoch} is the commit sequence in which it was taken:
 * every exception that concerns it was born after that epoch.
 *
 * <p>Value layout in the snapshot tree (key = (id, 0)), little-endian:
 * <pre>
 * offset size field
 *    0   16   UUID (most, least significant)
 *   16    8   creation time, epoch milliseconds
 *   24    8   epoch (commit sequence that created it)
 *   32    1   flags: 1 = writable, 2 = deleted (space not yet reclaimed), 4 = staging (not visible)
 *   33    2   name length N (≤ 255)
 *   35    N   name, UTF-8
 * </pre>
 */
public record SnapshotInfo(long id, UUID uuid, String name, long created, long epoch, boolean writable,
    int state) {
  public static final int LIVE = 0;
  public static final int DELETED = 2;
  public static final int STAGING = 4;
  static final int FLAG_WRITABLE = 1;
  public static final int MAX_NAME_BYTES = 255;
  /**
   * The largest snapshot ID. IDs only ever grow on a volume (ranged exception keys rely on it) and
   * the next one is {@code id + 1}, so the top of the {@code long} range is never handed out.
   */
  public static final long MAX_ID = Long.MAX_VALUE - 1;

  public boolean live() {
    return state == LIVE;
  }

  SnapshotInfo withState(int s) {
    return new SnapshotInfo(id, uuid, name, created, epoch, writable, s);
  }

  byte[] encode() {
    byte[] nb = name.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(35 + nb.length).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(uuid.getMostSignificantBits()).putLong(uuid.getLeastSignificantBits());
    b.putLong(created).putLong(epoch);
    b.put((byte) ((writable ? FLAG_WRITABLE : 0) | state));
    b.putShort((short) nb.length).put(nb);
    return b.array();
  }

  static SnapshotInfo decode(long id, byte[] v, String where) throws CorruptionException {
    if (v.length < 35) {
      throw new CorruptionException(where + ": snapshot " + id + " record is " + v.length + " bytes, expected ≥ 35");
    }
    ByteBuffer b = ByteBuffer.wrap(v).order(ByteOrder.LITTLE_ENDIAN);
    UUID u = new UUID(b.getLong(), b.getLong());
    long created = b.getLong();
    long epoch = b.getLong();
    int flags = b.get() & 0xff;
    int nlen = b.getShort() & 0xffff;
    if (nlen > MAX_NAME_BYTES || 35 + nlen != v.length || (flags & ~7) != 0) {
      throw new CorruptionException(where + ": snapshot " + id + " record malformed (name length " + nlen
          + ", flags " + flags + ")");
    }
    byte[] nb = new byte[nlen];
    b.get(nb);
    return new SnapshotInfo(id, u, Utf8.decode(nb, where + ": snapshot " + id + " name"), created, epoch,
        (flags & FLAG_WRITABLE) != 0, flags & ~FLAG_WRITABLE);
  }
}
