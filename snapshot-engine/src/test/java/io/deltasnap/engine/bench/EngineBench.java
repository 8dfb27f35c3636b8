package io.deltasnap.engine.bench;

import io.deltasnap.engine.CreateOptions;
import io.deltasnap.engine.DiffResult;
import io.deltasnap.engine.DirectoryStorage;
import io.deltasnap.engine.SnapshotInfo;
import io.deltasnap.engine.Volume;
import io.deltasnap.engine.io.FileBlockFile;
import io.deltasnap.engine.pdata.BTree;
import io.deltasnap.engine.pdata.MetaStore;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;
import java.util.UUID;

/**
 * The engine's benchmarks (issue 2), each measured side by side in one run on this machine.
 * Not a test: run {@code bench/engine.sh [DIR]}; it prints a Markdown table for
 * docs/benchmarks.md. Sizes scale with -Dbench.scale (1 = the sizes the targets name).
 */
public final class EngineBench {
  static final int BUF = 32 << 20;
  static Path dir;
  static double scale = Double.parseDouble(System.getProperty("bench.scale", "1"));

  public static void main(String[] args) throws Exception {
    dir = Path.of(args.length > 0 ? args[0] : "/tmp/deltasnap-bench");
    String only = args.length > 1 ? args[1] : "all";
    Files.createDirectories(dir);
    System.out.println("| benchmark | deltasnap | baseline | ratio | target |");
    System.out.println("| --- | --- | --- | --- | --- |");
    if (only.equals("all") || only.equals("write")) {
      sequentialWrites();
    }
    if (only.equals("all") || only.equals("snapshots")) {
      manySnapshots();
    }
    if (only.equals("all") || only.equals("lookups")) {
      lookupsAndDiff();
    }
    if (only.equals("all") || only.equals("heap")) {
      heapBound();
    }
    if (only.equals("all") || only.equals("reclaim")) {
      reclaimCost();
    }
  }

  static void clean(Path p) throws IOException {
    if (Files.exists(p)) {
      try (var s = Files.walk(p)) {
        s.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }
  }

  static byte[] data() {
    byte[] b = new byte[BUF];
    new Random(1).nextBytes(b);
    return b;
  }

  /** Raw baseline: the same buffers written to a plain file, then fsync. Returns MB/s. */
  static double rawWrite(Path f, long size) throws IOException {
    byte[] b = data();
    Files.deleteIfExists(f);
    long t0 = System.nanoTime();
    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      for (long off = 0; off < size; off += BUF) {
        ch.write(ByteBuffer.wrap(b, 0, (int) Math.min(BUF, size - off)), off);
      }
      ch.force(false);
    }
    return size / 1e6 / ((System.nanoTime() - t0) / 1e9);
  }

  /** Writes the whole origin and flushes (as `deltasnap write` does). Returns MB/s. */
  static double volumeWrite(Volume v, long size) throws IOException {
    byte[] b = data();
    b[0]++;
    long t0 = System.nanoTime();
    for (long off = 0; off < size; off += BUF) {
      v.write(Volume.ORIGIN, off, ByteBuffer.wrap(b, 0, (int) Math.min(BUF, size - off)));
    }
    v.flush();
    return size / 1e6 / ((System.nanoTime() - t0) / 1e9);
  }

  static void row(String name, String ours, String base, double ratio, String target) {
    System.out.printf(Locale.ROOT, "| %s | %s | %s | %.2f | %s |%n", name, ours, base, ratio, target);
  }

  static String mbs(double v) {
    return String.format(Locale.ROOT, "%.0f MB/s", v);
  }

  /** Best effort: start each measurement with a clean page cache (needs root; ignored otherwise). */
  static void dropCaches() {
    try {
      new ProcessBuilder("sh", "-c", "sync; echo 1 > /proc/sys/vm/drop_caches 2>/dev/null").start().waitFor();
    } catch (IOException | InterruptedException e) {
      // not root, or no shell: measure anyway
    }
  }

  static void syncAll() {
    try {
      new ProcessBuilder("sync").start().waitFor();
    } catch (IOException | InterruptedException e) {
      // measure anyway
    }
  }

  static void sequentialWrites() throws IOException {
    long size = (long) (1024L * 1024 * 1024 * scale);
    Path raw = dir.resolve("raw.img");
    Path vd = dir.resolve("seq");
    int rounds = 5;
    double[] r0 = new double[rounds];
    double[] v0 = new double[rounds];
    double[] v1 = new double[rounds];
    double[] v2 = new double[rounds];
    for (int round = 0; round < rounds; round++) {
      clean(vd);
      try (Volume v = Volume.create(new DirectoryStorage(vd), CreateOptions.of(size))) {
        if (round % 2 == 1) { // alternate the order: the machine is shared and noisy
          dropCaches();
          r0[round] = rawWrite(raw, size);
        }
        dropCaches();
        v0[round] = volumeWrite(v, size); // no snapshot: straight to the origin
        v.createSnapshot("s", false);
        dropCaches();
        v1[round] = volumeWrite(v, size); // every chunk copied once
        v.createSnapshot("t", false);
        syncAll(); // written back, but still cached
        v2[round] = volumeWrite(v, size); // the same with the old data still in the page cache
        if (round % 2 == 0) {
          dropCaches();
          r0[round] = rawWrite(raw, size);
        }
      }
      System.err.printf(Locale.ROOT, "round %d: raw %.0f, no snapshot %.0f, after snapshot %.0f (cold) %.0f (warm) MB/s%n",
          round, r0[round], v0[round], v1[round], v2[round]);
    }
    double raw0 = median(r0);
    row("sequential origin write, no snapshot, " + human(size) + " (median of " + rounds + ")", mbs(median(v0)),
        mbs(raw0) + " raw file", median(v0) / raw0, "≥ 0.9");
    row("sequential origin write right after a snapshot (each chunk copied once), old data read from disk",
        mbs(median(v1)), mbs(raw0) + " raw file", median(v1) / raw0, "≥ 0.4");
    row("the same with the old data still in the page cache (just written)", mbs(median(v2)),
        mbs(raw0) + " raw file", median(v2) / raw0, "≥ 0.4");
    clean(vd);
    Files.deleteIfExists(raw);
  }

  static void manySnapshots() throws IOException {
    long size = 256L << 20;
    int many = (int) (10_000 * Math.min(1, scale));
    int[] counts = {1, many};
    Volume[] vols = new Volume[2];
    double[] create = new double[2];
    int passes = 5;
    double[][] write = new double[2][passes];
    try {
      for (int k = 0; k < 2; k++) {
        Path vd = dir.resolve("snaps" + k);
        clean(vd);
        Volume v = Volume.create(new DirectoryStorage(vd), CreateOptions.of(size));
        vols[k] = v;
        volumeWrite(v, size);
        Random r = new Random(2);
        ByteBuffer small = ByteBuffer.allocate(4096);
        for (int i = 0; i < counts[k]; i++) { // a write between snapshots: many keys in the tree
          v.write(Volume.ORIGIN, (long) r.nextInt((int) (size / 4096)) * 4096, small.clear());
          v.createSnapshot("", false);
        }
        double[] t = new double[51]; // snapshot creation at this count: median of 51
        for (int i = 0; i < t.length; i++) {
          long t0 = System.nanoTime();
          SnapshotInfo s = v.createSnapshot("", false);
          t[i] = (System.nanoTime() - t0) / 1e6;
          v.deleteSnapshot(s.id());
        }
        v.reclaimDeleted();
        create[k] = median(t);
      }
      for (int p = 0; p < passes; p++) { // alternate the two volumes: the machine is shared and noisy
        for (int j = 0; j < 2; j++) {
          int k = (p % 2 == 0) ? j : 1 - j;
          vols[k].createSnapshot("pass", false);
          dropCaches();
          write[k][p] = volumeWrite(vols[k], size); // every chunk copied once for the new snapshot
        }
        System.err.printf(Locale.ROOT, "pass %d: %.0f MB/s at 1, %.0f MB/s at %d%n", p, write[0][p], write[1][p], many);
      }
    } finally {
      for (int k = 0; k < 2; k++) {
        if (vols[k] != null) {
          vols[k].close();
        }
        clean(dir.resolve("snaps" + k));
      }
    }
    double w0 = median(write[0]);
    double w1 = median(write[1]);
    row("origin write pass (256 MiB, every chunk copied) with " + many + " snapshots vs 1 (median of " + passes + ")",
        mbs(w1), mbs(w0) + " at 1", w1 / w0, "≥ 0.9");
    row("snapshot creation at " + many + " snapshots vs 1 (median of 51, one commit)",
        String.format(Locale.ROOT, "%.2f ms", create[1]), String.format(Locale.ROOT, "%.2f ms at 1", create[0]),
        create[0] / create[1], "≈ 1");
  }

  static void lookupsAndDiff() throws IOException {
    int chunk = 4096;
    long exceptions = (long) (1_000_000 * scale);
    long size = exceptions * chunk;
    Path vd = dir.resolve("lookups");
    clean(vd);
    try (Volume v = Volume.create(new DirectoryStorage(vd),
        CreateOptions.of(size).withChunkSize(chunk).withCacheBytes(64L << 20))) {
      volumeWrite(v, size);
      SnapshotInfo s = v.createSnapshot("full", false);
      volumeWrite(v, size); // one exception per chunk
      long n = v.status().exceptions();
      Random r = new Random(3);
      ByteBuffer b = ByteBuffer.allocate(4096);
      long reads = 300_000;
      for (int i = 0; i < 50_000; i++) { // warm-up
        v.read(s.id(), (long) r.nextInt((int) (size / 4096)) * 4096, b.clear());
      }
      long t0 = System.nanoTime();
      for (long i = 0; i < reads; i++) {
        v.read(s.id(), (long) r.nextInt((int) (size / 4096)) * 4096, b.clear());
      }
      double perSec = reads / ((System.nanoTime() - t0) / 1e9);
      row(String.format(Locale.ROOT, "random 4 KiB snapshot reads, %,d exceptions, 64 MiB cache", n),
          String.format(Locale.ROOT, "%,.0f reads/s", perSec), "—", perSec / 100_000, "≥ 100,000/s");
      // a diff across one changed chunk
      SnapshotInfo a = v.createSnapshot("a", false);
      v.write(Volume.ORIGIN, 12345L * chunk, ByteBuffer.wrap(new byte[chunk]));
      SnapshotInfo bb = v.createSnapshot("b", false);
      double[] t = new double[101];
      DiffResult d = null;
      for (int i = 0; i < t.length; i++) {
        long d0 = System.nanoTime();
        d = v.diff(a.id(), bb.id());
        t[i] = (System.nanoTime() - d0) / 1e6;
      }
      row(String.format(Locale.ROOT, "diff across 1 changed chunk, %,d exceptions (tree height %d)", n,
          v.status().treeHeight()), String.format(Locale.ROOT, "%.3f ms, %d nodes visited", median(t),
          d.nodesVisited()), "—", median(t), "< 1 ms, O(height) nodes");
    }
    clean(vd);
  }

  /** Heap after inserting N keys into the exception tree and looking up at random, 64 MiB cache. */
  static void heapBound() throws IOException {
    long[] sizes = {10_000, 100_000, 1_000_000, (long) (10_000_000 * Math.min(1, scale))};
    double[] mb = new double[sizes.length];
    for (int k = 0; k < sizes.length; k++) {
      Path f = dir.resolve("heap.store");
      Files.deleteIfExists(f);
      try (FileBlockFile file = FileBlockFile.open(f, true)) {
        MetaStore m = MetaStore.create(file, "bench", UUID.randomUUID(), 1L << 40, 4096, 0, "", 64L << 20);
        BTree t = m.exceptions();
        byte[] val = new byte[21];
        for (long i = 0; i < sizes[k]; i++) {
          m.treeLock().writeLock().lock();
          try {
            t.put(i * 7, 1, val, m.openSeq());
          } finally {
            m.treeLock().writeLock().unlock();
          }
          if (i % 100_000 == 99_999) {
            m.commitAll();
          }
        }
        m.commitAll();
        Random r = new Random(4);
        for (int i = 0; i < 200_000; i++) {
          t.floor(r.nextLong(sizes[k]) * 7, 1);
        }
        mb[k] = usedHeapMb();
        System.err.printf("heap with %,d keys: %.1f MB (cache %.1f MB)%n", sizes[k], mb[k],
            m.cache().usedBytes() / 1e6);
      }
      Files.deleteIfExists(f);
    }
    row(String.format(Locale.ROOT, "heap after lookups, %,d → %,d exceptions, 64 MiB cache", sizes[0],
        sizes[sizes.length - 1]), String.format(Locale.ROOT, "%.0f MB → %.0f MB", mb[0], mb[mb.length - 1]),
        Arrays.toString(Arrays.stream(mb).mapToLong(Math::round).toArray()) + " MB", mb[mb.length - 1] / Math.max(1, mb[2]),
        "bounded by the cache");
  }

  /**
   * Reclaiming a short-lived snapshot that owns N exceptions, in stores of M = 10k and M = 1M
   * exceptions: the cost should follow N, not M.
   */
  static void reclaimCost() throws IOException {
    for (boolean spread : new boolean[] {false, true}) {
      reclaimCost(spread);
    }
  }

  static void reclaimCost(boolean spread) throws IOException {
    int chunk = 4096;
    int n = 1000;
    long[] ms = {10_000, (long) (1_000_000 * Math.min(1, scale))};
    double[] t = new double[ms.length];
    for (int k = 0; k < ms.length; k++) {
      long m = ms[k];
      long size = m * chunk;
      Path vd = dir.resolve("reclaim" + k);
      clean(vd);
      try (Volume v = Volume.create(new DirectoryStorage(vd), CreateOptions.of(size).withChunkSize(chunk))) {
        volumeWrite(v, size);
        v.createSnapshot("old", false);
        volumeWrite(v, size); // M exceptions owned by the old snapshot
        SnapshotInfo d = v.createSnapshot("short-lived", false);
        ByteBuffer b = ByteBuffer.allocate(chunk);
        for (int i = 0; i < n; i++) { // N exceptions only d reads (the old snapshot has its own copies there)
          long c = spread ? i * (m / n) : i;
          v.write(Volume.ORIGIN, c * chunk, b.clear());
        }
        v.createSnapshot("next", false);
        v.deleteSnapshot(d.id());
        long t0 = System.nanoTime();
        Volume.ReclaimResult res = v.reclaimDeleted();
        t[k] = (System.nanoTime() - t0) / 1e6;
        System.err.printf(Locale.ROOT, "M=%d: reclaim %.1f ms, %s%n", m, t[k], res);
      }
      clean(vd);
    }
    row(String.format(Locale.ROOT, "reclaim a snapshot owning %,d exceptions (%s), store of %,d vs %,d", n,
        spread ? "spread over the volume: one leaf each" : "clustered", ms[1], ms[0]),
        String.format(Locale.ROOT, "%.1f ms at %,d", t[1], ms[1]), String.format(Locale.ROOT, "%.1f ms at %,d", t[0], ms[0]),
        t[1] / t[0], "cost follows N, not M");
  }

  static double usedHeapMb() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / 1e6;
  }

  static double median(double[] a) {
    double[] c = a.clone();
    Arrays.sort(c);
    return c[c.length / 2];
  }

  static String human(long b) {
    return b >= (1L << 30) ? (b >> 30) + " GiB" : (b >> 20) + " MiB";
  }
}
