package io.deltasnap.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Copy before overwrite under concurrent writers, on real files: while several threads write the
 * origin and a writable snapshot, snapshots are taken; each snapshot, read right after it was
 * taken, reads the same bytes every time later, whatever the writers did meanwhile and after
 * close and reopen.
 */
class ConcurrencyTest {
  @Test
  void snapshotsStayImmutableUnderConcurrentWriters(@TempDir Path dir) throws Exception {
    int chunk = 4096;
    int size = chunk * 128;
    Volume v = Volume.create(new DirectoryStorage(dir.resolve("vol")), CreateOptions.of(size).withChunkSize(chunk));
    SnapshotInfo scratch = v.createSnapshot("scratch", true);
    AtomicBoolean stop = new AtomicBoolean();
    ExecutorService pool = Executors.newFixedThreadPool(5);
    List<Future<?>> writers = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      int seed = t;
      writers.add(pool.submit(() -> {
        Random r = new Random(seed);
        while (!stop.get()) {
          byte[] d = new byte[1 + r.nextInt(chunk * 3)];
          r.nextBytes(d);
          long target = r.nextInt(4) == 0 ? scratch.id() : Volume.ORIGIN;
          v.write(target, r.nextInt(size - d.length), ByteBuffer.wrap(d));
        }
        return null;
      }));
    }
    Map<Long, byte[]> seen = new ConcurrentHashMap<>();
    for (int i = 0; i < 25; i++) {
      SnapshotInfo s = v.createSnapshot("c" + i, false);
      ByteBuffer b = ByteBuffer.allocate(size);
      v.read(s.id(), 0, b);
      seen.put(s.id(), b.array());
      for (Map.Entry<Long, byte[]> e : seen.entrySet()) {
        ByteBuffer again = ByteBuffer.allocate(size);
        v.read(e.getKey(), 0, again);
        assertArrayEquals(e.getValue(), again.array(), "snapshot " + e.getKey() + " changed under writers");
      }
      Thread.sleep(5);
    }
    stop.set(true);
    for (Future<?> f : writers) {
      f.get(60, TimeUnit.SECONDS);
    }
    pool.shutdown();
    v.close();
    try (Volume re = Volume.open(new DirectoryStorage(dir.resolve("vol")))) {
      for (Map.Entry<Long, byte[]> e : seen.entrySet()) {
        ByteBuffer again = ByteBuffer.allocate(size);
        re.read(e.getKey(), 0, again);
        assertArrayEquals(e.getValue(), again.array(), "snapshot " + e.getKey() + " after reopen");
      }
      assertTrue(re.status().exceptions() > 0);
    }
  }
}
