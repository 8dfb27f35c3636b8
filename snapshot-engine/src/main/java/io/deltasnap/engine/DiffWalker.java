package io.deltasnap.engine;

import io.deltasnap.engine.pdata.BTree;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongToIntFunction;

/**
 * Finds the chunks whose contents differ between two snapshots by walking only the exceptions
 * born after the older one was taken (subtrees older than that are skipped by their birth
 * epoch), so the cost follows the change, not the volume.
 *
 * <p>Why that is enough: every key whose range covers a snapshot was made after the snapshot was
 * taken, so all keys covering either snapshot are among those visited; a chunk with none reads
 * the origin in both. For each visited chunk the two snapshots' sources (a copy's page, or the
 * origin) are compared; the same source means the same bytes.
 */
final class DiffWalker {
  private final BTree tree;
  private final LongToIntFunction chunkLength;
  private final int chunkShift;
  private final long volumeSize;

  DiffWalker(BTree tree, LongToIntFunction chunkLength, int chunkShift, long volumeSize) {
    this.tree = tree;
    this.chunkLength = chunkLength;
    this.chunkShift = chunkShift;
    this.volumeSize = volumeSize;
  }

  DiffResult diff(SnapshotInfo a, SnapshotInfo b) throws IOException {
    long since = Math.min(a.epoch(), b.epoch());
    long idA = a.id();
    long idB = b.id();
    List<Extent> extents = new ArrayList<>();
    long[] st = new long[4]; // candidates, changed chunks, changed bytes, current chunk
    long[] src = {-1, 0, 0}; // chunk, page seen by A (0 = origin), page seen by B
    st[3] = -1;
    long nodes = tree.walkNewerThan(since, e -> {
      st[0]++;
      if (e.a() != src[0]) {
        finish(src, extents, st);
        src[0] = e.a();
        src[1] = 0;
        src[2] = 0;
      }
      ExceptionValue v = ExceptionValue.decode(e.a(), e.b(), e.value(), tree.name());
      if (e.b() <= idA && idA <= v.to()) {
        src[1] = v.page();
      }
      if (e.b() <= idB && idB <= v.to()) {
        src[2] = v.page();
      }
    });
    finish(src, extents, st);
    return new DiffResult(List.copyOf(extents), nodes, st[0], st[1], st[2]);
  }

  private void finish(long[] src, List<Extent> extents, long[] st) {
    long c = src[0];
    if (c < 0 || src[1] == src[2]) {
      return;
    }
    long off = c << chunkShift;
    int len = chunkLength.applyAsInt(c);
    st[1]++;
    st[2] += len;
    if (!extents.isEmpty()) {
      Extent last = extents.get(extents.size() - 1);
      if (last.offset() + last.length() == off) {
        extents.set(extents.size() - 1, new Extent(last.offset(), last.length() + len));
        return;
      }
    }
    assert off + len <= volumeSize;
    extents.add(new Extent(off, len));
  }
}
