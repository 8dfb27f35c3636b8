package io.deltasnap.engine.pdata;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.deltasnap.engine.CorruptionException;
import java.nio.ByteBuffer;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * The node page codec on its own: what it encodes decodes to the same node, a full page is a
 * boundary it keeps, and every damaged field of its table is refused naming the page and the field.
 */
class NodeCodecTest {
  static final int TREE = 1;
  static final long PAGE = 77;
  static final String WHERE = "store: exceptions root";

  static Node leaf(int n, int valueBytes) {
    Node x = new Node(true, 0, TREE, Math.max(4, n));
    for (int i = 0; i < n; i++) {
      x.ka[i] = 10 + i / 3;
      x.kb[i] = i % 3 == 0 ? Long.MIN_VALUE : i % 3 == 1 ? 0 : Long.MAX_VALUE; // ordered by a, then b (signed)
      x.birth[i] = 1000L + i;
      byte[] v = new byte[valueBytes];
      for (int k = 0; k < v.length; k++) {
        v[k] = (byte) (i * 31 + k);
      }
      x.vals[i] = v;
      x.bytes += NodeCodec.LEAF_ENTRY_FIXED + valueBytes;
    }
    x.n = n;
    return x;
  }

  /** A leaf whose last value ends exactly at the page end: 28 + 8 × 26 + 7 × 512 + 276 = 4096. */
  static Node fullLeaf() {
    Node x = leaf(8, NodeCodec.MAX_VALUE);
    x.vals[7] = new byte[Pages.PAGE_SIZE - NodeCodec.HEADER_BYTES - 8 * NodeCodec.LEAF_ENTRY_FIXED - 7 * NodeCodec.MAX_VALUE];
    x.bytes = Pages.PAGE_SIZE;
    return x;
  }

  static Node internal(int level, int n) {
    Node x = new Node(false, level, TREE, Math.max(4, n));
    for (int i = 0; i < n; i++) {
      x.ka[i] = i * 100L;
      x.kb[i] = 5;
      x.child[i] = Pages.FIRST_DATA_PAGE + i;
      x.birth[i] = 40L + i;
      x.bytes += NodeCodec.INTERNAL_ENTRY;
    }
    x.n = n;
    return x;
  }

  static void assertSameNode(Node want, Node got) {
    assertEquals(want.leaf, got.leaf);
    assertEquals(want.level, got.level);
    assertEquals(want.treeId, got.treeId);
    assertEquals(want.n, got.n);
    assertEquals(want.bytes, got.bytes, "serialized size");
    for (int i = 0; i < want.n; i++) {
      assertEquals(want.ka[i], got.ka[i], "a of entry " + i);
      assertEquals(want.kb[i], got.kb[i], "b of entry " + i);
      assertEquals(want.birth[i], got.birth[i], "birth of entry " + i);
      if (want.leaf) {
        assertArrayEquals(want.vals[i], got.vals[i], "value of entry " + i);
      } else {
        assertEquals(want.child[i], got.child[i], "child of entry " + i);
      }
    }
  }

  @Test
  void leavesAndInternalNodesSurviveEncodeAndDecode() throws CorruptionException {
    for (Node x : new Node[] {leaf(0, 0), leaf(1, 0), leaf(7, 24), leaf(2, NodeCodec.MAX_VALUE), internal(1, 1),
        internal(NodeCodec.MAX_LEVEL, 9)}) {
      ByteBuffer b = NodeCodec.encode(x, PAGE, 5);
      assertEquals(Pages.PAGE_SIZE, b.remaining());
      Node back = NodeCodec.decode(b, PAGE, TREE, -1, WHERE);
      assertSameNode(x, back);
      assertEquals(PAGE, back.page, "a decoded node is clean at its page");
      assertEquals(5, b.getLong(20), "the commit sequence that wrote it");
      assertEquals(0, b.get(11), "reserved byte");
    }
  }

  @Test
  void theLayoutIsTheTableAtopTheCodec() {
    Node x = leaf(1, 3);
    ByteBuffer b = NodeCodec.encode(x, PAGE, 9);
    assertEquals(0x5442, b.getShort(4));
    assertEquals(NodeCodec.KIND_LEAF, b.get(6));
    assertEquals(0, b.get(7));
    assertEquals(1, b.getShort(8));
    assertEquals(TREE, b.get(10));
    assertEquals(PAGE, b.getLong(12));
    assertEquals(9, b.getLong(20));
    assertEquals(x.ka[0], b.getLong(28));
    assertEquals(x.kb[0], b.getLong(36));
    assertEquals(x.birth[0], b.getLong(44));
    assertEquals(3, b.getShort(52));
    assertEquals(x.vals[0][2], b.get(56));
    for (int i = 57; i < Pages.PAGE_SIZE; i++) {
      assertEquals(0, b.get(i), "the rest of the page is zero, byte " + i);
    }
    assertEquals(Pages.crc(b, 4, Pages.PAGE_SIZE - 4), b.getInt(0));
  }

  @Test
  void aPageFullToItsLastByteDecodes() throws CorruptionException {
    // value-less leaves top out at (4096 - 28) / 26 = 156 entries, internal nodes at (4096 - 28) / 32 = 127
    int maxLeaf = (Pages.PAGE_SIZE - NodeCodec.HEADER_BYTES) / NodeCodec.LEAF_ENTRY_FIXED;
    int maxInternal = (Pages.PAGE_SIZE - NodeCodec.HEADER_BYTES) / NodeCodec.INTERNAL_ENTRY;
    assertEquals(156, maxLeaf);
    assertEquals(127, maxInternal);
    assertSameNode(leaf(maxLeaf, 0), NodeCodec.decode(NodeCodec.encode(leaf(maxLeaf, 0), PAGE, 1), PAGE, TREE, -1, WHERE));
    assertSameNode(internal(2, maxInternal),
        NodeCodec.decode(NodeCodec.encode(internal(2, maxInternal), PAGE, 1), PAGE, TREE, 2, WHERE));
    Node exact = fullLeaf();
    assertEquals(276, exact.vals[7].length, "the test's own arithmetic");
    assertSameNode(exact, NodeCodec.decode(NodeCodec.encode(exact, PAGE, 1), PAGE, TREE, -1, WHERE));
  }

  @Test
  void everyFlippedByteOfAnEncodedNodeIsRefusedByItsChecksum() {
    ByteBuffer good = NodeCodec.encode(leaf(5, 40), PAGE, 3);
    for (int i = 0; i < Pages.PAGE_SIZE; i += (i < 400 ? 1 : 61)) {
      ByteBuffer b = copy(good);
      b.put(i, (byte) (b.get(i) ^ 0x10));
      CorruptionException e = assertThrows(CorruptionException.class, () -> NodeCodec.decode(b, PAGE, TREE, -1, WHERE),
          "byte " + i);
      assertEquals(WHERE + " page " + PAGE + ": checksum mismatch", e.getMessage().replaceAll(" \\(stored.*", ""));
    }
  }

  @Test
  void eachDamagedHeaderFieldIsRefusedNamingThePageAndTheField() {
    refused(leaf(2, 8), b -> b.putShort(4, (short) 0x4254), "bad magic 4254, expected 5442");
    refused(leaf(2, 8), b -> b.put(6, (byte) 3), "unknown node kind 3");
    refused(leaf(2, 8), b -> b.put(7, (byte) 1), "level 1 does not fit kind 1");
    refused(internal(1, 2), b -> b.put(7, (byte) 0), "level 0 does not fit kind 2");
    refused(internal(1, 2), b -> b.put(7, (byte) (NodeCodec.MAX_LEVEL + 1)), "level 33 does not fit kind 2");
    refused(leaf(2, 8), b -> b.putShort(8, (short) 157), "nr_entries 157 > max_entries 156");
    refused(internal(1, 2), b -> b.putShort(8, (short) 128), "nr_entries 128 > max_entries 127");
    refused(leaf(2, 8), b -> b.put(10, (byte) 2), "belongs to tree 2, expected 1");
    refused(leaf(2, 8), b -> b.putLong(12, PAGE + 1), "written for page 78 (misdirected write)");
  }

  @Test
  void damagedEntriesAreRefusedNamingTheEntry() {
    // entry 1 of a leaf starts at 28 + 26 + 8 = 62
    refused(leaf(3, 8), b -> b.putLong(62, 0), "keys out of order at entry 1");
    refused(leaf(3, 8), b -> b.putLong(62 + 8, b.getLong(28 + 8)).putLong(62, b.getLong(28)),
        "keys out of order at entry 1");
    refused(leaf(3, 8), b -> b.putShort(62 + 24, (short) (NodeCodec.MAX_VALUE + 1)), "entry 1 value length 513 out of bounds");
    // a value length within its bound that runs past the page, and an entry that starts past it:
    // the last entry of a full page starts at 28 + 7 × 538 = 3794, its value length at 3818
    refused(fullLeaf(), b -> b.putShort(3818, (short) 277), "entry 7 value length 277 out of bounds");
    refused(fullLeaf(), b -> b.putShort(8, (short) 9), "entry 8 runs past the page end");
    refused(internal(1, 3), b -> b.putLong(28 + 32 + 16, 1), "entry 1 points at reserved page 1");
  }

  @Test
  void theLevelAParentImpliesIsHeldAgainstTheChild() throws CorruptionException {
    ByteBuffer b = NodeCodec.encode(internal(3, 2), PAGE, 1);
    NodeCodec.decode(copy(b), PAGE, TREE, 3, WHERE);
    CorruptionException e = assertThrows(CorruptionException.class, () -> NodeCodec.decode(copy(b), PAGE, TREE, 2, WHERE));
    assertEquals(WHERE + " page 77: level 3, parent expects 2", e.getMessage());
  }

  /** {@code damage} applied to the encoded node, with its checksum made valid again, is refused with {@code what}. */
  static void refused(Node x, Consumer<ByteBuffer> damage, String what) {
    ByteBuffer b = NodeCodec.encode(x, PAGE, 1);
    damage.accept(b);
    b.putInt(0, Pages.crc(b, 4, Pages.PAGE_SIZE - 4));
    CorruptionException e = assertThrows(CorruptionException.class, () -> NodeCodec.decode(b, PAGE, TREE, -1, WHERE), what);
    assertTrue(e.getMessage().startsWith(WHERE + " page " + PAGE + ": " + what), e.getMessage());
  }

  static ByteBuffer copy(ByteBuffer b) {
    ByteBuffer c = Pages.newPage();
    c.put(b.duplicate().clear());
    return c.clear();
  }
}
