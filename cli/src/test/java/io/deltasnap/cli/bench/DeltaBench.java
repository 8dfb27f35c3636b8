package io.deltasnap.cli.bench;

import io.deltasnap.cli.BenchAccess;
import io.deltasnap.engine.DirectoryStorage;
import io.deltasnap.engine.Volume;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import java.util.Random;

/**
 * Delta benchmarks (issue 3), side by side in one run: {@code delta create} of a full compressible
 * volume vs {@code zstd -1 -T2} over the same image; an incremental delta of 1% changed chunks vs
 * the full delta; {@code delta apply} vs {@code delta create}. Run {@code bench/delta.sh [DIR] [GiB]}.
 */
public final class DeltaBench {
  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args.length > 0 ? args[0] : "/tmp/deltasnap-dbench");
    long gib = args.length > 1 ? Long.parseLong(args[1]) : 16;
    long size = gib << 30;
    int chunk = 64 * 1024;
    clean(dir);
    Files.createDirectories(dir);
    Path img = dir.resolve("image.raw");
    makeImage(img, size);
    String src = dir.resolve("src").toString();
    String key = dir.resolve("k").toString();
    run("keygen", "--output", key);
    run("init", src, "--origin", img.toString(), "--chunk-size", "64K");
    run("snapshot", "create", src);

    dropCaches();
    long z0 = System.nanoTime();
    Process p = new ProcessBuilder("zstd", "-1", "-T2", "-q", "-f", img.toString(), "-o", dir.resolve("image.zst").toString())
        .inheritIO().start();
    p.waitFor();
    sync();
    double zstdSecs = (System.nanoTime() - z0) / 1e9;
    long zstdBytes = Files.size(dir.resolve("image.zst"));
    Files.delete(dir.resolve("image.zst"));

    Path full = dir.resolve("full.delta");
    dropCaches();
    double fullSecs = timed(() -> run("delta", "create", src, "--snapshot", "1", "--key", key + ".key",
        "--output", full.toString(), "--no-progress"));
    long fullBytes = Files.size(full);

    // apply the full delta to a new replica
    String rep = dir.resolve("rep").toString();
    dropCaches();
    double applySecs = timed(() -> run("delta", "apply", rep, full.toString(), "--trust", key + ".pub", "--no-progress"));

    // change 1% of the chunks: 4 KiB somewhere in each
    long chunks = size / chunk;
    long changed = chunks / 100;
    try (Volume v = Volume.open(new DirectoryStorage(Path.of(src)))) {
      Random r = new Random(7);
      byte[] b = new byte[4096];
      for (long i = 0; i < changed; i++) {
        r.nextBytes(b);
        long c = (long) (r.nextDouble() * chunks);
        v.write(Volume.ORIGIN, c * chunk + 4096L * r.nextInt(chunk / 4096), ByteBuffer.wrap(b));
      }
      v.createSnapshot("", false);
    }
    Path inc = dir.resolve("inc.delta");
    dropCaches();
    double incSecs = timed(() -> run("delta", "create", src, "--base", "1", "--snapshot", "2", "--key", key + ".key",
        "--output", inc.toString(), "--no-progress"));
    long incBytes = Files.size(inc);
    dropCaches();
    double incApplySecs = timed(() -> run("delta", "apply", rep, inc.toString(), "--trust", key + ".pub", "--no-progress"));

    double mb = size / 1e6;
    System.out.println("| benchmark | deltasnap | baseline | ratio | target |");
    System.out.println("| --- | --- | --- | --- | --- |");
    System.out.printf(Locale.ROOT, "| full delta create, %d GiB compressible volume | %.0f MB/s, ratio %.2f | zstd -1 -T2: %.0f MB/s, ratio %.2f | %.2f | ≥ 0.8 |%n",
        gib, mb / fullSecs, (double) size / fullBytes, mb / zstdSecs, (double) size / zstdBytes, zstdSecs / fullSecs);
    System.out.printf(Locale.ROOT, "| incremental delta, 1%% of chunks changed (%,d of %,d) vs full | %.2f s, %s | full: %.2f s, %s | %.4f | ≤ 0.03 |%n",
        changed, chunks, incSecs, human(incBytes), fullSecs, human(fullBytes), incSecs / fullSecs);
    System.out.printf(Locale.ROOT, "| full delta apply vs create | %.0f MB/s | create: %.0f MB/s | %.2f | ≥ 0.7 |%n",
        mb / applySecs, mb / fullSecs, fullSecs / applySecs);
    System.out.printf(Locale.ROOT, "| incremental delta apply (1%%) | %.2f s | — | — | — |%n", incApplySecs);
    clean(dir);
  }

  interface Action {
    void run() throws Exception;
  }

  static double timed(Action a) throws Exception {
    long t0 = System.nanoTime();
    a.run();
    sync();
    return (System.nanoTime() - t0) / 1e9;
  }

  static void run(String... args) {
    int code = BenchAccess.run(args);
    if (code != 0) {
      throw new IllegalStateException("deltasnap " + String.join(" ", args) + " exited " + code);
    }
  }

  /** Text-like data: words and numbers, compressible about 3:1 by zstd -1. */
  static void makeImage(Path img, long size) throws IOException {
    String[] words = "the of and to in is that for it as was with be by on not he this are or his from at which but have an they you were her she there been one all we their has would when if so no will more what up out about into than them can only other new some could time these two may then do first any my now such like our over man me even most made after also did many before must through back years where much your way well down should because each just those people mr how too little state good very make world still own see men work long get here between both life being under never day same another know while last might us great old year off come since against go came right used take three".split(" ");
    Random r = new Random(42);
    int block = 64 << 20;
    ByteBuffer b = ByteBuffer.allocateDirect(block);
    StringBuilder sb = new StringBuilder();
    while (b.hasRemaining()) {
      sb.setLength(0);
      for (int i = 0; i < 200; i++) {
        sb.append(words[r.nextInt(words.length)]).append(r.nextInt(20) == 0 ? " " + r.nextInt(100000) + "\n" : " ");
      }
      byte[] t = sb.toString().getBytes(java.nio.charset.StandardCharsets.US_ASCII);
      b.put(t, 0, Math.min(t.length, b.remaining()));
    }
    try (FileChannel ch = FileChannel.open(img, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      for (long off = 0; off < size; off += block) {
        b.clear().limit((int) Math.min(block, size - off));
        // vary each block a little so no two are identical
        b.putLong(0, off);
        while (b.hasRemaining()) {
          ch.write(b, off + b.position());
        }
      }
      ch.force(false);
    }
  }

  static void dropCaches() throws IOException, InterruptedException {
    new ProcessBuilder("sh", "-c", "sync; echo 1 > /proc/sys/vm/drop_caches 2>/dev/null").start().waitFor();
  }

  static void sync() throws IOException, InterruptedException {
    new ProcessBuilder("sync").start().waitFor();
  }

  static void clean(Path p) throws IOException {
    if (Files.exists(p)) {
      try (var s = Files.walk(p)) {
        s.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }
  }

  static String human(long b) {
    return b >= (1L << 30) ? String.format(Locale.ROOT, "%.2f GiB", b / (double) (1L << 30))
        : String.format(Locale.ROOT, "%.1f MiB", b / (double) (1L << 20));
  }
}
