package io.deltasnap.engine.pdata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.deltasnap.engine.CorruptionException;
import io.deltasnap.engine.io.FileBlockFile;
import io.deltasnap.testsupport.SeedCorpus;
import io.deltasnap.testsupport.UntrustedInput;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Coverage-guided fuzz targets for the store's own decoders, which read a disk that may be
 * damaged: the superblock, a B-tree node page, and the free-list chain (read from a real file).
 * Each target is thin on purpose: it calls the decoder's entry point on a page the fuzzer wrote,
 * once as written and once with its checksum made valid, so the field checks behind the CRC are
 * reached too.
 *
 * <p>Asserts that only {@link CorruptionException} escapes (never an index or argument error), that
 * one page allocates a bounded amount of heap, and that what decodes re-encodes stably.
 */
class StoreDecodersFuzzTest {
    private static final UntrustedInput PAGE = UntrustedInput.refusedOnlyBy(UntrustedInput.FIRST_USE_BYTES, CorruptionException.class);
    private static final int CHAIN_PAGES = 6;
    private static Path storeFile;

    @BeforeAll
    static void setUp() throws IOException {
        storeFile = Files.createTempFile("fuzz-", ".store");
    }

    @AfterAll
    static void tearDown() throws IOException {
        Files.deleteIfExists(storeFile);
    }

    @FuzzTest
    void anySuperblockPageIsDecodedAndReEncodesStablyOrIsRefusedAsCorrupt(byte[] input) {
        for (ByteBuffer page : asWrittenAndResealed(input, Pages.PAGE_SIZE - 4, 0, Pages.PAGE_SIZE - 4)) {
            PAGE.parse("superblock", () -> Superblock.decode(page, "fuzz")).ifPresent(sb -> {
                if (!sb.hasMirror()) {
                    return; // a version-1 page: read for the upgrade, never written again
                }
                Superblock again = PAGE.parse("re-encoded superblock", () -> Superblock.decode(sb.encode(), "fuzz"))
                        .orElseThrow(() -> new AssertionError("a decoded superblock re-encodes to a page it refuses: " + sb));
                assertEquals(sb, again, "a decoded superblock re-encodes to itself");
            });
        }
    }

    @FuzzTest
    void anyNodePageIsDecodedAndReEncodesStablyOrIsRefusedAsCorrupt(FuzzedDataProvider data) {
        int treeId = data.consumeInt(1, 2);
        int expectLevel = data.consumeInt(-1, NodeCodec.MAX_LEVEL);
        long page = data.consumeLong(0, 1L << 40);
        byte[] bytes = data.consumeRemainingAsBytes();
        for (ByteBuffer b : asWrittenAndResealed(bytes, 0, 4, Pages.PAGE_SIZE - 4)) {
            PAGE.parse("node", () -> NodeCodec.decode(b, page, treeId, expectLevel, "fuzz")).ifPresent(x -> {
                ByteBuffer once = NodeCodec.encode(x, page, b.getLong(20));
                Node y = PAGE.parse("re-encoded node", () -> NodeCodec.decode(once.duplicate().order(ByteOrder.LITTLE_ENDIAN),
                        page, treeId, expectLevel, "fuzz")).orElseThrow(() -> new AssertionError("a decoded node re-encodes to a page it refuses"));
                assertEquals(once, NodeCodec.encode(y, page, b.getLong(20)), "a decoded node re-encodes stably");
            });
        }
    }

    @FuzzTest
    void anyFreeListChainIsLoadedWithinTheStoreOrIsRefusedAsCorrupt(byte[] input) throws IOException {
        int pages = Math.max(1, Math.min(CHAIN_PAGES, (input.length + Pages.PAGE_SIZE - 1) / Pages.PAGE_SIZE));
        long storeEnd = Pages.FIRST_DATA_PAGE + pages;
        ByteBuffer image = ByteBuffer.allocate((int) storeEnd * Pages.PAGE_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        image.put(Pages.PAGE_SIZE * (int) Pages.FIRST_DATA_PAGE, input, 0, Math.min(input.length, pages * Pages.PAGE_SIZE));
        for (int p = 0; p < pages; p++) { // checksums valid, so the fuzzer's links and extents are what is checked
            int at = (int) (Pages.FIRST_DATA_PAGE + p) * Pages.PAGE_SIZE;
            image.putInt(at, Pages.crc(image.array(), at + 4, Pages.PAGE_SIZE - 4));
        }
        Files.write(storeFile, image.array());
        try (FileBlockFile file = FileBlockFile.open(storeFile, false)) {
            Pages store = new Pages(file, "fuzz");
            SpaceMap space = new SpaceMap(storeEnd, 0);
            PAGE.parse("free list", () -> FreeList.load(store, Pages.FIRST_DATA_PAGE, storeEnd, space)).ifPresent(chain -> {
                assertTrue(chain.size() <= pages, "a chain of " + chain.size() + " pages in a store of " + pages);
                assertTrue(space.freePages() <= pages, "free pages " + space.freePages() + " in a store of " + pages);
            });
        }
    }

    private static List<Long> loadedChain(byte[] pages) throws IOException {
        ByteBuffer image = ByteBuffer.allocate((int) Pages.FIRST_DATA_PAGE * Pages.PAGE_SIZE + pages.length).order(ByteOrder.LITTLE_ENDIAN);
        image.put((int) Pages.FIRST_DATA_PAGE * Pages.PAGE_SIZE, pages);
        for (int at = (int) Pages.FIRST_DATA_PAGE * Pages.PAGE_SIZE; at < image.capacity(); at += Pages.PAGE_SIZE) {
            image.putInt(at, Pages.crc(image.array(), at + 4, Pages.PAGE_SIZE - 4));
        }
        Files.write(storeFile, image.array());
        try (FileBlockFile file = FileBlockFile.open(storeFile, false)) {
            return FreeList.load(new Pages(file, "seed"), Pages.FIRST_DATA_PAGE, image.capacity() / Pages.PAGE_SIZE,
                    new SpaceMap(image.capacity() / Pages.PAGE_SIZE, 0));
        }
    }

    /** The page as the fuzzer wrote it (zero-padded to a page) and with its CRC32C recomputed. */
    private static List<ByteBuffer> asWrittenAndResealed(byte[] input, int crcAt, int from, int length) {
        byte[] raw = Arrays.copyOf(input, Pages.PAGE_SIZE);
        byte[] sealed = raw.clone();
        ByteBuffer.wrap(sealed).order(ByteOrder.LITTLE_ENDIAN).putInt(crcAt, Pages.crc(sealed, from, length));
        return List.of(ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN), ByteBuffer.wrap(sealed).order(ByteOrder.LITTLE_ENDIAN));
    }

    @Test
    void aSuperblockWhoseOriginPathIsNotUtf8IsCorruptNotRewrittenLonger() {
        // found by fuzzing: 0xff bytes decoded as U+FFFD each, and the next commit could not encode the path
        ByteBuffer b = new Superblock(3, new UUID(1, 2), 1 << 20, 4096, 0, 0, 0, 0, 0, 1, 3, 0, 0, 0,
                Superblock.NEW_STORE_MIRROR_PAGE, "x".repeat(3000)).encode();
        for (int i = 0; i < 3000; i++) {
            b.put(Superblock.PATH_OFFSET + 2 + i, (byte) 0xff);
        }
        b.putInt(Pages.PAGE_SIZE - 4, Pages.crc(b, 0, Pages.PAGE_SIZE - 4));
        CorruptionException e = assertThrows(CorruptionException.class, () -> Superblock.decode(b, "store"));
        assertTrue(e.getMessage().contains("origin path is not valid UTF-8"), e.getMessage());
    }

    @Test
    void aFreeExtentWhoseLengthWouldWrapPastTheStoreEndIsCorrupt() throws IOException {
        // found by fuzzing: start + length overflowed to a negative end, and the bounds check passed
        ByteBuffer page = ByteBuffer.allocate(Pages.PAGE_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        freeListPage(page, 0, 2, 0, new long[][] {{2, Long.MAX_VALUE - 1}});
        CorruptionException e = assertThrows(CorruptionException.class, () -> loadedChain(page.array()));
        assertTrue(e.getMessage().contains("extent 0 (2+" + (Long.MAX_VALUE - 1) + ") out of order or bounds"), e.getMessage());
    }

    @Test
    void seedInputsArePagesTheStoreWrites() throws IOException {
        UUID u = new UUID(0x1111_2222_3333_4444L, 0x5555_6666_7777_8888L);
        Superblock sb = new Superblock(7, u, 8 << 20, 65536, Superblock.FLAG_DROP_OLDEST, 5, 12, 6, 2, 3, 9, 8,
                1735689600000L, 0, Superblock.NEW_STORE_MIRROR_PAGE, "/dev/vg0/origin");
        Map<String, byte[]> superblocks = new LinkedHashMap<>();
        superblocks.put("commit-7", bytes(sb.encode()));
        superblocks.put("version-1", bytes(SuperblocksTest.toVersion1(sb.encode())));
        superblocks.put("empty-store", bytes(new Superblock(1, u, 1 << 20, 4096, 0, 0, 0, 0, 0, 1, 3, 0, 0, 0,
                Superblock.NEW_STORE_MIRROR_PAGE, "").encode()));
        for (byte[] s : superblocks.values()) {
            assertTrue(Superblock.decode(ByteBuffer.wrap(s).order(ByteOrder.LITTLE_ENDIAN), "seed").seq() > 0);
            anySuperblockPageIsDecodedAndReEncodesStablyOrIsRefusedAsCorrupt(s);
        }
        SeedCorpus.check(StoreDecodersFuzzTest.class, "anySuperblockPageIsDecodedAndReEncodesStablyOrIsRefusedAsCorrupt", superblocks);

        SplittableRandom rnd = new SplittableRandom(14);
        Map<String, byte[]> nodes = new LinkedHashMap<>();
        for (int i = 0; i < 4; i++) {
            byte[] b = new byte[64 + 64 * i];
            rnd.nextBytes(b);
            nodes.put("random-" + i, b);
        }
        SeedCorpus.check(StoreDecodersFuzzTest.class, "anyNodePageIsDecodedAndReEncodesStablyOrIsRefusedAsCorrupt", nodes);

        // pages 2 and 3 hold the chain, 4 and 6 are free, 5 is in use: a store of 7 pages (5 given)
        ByteBuffer chain = ByteBuffer.allocate(5 * Pages.PAGE_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        freeListPage(chain, 0, 2, 3, new long[][] {{4, 1}});
        freeListPage(chain, Pages.PAGE_SIZE, 3, 0, new long[][] {{6, 1}});
        SeedCorpus.check(StoreDecodersFuzzTest.class, "anyFreeListChainIsLoadedWithinTheStoreOrIsRefusedAsCorrupt",
                Map.of("two-page-chain", chain.array()));
        anyFreeListChainIsLoadedWithinTheStoreOrIsRefusedAsCorrupt(chain.array());
        assertEquals(List.of(2L, 3L), loadedChain(chain.array()), "the seed chain is one the loader accepts");
    }

    /** A free-list page at {@code at} in {@code b}, laid out as FreeList's table says (CRC left to the target). */
    private static void freeListPage(ByteBuffer b, int at, long page, long next, long[][] extents) {
        b.putShort(at + 4, FreeList.MAGIC).putShort(at + 6, (short) extents.length).putLong(at + 8, page)
                .putLong(at + 16, next).putLong(at + 24, 7);
        for (int i = 0; i < extents.length; i++) {
            b.putLong(at + FreeList.HEADER + 16 * i, extents[i][0]).putLong(at + FreeList.HEADER + 16 * i + 8, extents[i][1]);
        }
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }
}
