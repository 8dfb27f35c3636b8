package io.deltasnap.engine.pdata;

import io.deltasnap.engine.CorruptionException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Collection;
import java.util.HashSet;
import java.util.TreeSet;

/**
 * What a rollback to commit {@code v} would lose, read from the pages themselves: every page that
 * holds a valid tree node written by a later commit. Those nodes name the snapshots later commits
 * created and the chunks whose copies they preserved; a rollback forgets both, and older snapshots
 * then read those chunks from an origin that has since been overwritten. A node of a transaction
 * that never committed counts too, so the lists are an upper bound.
 *
 * <p>Reads every page once; used only on the recovery path.
 */
public final class LostCommits {
  /** Cap on the chunks and snapshots listed (the counts stay exact). */
  public static final int MAX_LISTED = 1000;

  /**
   * @param newestSeq the newest commit sequence seen in any node ({@code v} if none is newer)
   * @param nodes     valid nodes written after {@code v}
   * @param snapshots IDs of snapshots recorded only after {@code v} (at most {@link #MAX_LISTED})
   * @param newestSnapshotId the highest of those IDs (0 if none): a rollback never hands it out again
   * @param chunks    chunks with a copy preserved after {@code v} (at most {@link #MAX_LISTED})
   */
  public record Summary(long since, long newestSeq, long nodes, long snapshotCount, TreeSet<Long> snapshots,
      long newestSnapshotId, long chunkCount, TreeSet<Long> chunks) {
    public boolean losesNothing() {
      return nodes == 0;
    }

    public String describe() {
      if (losesNothing()) {
        return "nothing: no tree node newer than commit " + since + " was found";
      }
      return "commits " + (since + 1) + ".." + newestSeq + " (" + nodes + " nodes): " + snapshotCount
          + " snapshots created " + (snapshots.isEmpty() ? "" : snapshots + " ") + "and copies of " + chunkCount
          + " chunks " + (chunks.isEmpty() ? "" : abbreviate(chunks) + " ")
          + "(older snapshots would read those chunks from the newer origin)";
    }

    private static String abbreviate(TreeSet<Long> s) {
      return s.size() <= 20 ? s.toString() : s.stream().limit(20).toList() + "…";
    }
  }

  private LostCommits() {}

  /** Scans pages [first data page, end) for nodes newer than {@code v}. */
  public static Summary scan(Pages pages, long end, long v, BTree snapshotTree) throws IOException {
    long newest = v;
    long nodes = 0;
    TreeSet<Long> snaps = new TreeSet<>();
    HashSet<Long> chunks = new HashSet<>();
    long fileEnd = Math.min(end, pages.file().size() / Pages.PAGE_SIZE);
    for (long p = Pages.FIRST_DATA_PAGE; p < fileEnd; p++) {
      ByteBuffer b = pages.readPage(p);
      if (b.getShort(4) != NodeCodec.MAGIC || b.getLong(20) <= v) {
        continue;
      }
      int tree = b.get(10) & 0xff;
      Node x;
      try {
        x = NodeCodec.decode(b, p, tree, -1, pages.name() + ": scan");
      } catch (CorruptionException e) {
        continue; // damaged or not a node: nothing it says can be trusted
      }
      nodes++;
      newest = Math.max(newest, b.getLong(20));
      if (!x.leaf) {
        continue;
      }
      for (int i = 0; i < x.n; i++) {
        if (x.birth[i] <= v) {
          continue;
        }
        if (tree == MetaStore.SNAPSHOTS_TREE && x.ka[i] >= 1 && snapshotTree.get(x.ka[i], x.kb[i]) == null) {
          snaps.add(x.ka[i]);
        } else if (tree == MetaStore.EXCEPTIONS_TREE) {
          chunks.add(x.ka[i]);
        }
      }
    }
    long newestId = snaps.isEmpty() ? 0 : snaps.last();
    return new Summary(v, newest, nodes, snaps.size(), first(snaps), newestId, chunks.size(), first(chunks));
  }

  private static TreeSet<Long> first(Collection<Long> all) {
    TreeSet<Long> out = new TreeSet<>();
    all.stream().sorted().limit(MAX_LISTED).forEach(out::add);
    return out;
  }
}
