package io.deltasnap.delta.bench;

import io.deltasnap.delta.DeltaHeader;
import io.deltasnap.delta.DeltaReader;
import io.deltasnap.delta.DeltaRecord;
import io.deltasnap.delta.DeltaSummary;
import io.deltasnap.delta.DeltaWriter;
import io.deltasnap.delta.Keys;
import io.deltasnap.delta.SignerKey;
import io.deltasnap.delta.TargetSnapshot;
import io.deltasnap.delta.TrustedKeys;
import io.deltasnap.delta.WriterOptions;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;

/**
 * DeltaWriter throughput against the zstd command line on the same bytes.
 *
 * <p>Generates a compressible file (default 1 GiB: text-like chunks with one random chunk in ten),
 * then times {@code zstd -LEVEL -T2 -c FILE > /dev/null} and a full delta of the same bytes written
 * to a byte-counting sink, both reading the file from the page cache, alternating so that both see
 * the same machine load. Prints MB/s (10^6 bytes of input per second) and the compression ratio of
 * each: every run, then the best and the median of N runs after one warm-up. Finally it times
 * reading the delta back ({@link DeltaReader}, verifying everything) against {@code zstd -d}.
 *
 * <p>Run from the repository root after {@code mvn -pl delta-format test-compile}:
 * <pre>
 * mvn -q -pl delta-format dependency:build-classpath -Dmdep.outputFile=$PWD/delta-format/target/cp.txt
 * java -Xmx2g -cp delta-format/target/classes:delta-format/target/test-classes:$(cat delta-format/target/cp.txt) \
 *     io.deltasnap.delta.bench.DeltaWriterBenchmark [sizeMiB=1024] [level=1] [runs=5] [file=/tmp/deltasnap-bench.bin]
 * </pre>
 */
public final class DeltaWriterBenchmark {
    private static final int CHUNK = 64 * 1024;
    private static final int READ = 4 << 20;

    private DeltaWriterBenchmark() {}

    public static void main(String[] args) throws IOException, InterruptedException {
        long sizeMiB = args.length > 0 ? Long.parseLong(args[0]) : 1024;
        int level = args.length > 1 ? Integer.parseInt(args[1]) : 1;
        int runs = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        Path file = Path.of(args.length > 3 ? args[3] : "/tmp/deltasnap-bench.bin");
        long size = sizeMiB << 20;
        if (!Files.exists(file) || Files.size(file) != size) {
            System.out.printf("generating %d MiB of compressible data in %s%n", sizeMiB, file);
            generate(file, size);
        }
        System.out.printf("input %s: %d bytes, chunk %d KiB, zstd level %d, %d processors%n", file, size, CHUNK / 1024,
                level, Runtime.getRuntime().availableProcessors());

        Path zst = Files.createTempFile("deltasnap-bench", ".zst");
        Path deltaFile = Files.createTempFile("deltasnap-bench", ".delta");
        try {
            long zstdBytes = zstdCompress(file, level, zst);
            double[] z = new double[runs];
            double[] w = new double[runs];
            DeltaSummary summary = null;
            Ed25519PrivateKeyParameters key = Keys.generate();
            for (int run = 0; run <= runs; run++) {
                double zs = size / 1e6 / zstdSeconds(file, level);
                long t0 = System.nanoTime();
                summary = writeDelta(file, size, level, key, new CountingSink());
                double ws = size / 1e6 / ((System.nanoTime() - t0) / 1e9);
                System.out.printf("%-8s zstd -%d -T2: %7.1f MB/s   DeltaWriter: %7.1f MB/s%n",
                        run == 0 ? "warm-up" : "run " + run, level, zs, ws);
                if (run > 0) {
                    z[run - 1] = zs;
                    w[run - 1] = ws;
                }
            }
            Arrays.sort(z);
            Arrays.sort(w);
            System.out.printf("%nwrite, %d runs: zstd -%d -T2 best %.1f / median %.1f MB/s (ratio %.3f)   "
                            + "DeltaWriter best %.1f / median %.1f MB/s (ratio %.3f)   DeltaWriter/zstd: best %.2f, median %.2f%n",
                    runs, level, z[runs - 1], z[runs / 2], (double) size / zstdBytes, w[runs - 1], w[runs / 2],
                    (double) size / summary.streamBytes(), w[runs - 1] / z[runs - 1], w[runs / 2] / z[runs / 2]);
            System.out.println("delta: " + summary);

            try (OutputStream o = new BufferedOutputStream(Files.newOutputStream(deltaFile), 1 << 20)) {
                writeDelta(file, size, level, key, o);
            }
            TrustedKeys trust = TrustedKeys.of(new SignerKey(Keys.publicKey(key), "bench"));
            double[] zr = new double[runs];
            double[] dr = new double[runs];
            for (int run = 0; run <= runs; run++) {
                double zs = size / 1e6 / zstdDecompressSeconds(zst);
                long t0 = System.nanoTime();
                readDelta(deltaFile, trust);
                double ds = size / 1e6 / ((System.nanoTime() - t0) / 1e9);
                System.out.printf("%-8s zstd -d: %7.1f MB/s   DeltaReader: %7.1f MB/s%n",
                        run == 0 ? "warm-up" : "run " + run, zs, ds);
                if (run > 0) {
                    zr[run - 1] = zs;
                    dr[run - 1] = ds;
                }
            }
            Arrays.sort(zr);
            Arrays.sort(dr);
            System.out.printf("%nread, %d runs: zstd -d best %.1f / median %.1f MB/s   "
                    + "DeltaReader (single thread, all checks) best %.1f / median %.1f MB/s%n", runs, zr[runs - 1], zr[runs / 2],
                    dr[runs - 1], dr[runs / 2]);
        } finally {
            Files.deleteIfExists(zst);
            Files.deleteIfExists(deltaFile);
        }
    }

    private static void readDelta(Path deltaFile, TrustedKeys trust) throws IOException {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(deltaFile), 1 << 20);
             DeltaReader r = new DeltaReader(in, trust)) {
            long n = 0;
            for (DeltaRecord rec; (rec = r.next(null)) != null; ) {
                n += rec.length();
            }
            if (n != r.header().volumeSize()) {
                throw new IllegalStateException("read " + n + " bytes");
            }
        }
    }

    private static double zstdDecompressSeconds(Path zst) throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder("/usr/bin/zstd", "-q", "-d", "-c", zst.toString())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (p.waitFor() != 0) {
            throw new IOException("zstd -d exited with " + p.exitValue());
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    private static DeltaSummary writeDelta(Path file, long size, int level, Ed25519PrivateKeyParameters key,
                                           OutputStream out) throws IOException {
        DeltaHeader h = new DeltaHeader(UUID.randomUUID(), CHUNK, size, null,
                new TargetSnapshot(1, UUID.randomUUID(), "bench", System.currentTimeMillis(), false), level,
                Keys.publicKey(key));
        byte[] buf = new byte[READ];
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
             DeltaWriter w = new DeltaWriter(out, h, key, WriterOptions.defaults())) {
            for (long off = 0; off < size; off += READ) {
                int n = (int) Math.min(READ, size - off);
                ByteBuffer bb = ByteBuffer.wrap(buf, 0, n);
                while (bb.hasRemaining()) {
                    if (ch.read(bb, off + bb.position()) < 0) {
                        throw new IOException("file shrank");
                    }
                }
                w.writeData(off, n == READ ? buf : Arrays.copyOf(buf, n));
            }
            return w.finish();
        }
    }

    private static double zstdSeconds(Path file, int level) throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder("/usr/bin/zstd", "-q", "-" + level, "-T2", "-c", file.toString())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectErrorStream(false).start();
        if (p.waitFor() != 0) {
            throw new IOException("zstd exited with " + p.exitValue());
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    private static long zstdCompress(Path file, int level, Path out) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("/usr/bin/zstd", "-q", "-f", "-" + level, "-T2", file.toString(), "-o", out.toString())
                .inheritIO().start();
        if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new IOException("zstd failed");
        }
        return Files.size(out);
    }

    /** Text-like chunks (words and numbers) with one chunk in ten random. */
    private static void generate(Path file, long size) throws IOException {
        String[] vocab = buildVocabulary(new SplittableRandom(42), 2000);
        SplittableRandom rnd = new SplittableRandom(7);
        byte[] chunk = new byte[CHUNK];
        try (OutputStream o = Files.newOutputStream(file)) {
            for (long off = 0; off < size; off += CHUNK) {
                if (rnd.nextInt(10) == 0) {
                    rnd.nextBytes(chunk);
                } else {
                    int i = 0;
                    while (i < CHUNK) {
                        String w = rnd.nextInt(6) == 0 ? Integer.toString(rnd.nextInt(1_000_000)) : vocab[(int) Math.min(
                                vocab.length - 1, Math.abs(rnd.nextGaussian()) * vocab.length / 4)];
                        for (int k = 0; k < w.length() && i < CHUNK; k++) {
                            chunk[i++] = (byte) w.charAt(k);
                        }
                        if (i < CHUNK) {
                            chunk[i++] = (byte) (rnd.nextInt(10) == 0 ? '\n' : ' ');
                        }
                    }
                }
                o.write(chunk, 0, (int) Math.min(CHUNK, size - off));
            }
        }
    }

    private static String[] buildVocabulary(SplittableRandom rnd, int n) {
        List<String> words = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            StringBuilder b = new StringBuilder();
            int len = 2 + rnd.nextInt(9);
            for (int k = 0; k < len; k++) {
                b.append((char) ('a' + rnd.nextInt(26)));
            }
            words.add(b.toString());
        }
        return words.toArray(new String[0]);
    }

    /** Discards bytes; counts them so the JIT cannot drop the writes. */
    private static final class CountingSink extends OutputStream {
        long count;

        @Override
        public void write(int b) {
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            count += len;
        }
    }
}
