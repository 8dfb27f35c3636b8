package io.deltasnap.delta;

import static io.deltasnap.delta.Fixtures.*;
import static org.junit.jupiter.api.Assertions.*;

import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

class StreamingTest {
    /**
     * Streams a delta larger than the test JVM's heap (-Xmx2g) from a writer straight into a reader
     * through a pipe: neither side may hold the delta in memory.
     */
    @Test
    void deltaLargerThanTheHeapStreamsThroughWriterAndReader() throws Exception {
        long size = 9L << 28; // 2.25 GiB, above the 2 GiB test heap
        int chunk = 1 << 20;
        byte[][] pattern = new byte[8][];
        Random rnd = new Random(5);
        for (int i = 0; i < pattern.length; i++) {
            pattern[i] = text(rnd, chunk);
        }
        DeltaHeader h = new DeltaHeader(UUID.randomUUID(), chunk, size, null,
                new TargetSnapshot(1, UUID.randomUUID(), "big", 0, false), 1, Keys.publicKey(KEY));
        PipedInputStream in = new PipedInputStream(1 << 20);
        PipedOutputStream out = new PipedOutputStream(in);
        ExecutorService exec = Executors.newSingleThreadExecutor();
        try {
            Future<DeltaSummary> written = exec.submit(() -> {
                try (out; DeltaWriter w = new DeltaWriter(out, h, KEY, WriterOptions.defaults())) {
                    for (long off = 0; off < size; off += chunk) {
                        w.writeData(off, pattern[(int) (off / chunk % pattern.length)]);
                    }
                    return w.finish();
                }
            });
            CRC32C expected = new CRC32C();
            CRC32C got = new CRC32C();
            long bytes = 0;
            try (DeltaReader r = new DeltaReader(in, TRUST)) {
                for (DeltaRecord rec; (rec = r.next(null)) != null; ) {
                    DeltaRecord.Data d = assertInstanceOf(DeltaRecord.Data.class, rec);
                    assertEquals(bytes, d.offset());
                    got.update(d.bytes());
                    for (long o = d.offset(); o < d.offset() + d.length(); o += chunk) {
                        expected.update(pattern[(int) (o / chunk % pattern.length)]);
                    }
                    bytes += d.length();
                }
            }
            assertEquals(size, bytes);
            assertEquals(expected.getValue(), got.getValue());
            DeltaSummary s = written.get();
            assertEquals(size, s.dataBytes());
            assertTrue(s.streamBytes() < size / 2, "compressed: " + s.streamBytes());
        } finally {
            exec.shutdownNow();
        }
    }
}
