package io.deltasnap.receiver;

import io.deltasnap.delta.DeltaRecord;
import io.deltasnap.engine.Volume;
import io.deltasnap.engine.DirectBuffers;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * DATA and PATCH records gathered to be written into a replica's origin together, with one commit
 * for all their copy-before-overwrite ({@link Volume#writeOrigin}). An increment of scattered
 * chunks otherwise pays a commit (two fsyncs) per record. A batch holds at most {@link #MAX_BYTES}
 * of content or {@link #MAX_RECORDS} records, and never two records that touch one chunk.
 */
final class RecordBatch {
  static final int MAX_BYTES = 8 << 20;
  static final int MAX_RECORDS = 1024;

  private final int chunkSize;
  private final List<DeltaRecord> records = new ArrayList<>();
  private long bytes;
  private long lastChunk = -1;

  RecordBatch(int chunkSize) {
    this.chunkSize = chunkSize;
  }

  /** DATA and PATCH records are batched; ZERO records are not. */
  static boolean batched(DeltaRecord rec) {
    return rec instanceof DeltaRecord.Data || rec instanceof DeltaRecord.Patch;
  }

  /** Whether {@code rec} may join: room left, and it starts in a chunk after the last one. */
  boolean accepts(DeltaRecord rec) {
    return records.isEmpty() || (rec.offset() / chunkSize > lastChunk && records.size() < MAX_RECORDS
        && bytes + rec.length() <= MAX_BYTES);
  }

  void add(DeltaRecord rec) {
    assert batched(rec) && accepts(rec);
    records.add(rec);
    bytes += rec.length();
    lastChunk = (rec.offset() + Math.max(1, rec.length()) - 1) / chunkSize;
  }

  boolean isEmpty() {
    return records.isEmpty();
  }

  /** The records gathered so far; the batch starts over empty. */
  List<DeltaRecord> take() {
    List<DeltaRecord> out = List.copyOf(records);
    records.clear();
    bytes = 0;
    lastChunk = -1;
    return out;
  }

  /**
   * Writes {@code records} (from {@link #take}) into the origin with one commit. Large DATA
   * records go through {@code holder[0]}, an aligned buffer grown as needed, so the engine writes
   * them with direct I/O (see DirectBuffers).
   */
  static void write(Volume v, List<DeltaRecord> records, ByteBuffer[] holder) throws IOException {
    long[] offsets = new long[records.size()];
    ByteBuffer[] data = new ByteBuffer[records.size()];
    int alignedBytes = 0;
    for (DeltaRecord r : records) {
      if (r instanceof DeltaRecord.Data d && d.bytes().length >= DeltaApplier.BULK_BYTES) {
        alignedBytes += roundUp(d.bytes().length);
      }
    }
    if (alignedBytes > 0 && (holder[0] == null || holder[0].capacity() < alignedBytes)) {
      holder[0] = DirectBuffers.allocate(alignedBytes);
    }
    int at = 0;
    for (int i = 0; i < records.size(); i++) {
      DeltaRecord r = records.get(i);
      offsets[i] = r.offset();
      byte[] b = r instanceof DeltaRecord.Data d ? d.bytes() : ((DeltaRecord.Patch) r).bytes();
      if (r instanceof DeltaRecord.Data && b.length >= DeltaApplier.BULK_BYTES) {
        data[i] = holder[0].clear().position(at).limit(at + b.length).slice().put(b).flip();
        at += roundUp(b.length);
      } else {
        data[i] = ByteBuffer.wrap(b);
      }
    }
    v.writeOrigin(offsets, data);
  }

  private static int roundUp(int n) {
    return Math.toIntExact(DirectBuffers.alignUp(n));
  }
}
