package io.deltasnap.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.deltasnap.engine.pdata.Pages;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Volume#readChunks} against the model: any ascending set of chunks, of the origin or any
 * snapshot, reads exactly what the model holds, whether the chunks come from the origin, from
 * copies stored one after another (read together) or from scattered ones; a damaged copy is
 * reported, never returned.
 */
class ReadChunksTest {
  @TempDir
  Path tmp;

  @Test
  void anySetOfChunksReadsWhatTheModelHolds() throws IOException {
    check(new MemStorage(), 4096, 4096 * 61 + 2048, 1); // a short last chunk
  }

  @Test
  void onDiskWithDirectReadsOfWholeRuns() throws IOException {
    check(new DirectoryStorage(tmp.resolve("v")), 64 << 10, 64L << 20, 2); // 64 KiB: runs go past the page cache
  }

  private static void check(io.deltasnap.engine.io.VolumeStorage st, int chunk, long size, long seed) throws IOException {
    Random r = new Random(seed);
    VolumeModel m = new VolumeModel((int) size);
    int chunks = (int) ((size + chunk - 1) / chunk);
    try (Volume v = Volume.create(st, CreateOptions.of(size).withChunkSize(chunk))) {
      byte[] all = new byte[(int) size];
      r.nextBytes(all);
      v.write(Volume.ORIGIN, 0, ByteBuffer.wrap(all));
      m.write(Volume.ORIGIN, 0, all);
      for (int round = 0; round < 4; round++) {
        SnapshotInfo s = v.createSnapshot("s" + round, round == 2);
        m.snapshot(s.id(), s.writable());
        // overwrite a scattered set, in ascending order (copies land one after another) or shuffled
        List<Integer> pick = new ArrayList<>(new TreeSet<>(r.ints(chunks / 5, 0, chunks).boxed().toList()));
        if (round % 2 == 1) {
          java.util.Collections.shuffle(pick, r);
        }
        for (int c : pick) {
          int len = (int) Math.min(chunk, size - (long) c * chunk);
          byte[] d = new byte[r.nextBoolean() ? len : Math.max(1, len / 3)];
          r.nextBytes(d);
          long target = round == 2 && r.nextInt(3) == 0 ? s.id() : Volume.ORIGIN; // writes into a writable snapshot too
          v.write(target, (long) c * chunk, ByteBuffer.wrap(d));
          m.write(target, c * chunk, d);
        }
      }
      List<Long> ids = new ArrayList<>(m.snaps.keySet());
      ids.add(Volume.ORIGIN);
      for (int trial = 0; trial < 60; trial++) {
        long id = ids.get(r.nextInt(ids.size()));
        long[] want = new TreeSet<>(r.longs(1 + r.nextInt(40), 0, chunks).boxed().toList()).stream()
            .mapToLong(Long::longValue).toArray();
        if (r.nextBoolean()) { // a run of adjacent chunks too
          long from = r.nextInt(chunks - 8);
          want = java.util.stream.LongStream.concat(java.util.Arrays.stream(want), java.util.stream.LongStream.range(from, from + 8))
              .distinct().sorted().toArray();
        }
        int total = 0;
        for (long c : want) {
          total += (int) Math.min(chunk, size - c * chunk);
        }
        ByteBuffer dst = io.deltasnap.engine.io.FileBlockFile.allocateAligned(total + 4096).position(4096);
        v.readChunks(id, want, dst);
        assertEquals(4096 + total, dst.position());
        byte[] view = m.view(id);
        int at = 4096;
        for (long c : want) {
          int len = (int) Math.min(chunk, size - c * chunk);
          byte[] got = new byte[len];
          dst.get(at, got);
          byte[] exp = java.util.Arrays.copyOfRange(view, (int) (c * chunk), (int) (c * chunk) + len);
          assertArrayEquals(exp, got, "snapshot " + id + " chunk " + c);
          at += len;
        }
      }
      assertThrows(IllegalArgumentException.class, () -> v.readChunks(Volume.ORIGIN, new long[] {3, 2}, ByteBuffer.allocate(2 * chunk)));
      assertThrows(IllegalArgumentException.class, () -> v.readChunks(Volume.ORIGIN, new long[] {1}, ByteBuffer.allocate(chunk - 1)));
      assertThrows(InvalidRequestException.class, () -> v.readChunks(999, new long[] {1}, ByteBuffer.allocate(chunk)));
    }
  }

  @Test
  void aDamagedCopyIsReportedNeverReturned() throws IOException {
    int chunk = 4096;
    MemStorage st = new MemStorage();
    long[] all = java.util.stream.LongStream.range(0, 32).toArray();
    try (Volume v = Volume.create(st, CreateOptions.of(32L * chunk).withChunkSize(chunk))) {
      v.write(Volume.ORIGIN, 0, ByteBuffer.wrap(new byte[32 * chunk]));
      v.createSnapshot("s", false);
      byte[] ones = new byte[32 * chunk];
      java.util.Arrays.fill(ones, (byte) 1);
      v.write(Volume.ORIGIN, 0, ByteBuffer.wrap(ones)); // every chunk copied: 32 zero copies in a row
    }
    byte[] image = st.store.image();
    Random r = new Random(3);
    int reported = 0;
    for (int trial = 0; trial < 200; trial++) {
      long pos = 2L * Pages.PAGE_SIZE + r.nextInt(image.length - 2 * Pages.PAGE_SIZE);
      MemStorage damaged = st.reopened();
      damaged.store.poke(pos, (byte) (1 + r.nextInt(255)));
      try (Volume v = Volume.open(damaged, 64 * 1024)) {
        ByteBuffer b = ByteBuffer.allocate(32 * chunk);
        v.readChunks(1, all, b);
        assertArrayEquals(new byte[32 * chunk], b.array(), "a damaged copy was returned as data (byte " + pos + ")");
      } catch (CorruptionException e) {
        reported++;
      }
    }
    assertTrue(reported > 0, "no flip was ever reported");
  }
}
