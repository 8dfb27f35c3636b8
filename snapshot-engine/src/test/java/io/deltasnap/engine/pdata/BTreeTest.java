package io.deltasnap.engine.pdata;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.deltasnap.engine.io.FileBlockFile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The B-tree against a sorted map: inserts, replacements, splits, deletes, merges, walks and
 * birth-pruned walks, with the tree flushed to a real file and reopened from its root page
 * through a cold cache at random points, so every path also runs through the node codec.
 */
class BTreeTest {
  private static final int TREE = 7;

  @TempDir Path dir;
  private FileBlockFile file;
  private Pages pages;
  private SpaceMap space;
  private BTree tree;
  private long seq;

  /** What the tree should hold: key (a, b) as a two-element list → {birth, value}. */
  private final TreeMap<List<Long>, Object[]> model = new TreeMap<>(BTreeTest::compareKeys);

  @BeforeEach
  void open() throws IOException {
    file = FileBlockFile.open(dir.resolve("tree"), true);
    pages = new Pages(file, "test");
    space = new SpaceMap(Pages.FIRST_DATA_PAGE, Long.MAX_VALUE);
    tree = new BTree(TREE, "test tree", new NodeCache(pages, 1 << 20), space);
  }

  @AfterEach
  void close() throws IOException {
    file.close();
  }

  private static int compareKeys(List<Long> x, List<Long> y) {
    return Node.compare(x.get(0), x.get(1), y.get(0), y.get(1));
  }

  /** Flushes every dirty node and reopens the tree from its root page with an empty cache. */
  private void flushAndReopen() throws IOException {
    long root = tree.flush(++seq, pages::writePage);
    space.commitDurable(space.takePending());
    tree = new BTree(TREE, "test tree", new NodeCache(pages, 1 << 20), space);
    tree.load(root, model.size());
  }

  private void put(long a, long b, long birth, byte[] v) throws IOException {
    tree.put(a, b, v, birth);
    model.put(List.of(a, b), new Object[] {birth, v});
  }

  private void remove(long a, long b) throws IOException {
    boolean had = model.remove(List.of(a, b)) != null;
    assertEquals(had, tree.remove(a, b), "remove (" + a + ", " + b + ")");
  }

  private static byte[] value(Random r) {
    byte[] v = new byte[r.nextInt(4) == 0 ? r.nextInt(200) : 8 + r.nextInt(24)];
    r.nextBytes(v);
    return v;
  }

  private void assertMatchesModel(Random r) throws IOException {
    assertNull(tree.verifyStructure());
    assertEquals(model.size(), tree.count());
    List<BTree.Entry> all = new ArrayList<>();
    tree.walkFrom(Long.MIN_VALUE, Long.MIN_VALUE, e -> {
      all.add(e);
      return true;
    });
    assertEquals(model.size(), all.size());
    int k = 0;
    for (Map.Entry<List<Long>, Object[]> m : model.entrySet()) {
      BTree.Entry e = all.get(k++);
      assertEquals(m.getKey(), List.of(e.a(), e.b()));
      assertEquals((long) m.getValue()[0], e.birth());
      assertArrayEquals((byte[]) m.getValue()[1], e.value());
    }
    for (int i = 0; i < 50; i++) {
      long a = r.nextInt(1200);
      long b = r.nextInt(40);
      Map.Entry<List<Long>, Object[]> f = model.floorEntry(List.of(a, b));
      BTree.Entry e = tree.floor(a, b);
      assertEquals(f == null ? null : f.getKey(), e == null ? null : List.of(e.a(), e.b()), "floor " + a + "," + b);
      Map.Entry<List<Long>, Object[]> c = model.ceilingEntry(List.of(a, b));
      BTree.Entry g = tree.ceiling(a, b);
      assertEquals(c == null ? null : c.getKey(), g == null ? null : List.of(g.a(), g.b()), "ceiling " + a + "," + b);
      assertEquals(model.containsKey(List.of(a, b)), tree.get(a, b) != null);
    }
    long since = r.nextInt(1000);
    List<List<Long>> newer = new ArrayList<>();
    tree.walkNewerThan(since, e -> newer.add(List.of(e.a(), e.b())));
    List<List<Long>> expected = new ArrayList<>();
    model.forEach((key, v) -> {
      if ((long) v[0] > since) {
        expected.add(key);
      }
    });
    assertEquals(expected, newer, "entries born after " + since);
  }

  @Test
  void randomOperationsMatchASortedMapAcrossFlushesAndReopens() throws IOException {
    Random r = new Random(14);
    for (int step = 0; step < 30_000; step++) {
      int op = r.nextInt(100);
      long a = r.nextInt(1200);
      long b = r.nextInt(40);
      if (op < 60) {
        put(a, b, r.nextInt(1000), value(r));
      } else if (op < 95) {
        // delete near an existing key, so deletes actually empty and merge nodes
        Map.Entry<List<Long>, Object[]> near = model.ceilingEntry(List.of(a, b));
        if (near != null) {
          remove(near.getKey().get(0), near.getKey().get(1));
        } else {
          remove(a, b);
        }
      } else if (op < 99) {
        flushAndReopen();
      } else {
        assertMatchesModel(r);
      }
    }
    assertMatchesModel(r);
    flushAndReopen();
    assertMatchesModel(r);
  }

  @Test
  void aTreeThatLostMostOfItsEntriesIsNoLargerThanAFreshOneByMuch() throws IOException {
    Random r = new Random(19);
    for (long a = 0; a < 40_000; a++) {
      put(a, 0, a, value(r));
      if (a % 5000 == 0) {
        flushAndReopen();
      }
    }
    flushAndReopen();
    int fullHeight = tree.height();
    // keep one entry in 50, scattered, deleting in random order across several commits
    List<Long> doomed = new ArrayList<>();
    for (long a = 0; a < 40_000; a++) {
      if (a % 50 != 7) {
        doomed.add(a);
      }
    }
    java.util.Collections.shuffle(doomed, r);
    for (int i = 0; i < doomed.size(); i++) {
      remove(doomed.get(i), 0);
      if (i % 3000 == 0) {
        flushAndReopen();
      }
    }
    flushAndReopen();
    assertMatchesModel(r);
    long churned = nodes(tree);

    // the same contents inserted into a new tree
    BTree fresh = new BTree(TREE + 1, "fresh", new NodeCache(pages, 1 << 20), space);
    for (Map.Entry<List<Long>, Object[]> m : model.entrySet()) {
      fresh.put(m.getKey().get(0), m.getKey().get(1), (byte[]) m.getValue()[1], (long) m.getValue()[0]);
    }
    fresh.flush(++seq, pages::writePage);
    long built = nodes(fresh);
    assertTrue(churned <= 2 * built,
        "after deleting 98% the tree has " + churned + " nodes, a fresh tree of the same entries " + built);
    assertTrue(tree.height() <= fresh.height() + 1 && tree.height() <= fullHeight,
        "height " + tree.height() + " vs fresh " + fresh.height());
  }

  @Test
  void deletingEverythingLeavesAnEmptyTreeAndReleasesEveryPage() throws IOException {
    Random r = new Random(3);
    for (long a = 0; a < 5000; a++) {
      put(a, a % 3, a, value(r));
    }
    flushAndReopen();
    long before = space.end() - Pages.FIRST_DATA_PAGE - space.freePages();
    assertTrue(before > 10, "a multi-level tree: " + before + " pages");
    for (long a = 4999; a >= 0; a--) {
      remove(a, a % 3);
    }
    flushAndReopen();
    assertEquals(0, tree.count());
    assertEquals(0, tree.height());
    assertEquals(0, space.end() - Pages.FIRST_DATA_PAGE - space.freePages(), "pages still held");
  }

  private static long nodes(BTree t) throws IOException {
    long[] n = {0};
    t.walkNodes((page, level, entries) -> n[0]++);
    return n[0];
  }
}
