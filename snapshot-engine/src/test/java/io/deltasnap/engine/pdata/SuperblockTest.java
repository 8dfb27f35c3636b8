package io.deltasnap.engine.pdata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.deltasnap.engine.CorruptionException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * The superblock codec field by field: its layout is the table atop {@link Superblock}, every
 * field round-trips at its bounds, and a field out of its bounds is refused by name, behind a
 * checksum that catches any flipped byte first. (Choosing among the copies: SuperblocksTest.)
 */
class SuperblockTest {
  static final UUID ID = UUID.fromString("5f0c6a3e-1b2d-4c5e-8f90-a1b2c3d4e5f6");

  static Superblock sb(int chunk, String origin) {
    return new Superblock(77, ID, 1L << 40, chunk, Superblock.FLAG_DROP_OLDEST, 5, 1000, 6, 20, 21, 900, 7,
        1735689600000L, 4096, Superblock.NEW_STORE_MIRROR_PAGE, origin);
  }

  @Test
  void everyFieldRoundTripsAtItsBounds() throws CorruptionException {
    String longest = "é".repeat(Superblock.MAX_ORIGIN_PATH / 2); // 3900 UTF-8 bytes
    assertEquals(Superblock.MAX_ORIGIN_PATH, longest.getBytes(StandardCharsets.UTF_8).length);
    Superblock[] all = {sb(Superblock.MIN_CHUNK, ""), sb(Superblock.MAX_CHUNK, longest), sb(65536, "/dev/vg0/origin"),
        new Superblock(Long.MAX_VALUE, new UUID(-1, -1), Long.MAX_VALUE, 4096, 0, 0, 0, 0, 0, Long.MAX_VALUE,
            Long.MAX_VALUE, 0, Long.MIN_VALUE, Long.MAX_VALUE, Long.MAX_VALUE - 1, "")};
    for (Superblock s : all) {
      assertEquals(s, Superblock.decode(s.encode(), "t"));
    }
  }

  @Test
  void anOriginPathLongerThanTheFieldIsRefusedAtEncode() {
    Superblock s = sb(4096, "x".repeat(Superblock.MAX_ORIGIN_PATH + 1));
    assertThrows(IllegalArgumentException.class, s::encode);
  }

  @Test
  void theLayoutIsTheTableAtopTheSuperblock() {
    ByteBuffer b = sb(65536, "/o").encode();
    byte[] magic = new byte[8];
    b.get(0, magic);
    assertEquals("DSNAPSB1", new String(magic, StandardCharsets.US_ASCII));
    assertEquals(Superblock.FORMAT_VERSION, b.getInt(8));
    assertEquals(Pages.PAGE_SIZE, b.getInt(12));
    assertEquals(77, b.getLong(16));
    assertEquals(ID.getMostSignificantBits(), b.getLong(24));
    assertEquals(ID.getLeastSignificantBits(), b.getLong(32));
    assertEquals(1L << 40, b.getLong(40));
    assertEquals(65536, b.getInt(48));
    assertEquals(Superblock.FLAG_DROP_OLDEST, b.getInt(52));
    long[] at56 = {5, 1000, 6, 20, 21, 900, 7, 1735689600000L, 4096, Superblock.NEW_STORE_MIRROR_PAGE, 0};
    for (int i = 0; i < at56.length; i++) {
      assertEquals(at56[i], b.getLong(56 + 8 * i), "the u64 at " + (56 + 8 * i));
    }
    assertEquals(2, b.getShort(144));
    assertEquals('/', b.get(146));
    assertEquals('o', b.get(147));
    assertEquals(0, b.get(148));
    assertEquals(Pages.crc(b, 0, Pages.PAGE_SIZE - 4), b.getInt(Pages.PAGE_SIZE - 4));
  }

  @Test
  void anyFlippedByteIsRefusedByTheChecksum() {
    ByteBuffer good = sb(4096, "/dev/sdz").encode();
    for (int i = 0; i < Pages.PAGE_SIZE; i += (i < 200 ? 1 : 97)) {
      ByteBuffer b = Pages.newPage().put(good.duplicate()).clear();
      b.put(i, (byte) (b.get(i) ^ 0x01));
      CorruptionException e = assertThrows(CorruptionException.class, () -> Superblock.decode(b, "vol: page 0"), "byte " + i);
      assertEquals("vol: page 0 superblock: checksum mismatch", e.getMessage());
    }
  }

  @Test
  void aFieldOutOfItsBoundsIsRefusedByName() {
    refused(b -> b.put(0, (byte) 'X'), "bad magic (not a deltasnap store)");
    refused(b -> b.putInt(8, 3), "format version 3 is not supported (expected 1 or 2)");
    refused(b -> b.putInt(12, 8192), "page size 8192, expected 4096");
    refused(b -> b.putLong(16, -1), "sequence -1 out of bounds");
    refused(b -> b.putInt(48, Superblock.MIN_CHUNK / 2), "chunk size 2048 out of bounds");
    refused(b -> b.putInt(48, Superblock.MAX_CHUNK * 2), "chunk size 2097152 out of bounds");
    refused(b -> b.putInt(48, 12288), "chunk size 12288 out of bounds");
    refused(b -> b.putLong(40, 0), "volume size 0 out of bounds");
    refused(b -> b.putLong(96, 1), "store end 1 out of bounds");
    refused(b -> b.putLong(128, 0), "no mirror page recorded");
    refused(b -> b.putLong(56, 900), "page 900 named by the superblock lies outside the store [2, 900)");
    refused(b -> b.putLong(72, 1), "page 1 named by the superblock lies outside the store [2, 900)");
    refused(b -> b.putLong(104, 5000), "page 5000 named by the superblock");
    refused(b -> b.putLong(64, -1), "tree entry counts -1, 20 out of bounds");
    refused(b -> b.putLong(80, -2), "tree entry counts 1000, -2 out of bounds");
    refused(b -> b.putShort(144, (short) (Superblock.MAX_ORIGIN_PATH + 1)), "origin path length 3901 out of bounds");
    refused(b -> b.putLong(88, 0), "next snapshot ID 0 out of bounds");
  }

  @Test
  void theLastPageOfTheStoreIsOneARootMayName() throws CorruptionException {
    ByteBuffer b = sb(4096, "").encode();
    b.putLong(56, 899); // store end 900: page 899 is the last allocated one
    b.putInt(Pages.PAGE_SIZE - 4, Pages.crc(b, 0, Pages.PAGE_SIZE - 4));
    assertEquals(899, Superblock.decode(b, "t").exceptionRoot());
  }

  static void refused(Consumer<ByteBuffer> damage, String what) {
    ByteBuffer b = sb(4096, "/dev/sdz").encode();
    damage.accept(b);
    b.putInt(Pages.PAGE_SIZE - 4, Pages.crc(b, 0, Pages.PAGE_SIZE - 4));
    CorruptionException e = assertThrows(CorruptionException.class, () -> Superblock.decode(b, "vol: page 1"), what);
    assertTrue(e.getMessage().startsWith("vol: page 1 superblock: " + what), e.getMessage());
  }
}
