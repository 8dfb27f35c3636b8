package io.deltasnap.delta;

import static io.deltasnap.delta.Fixtures.*;
import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import org.junit.jupiter.api.Test;

class WriterContractTest {
    static final int C = 4096;

    static DeltaWriter writer(DeltaHeader h) throws IOException {
        return new DeltaWriter(new ByteArrayOutputStream(), h, KEY, opts(1));
    }

    @Test
    void misplacedExtentsAreRefusedWithTheReason() throws IOException {
        try (DeltaWriter w = writer(incremental(C, 10L * C + 10))) {
            assertTrue(assertThrows(IllegalArgumentException.class, () -> w.writeData(100, new byte[C]))
                    .getMessage().contains("not a multiple of the chunk size"));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> w.writeData(0, new byte[C + 1]))
                    .getMessage().contains("not a multiple of the chunk size"));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> w.writeData(10L * C, new byte[C]))
                    .getMessage().contains("past the volume size"));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> w.writeData(0, new byte[0]))
                    .getMessage().contains("empty"));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> w.writeData(0, new byte[C], new byte[C - 1]))
                    .getMessage().contains("base is"));
            // a refused argument changes nothing: the writer goes on
            w.writeData(2L * C, new byte[C]);
            assertTrue(assertThrows(IllegalArgumentException.class, () -> w.writeData(2L * C, new byte[C]))
                    .getMessage().contains("volume order without overlap"));
            w.writeData(10L * C, new byte[10]); // the partial last chunk is fine
            w.finish();
        }
    }

    @Test
    void fullDeltaRefusesABase() throws IOException {
        try (DeltaWriter w = writer(full(C, 10L * C))) {
            assertThrows(IllegalArgumentException.class, () -> w.writeData(0, new byte[C], new byte[C]));
        }
    }

    @Test
    void writerRefusesAKeyThatIsNotTheHeadersSigner() {
        DeltaHeader h = full(C, C);
        assertThrows(IllegalArgumentException.class,
                () -> new DeltaWriter(new ByteArrayOutputStream(), h, OTHER_KEY, opts(1)));
    }

    @Test
    void writerIsUnusableAfterFinishOrAFailure() throws IOException {
        DeltaWriter w = writer(full(C, C));
        w.finish();
        assertThrows(IllegalStateException.class, () -> w.writeData(0, new byte[C]));
        assertThrows(IllegalStateException.class, w::finish);
        w.close();

        OutputStream failing = new OutputStream() {
            int n;

            @Override
            public void write(int b) throws IOException {
                if (++n > 200) {
                    throw new IOException("disk full");
                }
            }
        };
        try (DeltaWriter f = new DeltaWriter(failing, full(C, 4L * C), KEY, opts(1))) {
            f.writeData(0, Fixtures.random(new java.util.Random(1), C));
            assertThrows(IOException.class, f::finish);
            assertThrows(IllegalStateException.class, f::finish);
        }
    }

    @Test
    void closeWithoutFinishWritesNoTrailer() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (DeltaWriter w = new DeltaWriter(out, full(C, 4L * C), KEY, opts(2))) {
            w.writeData(0, new byte[C]);
        }
        ReaderRefusalTest.Outcome o = ReaderRefusalTest.readUntilRefused(out.toByteArray(), TRUST);
        assertEquals(DeltaFormatException.Code.TRUNCATED, o.error().code());
    }

    @Test
    void callerMayReuseItsBufferAfterWriteReturns() throws IOException {
        byte[] buf = text(new java.util.Random(2), C);
        byte[] first = buf.clone();
        byte[] d = write(full(C, 2L * C), w -> {
            w.writeData(0, buf);
            java.util.Arrays.fill(buf, (byte) 7);
            w.writeData(C, buf);
        });
        assertEquals(java.util.List.of(new DeltaRecord.Data(0, concat(first, buf))), readAll(d, null));
    }

    /** A handed-over extent gives the very bytes a copied one does, with one thread or several. */
    @Test
    void handOverWritesWhatWriteDataWrites() throws IOException {
        java.util.Random rnd = new java.util.Random(3);
        long size = 64L * C;
        byte[] base = text(rnd, (int) size);
        byte[] now = changed(rnd, base, 40);
        for (int threads : new int[] {1, 3}) {
            byte[] copied = write(incremental(C, size), opts(threads), w -> {
                for (int c = 0; c < 64; c += 2) {
                    w.writeData((long) c * C, java.util.Arrays.copyOfRange(now, c * C, (c + 2) * C),
                            java.util.Arrays.copyOfRange(base, c * C, (c + 2) * C));
                }
            });
            byte[] handed = write(incremental(C, size), opts(threads), w -> {
                for (int c = 0; c < 64; c += 2) {
                    w.handOver((long) c * C, java.util.Arrays.copyOfRange(now, c * C, (c + 2) * C),
                            java.util.Arrays.copyOfRange(base, c * C, (c + 2) * C));
                }
            });
            assertArrayEquals(copied, handed);
            assertArrayEquals(now, apply(base, readAll(handed, baseOf(base))));
        }
    }

    /**
     * Arrays given back by {@link DeltaWriter#recycleHandedOver} are the caller's again: scribbling
     * over each one the moment it comes back, and refilling it for a later chunk, must not change
     * a byte of the delta. Every handed-over array comes back exactly once.
     */
    @Test
    void handedOverArraysComeBackOnceAndAreNotReadAfter() throws IOException {
        java.util.Random rnd = new java.util.Random(4);
        long size = 96L * C;
        byte[] base = text(rnd, (int) size);
        byte[] now = changed(rnd, base, 60);
        for (int threads : new int[] {1, 3}) {
            byte[] copied = write(incremental(C, size), new WriterOptions(threads, 2, 4 * C), w -> {
                for (int c = 0; c < 96; c++) {
                    w.writeData((long) c * C, java.util.Arrays.copyOfRange(now, c * C, (c + 1) * C),
                            java.util.Arrays.copyOfRange(base, c * C, (c + 1) * C));
                }
            });
            java.util.concurrent.LinkedBlockingQueue<byte[]> back = new java.util.concurrent.LinkedBlockingQueue<>();
            java.util.Set<byte[]> out = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
            int[] given = new int[1];
            byte[] handed = write(incremental(C, size), new WriterOptions(threads, 2, 4 * C), w -> {
                w.recycleHandedOver(b -> {
                    synchronized (out) {
                        assertTrue(out.remove(b), "an array comes back once, and only one that was handed over");
                    }
                    java.util.Arrays.fill(b, (byte) 0x5A); // the writer must be done with it
                    back.add(b);
                });
                for (int c = 0; c < 96; c++) {
                    byte[] d = reuse(back, now, c);
                    byte[] b = reuse(back, base, c);
                    synchronized (out) {
                        out.add(d);
                        out.add(b);
                    }
                    given[0] += 2;
                    w.handOver((long) c * C, d, b);
                }
            });
            assertArrayEquals(copied, handed, threads + " threads");
            assertTrue(back.size() > 0 && back.size() <= given[0], "arrays came back: " + back.size());
            synchronized (out) {
                assertTrue(out.isEmpty(), out.size() + " handed-over arrays never came back");
            }
        }
    }

    /** {@code base} with {@code changes} random chunks rewritten or patched in place (one byte flipped). */
    private static byte[] changed(java.util.Random rnd, byte[] base, int changes) {
        byte[] now = base.clone();
        for (int i = 0; i < changes; i++) {
            int c = rnd.nextInt(base.length / C);
            if (rnd.nextBoolean()) {
                System.arraycopy(random(rnd, C), 0, now, c * C, C);
            } else {
                now[c * C + rnd.nextInt(C)] ^= 1;
            }
        }
        return now;
    }

    /** Chunk {@code c} of {@code from} in an array given back earlier when there is one. */
    private static byte[] reuse(java.util.concurrent.BlockingQueue<byte[]> back, byte[] from, int c) {
        byte[] b = back.poll();
        if (b == null) {
            b = new byte[C];
        }
        System.arraycopy(from, c * C, b, 0, C);
        return b;
    }

    static byte[] concat(byte[] a, byte[] b) {
        return Craft.concat(a, b);
    }
}
