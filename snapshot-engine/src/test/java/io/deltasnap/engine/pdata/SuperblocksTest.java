package io.deltasnap.engine.pdata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.deltasnap.engine.CorruptionException;
import io.deltasnap.engine.io.BlockFile;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The superblock codec (both versions) and the rules that choose among its three copies. */
class SuperblocksTest {
  static final UUID ID = UUID.fromString("5f0c6a3e-1b2d-4c5e-8f90-a1b2c3d4e5f6");

  static Superblock sb(long seq) {
    return new Superblock(seq, ID, 1 << 20, 4096, 0, 0, 0, 0, 0, 7, 10, 0, 1234, 0,
        Superblock.NEW_STORE_MIRROR_PAGE, "/dev/sdz");
  }

  /** A store image of 10 pages holding the given copies (null = garbage) in slot 0, 1, mirror. */
  static Pages store(Superblock s0, Superblock s1, Superblock mirror) throws IOException {
    Pages p = new Pages(new ArrayFile(10 * Pages.PAGE_SIZE), "test");
    Superblock[] at = {s0, s1, mirror};
    for (int i = 0; i < 3; i++) {
      ByteBuffer b = at[i] == null ? Pages.newPage().put(0, (byte) 1) : at[i].encode();
      p.writePage(i, b);
    }
    return p;
  }

  @Test
  void encodeDecodeRoundTripsBothVersions() throws IOException {
    Superblock s = sb(9);
    assertEquals(s, Superblock.decode(s.encode(), "t"));
    Superblock legacy = Superblock.decode(toVersion1(s.encode()), "t");
    assertEquals(s.withMirror(0), legacy);
    assertFalse(legacy.hasMirror());
  }

  @Test
  void decodeNamesTheBadField() {
    ByteBuffer b = sb(3).encode();
    b.putInt(48, 3000); // chunk size not a power of two
    b.putInt(Pages.PAGE_SIZE - 4, Pages.crc(b, 0, Pages.PAGE_SIZE - 4));
    CorruptionException e = assertThrows(CorruptionException.class, () -> Superblock.decode(b, "vol: page 1"));
    assertTrue(e.getMessage().contains("vol: page 1") && e.getMessage().contains("chunk size 3000"), e.getMessage());
    ByteBuffer c = sb(3).encode();
    c.putLong(128, 99); // mirror page past the store end
    c.putInt(Pages.PAGE_SIZE - 4, Pages.crc(c, 0, Pages.PAGE_SIZE - 4));
    assertTrue(assertThrows(CorruptionException.class, () -> Superblock.decode(c, "v")).getMessage()
        .contains("page 99"));
  }

  @Test
  void cleanStoreOpensTheNewestCommit() throws IOException {
    Superblocks.Choice c = Superblocks.read(store(sb(4), sb(5), sb(5)));
    assertEquals(5, c.chosen().seq());
    assertTrue(c.clean());
  }

  @Test
  void anyOneDamagedOrTornCopyStillOpensTheNewestCompletedCommit() throws IOException {
    assertEquals(5, Superblocks.read(store(sb(4), null, sb(5))).chosen().seq()); // newest slot damaged
    assertEquals(5, Superblocks.read(store(null, sb(5), sb(5))).chosen().seq()); // older slot damaged
    assertEquals(5, Superblocks.read(store(sb(4), sb(5), null)).chosen().seq()); // mirror damaged
    // torn mirror write of commit 6: 6 never completed
    assertEquals(5, Superblocks.read(store(sb(4), sb(5), null)).chosen().seq());
    // torn slot write of commit 6 after its mirror was durable: 6 is kept
    Superblocks.Choice torn = Superblocks.read(store(null, sb(5), sb(6)));
    assertEquals(6, torn.chosen().seq());
    assertFalse(torn.clean());
    // crash between the mirror and the slot of commit 6
    assertEquals(6, Superblocks.read(store(sb(4), sb(5), sb(6))).chosen().seq());
  }

  @Test
  void twoDamagedCopiesAreRefusedWithTheOlderCommitOfferedAsRollback() throws IOException {
    Superblocks.Choice c = Superblocks.read(store(sb(4), null, null));
    assertNull(c.chosen());
    assertEquals(4, c.rollback().seq());
    assertTrue(c.refusal().contains("page 1") && c.refusal().contains("page 2"), c.refusal());
    Superblocks.Choice none = Superblocks.read(store(null, null, null));
    assertNull(none.chosen());
    assertNull(none.rollback());
    assertTrue(none.refusal().contains("no valid superblock"), none.refusal());
  }

  @Test
  void bothSlotsDamagedOpenFromTheMirror() throws IOException {
    assertEquals(5, Superblocks.read(store(null, null, sb(5))).chosen().seq());
  }

  @Test
  void aCopyInTheWrongSlotIsAMisdirectedWrite() throws IOException {
    Superblocks.Choice c = Superblocks.read(store(sb(5), sb(5), sb(5)));
    assertEquals(5, c.chosen().seq());
    assertFalse(c.clean());
    assertTrue(c.damaged().toString().contains("misdirected"), c.damaged().toString());
  }

  @Test
  void aVersion1StoreOpensItsNewerSlotAsBefore() throws IOException {
    Pages p = store(null, null, null);
    p.writePage(0, toVersion1(sb(4).encode()));
    p.writePage(1, toVersion1(sb(5).encode()));
    Superblocks.Choice c = Superblocks.read(p);
    assertTrue(c.legacy());
    assertEquals(5, c.chosen().seq());
  }

  /** Rewrites a version-2 superblock as version 1 wrote it: no mirror, origin path at 128. */
  static ByteBuffer toVersion1(ByteBuffer v2) {
    byte[] b = new byte[Pages.PAGE_SIZE];
    v2.get(0, b);
    ByteBuffer out = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    int len = out.getShort(144) & 0xffff;
    byte[] path = Arrays.copyOfRange(b, 146, 146 + len);
    Arrays.fill(b, 128, 146 + len, (byte) 0);
    out.putInt(8, 1);
    out.putShort(128, (short) len);
    out.put(130, path);
    out.putInt(Pages.PAGE_SIZE - 4, Pages.crc(out, 0, Pages.PAGE_SIZE - 4));
    return out;
  }

  /** A plain in-memory block file (durability is MemBlockFile's subject, not this test's). */
  static final class ArrayFile implements BlockFile {
    private byte[] data;

    ArrayFile(int size) {
      data = new byte[size];
    }

    @Override
    public void read(long pos, ByteBuffer dst) throws IOException {
      if (pos + dst.remaining() > data.length) {
        throw new EOFException();
      }
      dst.put(data, (int) pos, dst.remaining());
    }

    @Override
    public void write(long pos, ByteBuffer src) {
      int n = src.remaining();
      if (pos + n > data.length) {
        data = Arrays.copyOf(data, (int) pos + n);
      }
      src.get(data, (int) pos, n);
    }

    @Override
    public void sync() {}

    @Override
    public long size() {
      return data.length;
    }

    @Override
    public void truncate(long size) {
      data = Arrays.copyOf(data, (int) size);
    }

    @Override
    public void close() {}
  }
}
