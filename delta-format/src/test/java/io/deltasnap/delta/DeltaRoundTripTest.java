package io.deltasnap.delta;

import static io.deltasnap.delta.Fixtures.*;
import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayInputStream;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DeltaRoundTripTest {

    @Test
    void randomCompressibleDataRoundTripsThroughAFullDelta() throws Exception {
        Random rnd = new Random(1);
        int chunk = 64 * 1024;
        byte[] volume = text(rnd, 8 * 1024 * 1024);
        byte[] delta = write(full(chunk, volume.length), w -> {
            for (int off = 0; off < volume.length; off += 3 * chunk) {
                int n = Math.min(3 * chunk, volume.length - off);
                w.writeData(off, java.util.Arrays.copyOfRange(volume, off, off + n));
            }
        });
        List<DeltaRecord> records = readAll(delta, null);
        assertArrayEquals(volume, apply(new byte[volume.length], records));
        assertTrue(delta.length < volume.length / 2, "text compresses: " + delta.length);
        assertTrue(records.stream().allMatch(r -> r instanceof DeltaRecord.Data));
        assertEquals(8, records.size(), "consecutive writes are packed into 1 MiB records");
    }

    @Test
    void allZeroChunksBecomeOneMergedZeroRecord() throws Exception {
        int chunk = 4096;
        Random rnd = new Random(2);
        byte[] volume = new byte[64 * chunk];
        System.arraycopy(random(rnd, chunk), 0, volume, 0, chunk); // chunk 0 data, chunks 1..63 zero
        System.arraycopy(random(rnd, chunk), 0, volume, 40 * chunk, chunk); // chunk 40 data
        byte[] delta = write(full(chunk, volume.length), w -> {
            for (int c = 0; c < 64; c++) {
                w.writeData((long) c * chunk, java.util.Arrays.copyOfRange(volume, c * chunk, (c + 1) * chunk));
            }
        });
        List<DeltaRecord> records = readAll(delta, null);
        assertEquals(List.of(DeltaRecord.Data.class, DeltaRecord.Zero.class, DeltaRecord.Data.class, DeltaRecord.Zero.class),
                records.stream().map(Object::getClass).toList());
        assertEquals(new DeltaRecord.Zero(chunk, 39L * chunk), records.get(1));
        assertEquals(new DeltaRecord.Zero(41L * chunk, 23L * chunk), records.get(3));
        assertArrayEquals(volume, apply(new byte[volume.length], records));
    }

    @Test
    void incompressibleDataIsStoredRaw() throws Exception {
        byte[] data = random(new Random(3), 256 * 1024);
        byte[] delta = write(full(4096, data.length), w -> w.writeData(0, data));
        DeltaInspection info = DeltaInspector.inspect(new ByteArrayInputStream(delta), TRUST);
        assertEquals(data.length, info.storedBytes(), "raw payload: stored = content");
        int firstRecord = (int) Bytes.u32(delta, HeaderFormat.OFF_LENGTH);
        assertEquals(0, delta[firstRecord + RecordFormat.OFF_FLAGS], "COMPRESSED flag clear");
        assertArrayEquals(data, apply(new byte[data.length], readAll(delta, null)));
    }

    @Test
    void patchAgainstBaseCostsAboutTheChangedBytes() throws Exception {
        int chunk = 64 * 1024;
        Random rnd = new Random(4);
        byte[] base = random(rnd, 4 * chunk);
        byte[] target = base.clone();
        for (int c = 0; c < 4; c++) {
            System.arraycopy(random(rnd, 4096), 0, target, c * chunk + 8192 * c, 4096); // 4 KiB changed per chunk
        }
        byte[] delta = write(incremental(chunk, base.length), w -> w.writeData(0, target, base));
        List<DeltaRecord> records = readAll(delta, baseOf(base));
        assertEquals(4, records.size());
        assertTrue(records.stream().allMatch(r -> r instanceof DeltaRecord.Patch), records.toString());
        long overhead = delta.length - 4L * 4096;
        assertTrue(overhead < 1200, "4 patches of a 4 KiB change cost ~16 KiB, got " + delta.length + " bytes");
        assertArrayEquals(target, apply(base, records));
    }

    @Test
    void writerPicksPlainDataWhenItIsSmallerThanThePatch() throws Exception {
        int chunk = 64 * 1024;
        Random rnd = new Random(5);
        byte[] base = random(rnd, chunk);
        byte[] target = text(rnd, chunk); // unrelated to base: a patch gains nothing
        byte[] delta = write(incremental(chunk, chunk), w -> w.writeData(0, target, base));
        List<DeltaRecord> records = readAll(delta, baseOf(base));
        assertEquals(List.of(new DeltaRecord.Data(0, target)), records);
    }

    @Test
    void partialChunkAtTheVolumeEndRoundTrips() throws Exception {
        int chunk = 4096;
        Random rnd = new Random(6);
        byte[] volume = text(rnd, 5 * chunk + 123);
        byte[] base = volume.clone();
        volume[5 * chunk + 7] ^= 1;
        byte[] full = write(full(chunk, volume.length), w -> w.writeData(0, volume));
        assertArrayEquals(volume, apply(new byte[volume.length], readAll(full, null)));
        byte[] inc = write(incremental(chunk, volume.length), w -> w.writeData(5L * chunk,
                java.util.Arrays.copyOfRange(volume, 5 * chunk, volume.length),
                java.util.Arrays.copyOfRange(base, 5 * chunk, volume.length)));
        List<DeltaRecord> records = readAll(inc, baseOf(base));
        assertEquals(1, records.size());
        assertEquals(123, records.get(0).length());
        assertArrayEquals(volume, apply(base, records));
    }

    @Test
    void fullDeltaFillsUnwrittenExtentsWithZeroRecords() throws Exception {
        int chunk = 4096;
        byte[] a = text(new Random(7), chunk);
        byte[] delta = write(full(chunk, 10L * chunk), w -> w.writeData(3L * chunk, a));
        assertEquals(List.of(new DeltaRecord.Zero(0, 3L * chunk), new DeltaRecord.Data(3L * chunk, a),
                new DeltaRecord.Zero(4L * chunk, 6L * chunk)), readAll(delta, null));
    }

    @Test
    void aTebibyteOfZerosIsOneSmallRecord() throws Exception {
        long tib = 1L << 40;
        byte[] delta = write(full(1 << 20, tib), w -> w.writeZero(0, tib));
        assertEquals(List.of(new DeltaRecord.Zero(0, tib)), readAll(delta, null));
        assertTrue(delta.length < 400, "header + one 32-byte record + trailer, got " + delta.length);
    }

    @Test
    void incrementalDeltaLeavesUnwrittenExtentsAlone() throws Exception {
        int chunk = 4096;
        byte[] a = random(new Random(8), chunk);
        byte[] delta = write(incremental(chunk, 100L * chunk), w -> {
            w.writeData(10L * chunk, a);
            w.writeZero(50L * chunk, 2L * chunk);
        });
        assertEquals(List.of(new DeltaRecord.Data(10L * chunk, a), new DeltaRecord.Zero(50L * chunk, 2L * chunk)),
                readAll(delta, baseOf(new byte[100 * chunk])));
    }

    @Test
    void outputIsTheSameBytesWhateverTheThreadCount() throws Exception {
        Random rnd = new Random(9);
        int chunk = 16 * 1024;
        byte[] volume = new byte[6 * 1024 * 1024];
        for (int off = 0; off < volume.length; off += chunk) {
            int kind = rnd.nextInt(3);
            byte[] c = kind == 0 ? new byte[chunk] : kind == 1 ? random(rnd, chunk) : text(rnd, chunk);
            System.arraycopy(c, 0, volume, off, chunk);
        }
        Fixtures.Body body = w -> {
            for (int off = 0; off < volume.length; off += 5 * chunk) {
                int n = Math.min(5 * chunk, volume.length - off);
                w.writeData(off, java.util.Arrays.copyOfRange(volume, off, off + n));
            }
        };
        byte[] one = write(full(chunk, volume.length), new WriterOptions(1, 1, 256 * 1024), body);
        byte[] four = write(full(chunk, volume.length), new WriterOptions(4, 3, 256 * 1024), body);
        assertArrayEquals(one, four);
        assertArrayEquals(volume, apply(new byte[volume.length], readAll(four, null)));
    }

    @Test
    void scatteredIncrementRoundTripsTheSameWhateverTheTaskSize() throws Exception {
        // an increment as a sender writes it: scattered chunks handed over with their bases (small
        // changes become patches, rewrites data), zero extents and plain runs between them. The
        // writer gathers chunks into compression tasks of up to recordBytes; whatever the task
        // size, window and thread count, the records must come out the same and in order.
        int chunk = 4096;
        int chunks = 600;
        Random rnd = new Random(11);
        byte[] base = new byte[chunks * chunk];
        for (int c = 0; c < chunks; c++) {
            System.arraycopy(c % 3 == 0 ? random(rnd, chunk) : text(rnd, chunk), 0, base, c * chunk, chunk);
        }
        byte[] target = base.clone();
        List<Object[]> ops = new java.util.ArrayList<>(); // {kind, chunk, count}
        for (int c = 0; c < chunks; ) {
            int kind = rnd.nextInt(6);
            int n = kind >= 4 ? 1 + rnd.nextInt(4) : 1;
            n = Math.min(n, chunks - c);
            int at = c * chunk;
            switch (kind) {
                case 0 -> { // a small change: a patch
                    target[at + rnd.nextInt(chunk)] ^= (byte) (1 + rnd.nextInt(255));
                    ops.add(new Object[] {"base", c, n});
                }
                case 1 -> { // rewritten: data, though a base is given
                    System.arraycopy(random(rnd, chunk), 0, target, at, chunk);
                    ops.add(new Object[] {"base", c, n});
                }
                case 2 -> { // zeroed
                    java.util.Arrays.fill(target, at, at + n * chunk, (byte) 0);
                    ops.add(new Object[] {"zero", c, n});
                }
                case 4 -> { // a plain run of new text, no base
                    System.arraycopy(text(rnd, n * chunk), 0, target, at, n * chunk);
                    ops.add(new Object[] {"plain", c, n});
                }
                default -> { } // unchanged, not written
            }
            c += n;
        }
        Fixtures.Body body = w -> {
            for (Object[] op : ops) {
                int at = (int) op[1] * chunk;
                int len = (int) op[2] * chunk;
                byte[] now = java.util.Arrays.copyOfRange(target, at, at + len);
                switch ((String) op[0]) {
                    case "base" -> w.handOver(at, now, java.util.Arrays.copyOfRange(base, at, at + len));
                    case "zero" -> w.writeZero(at, len);
                    default -> w.writeData(at, now);
                }
            }
        };
        byte[] oneChunkTasks = write(incremental(chunk, base.length), new WriterOptions(1, 1, chunk), body);
        byte[] serial = write(incremental(chunk, base.length), new WriterOptions(1, 1, 16 * chunk), body);
        byte[] parallel = write(incremental(chunk, base.length), new WriterOptions(3, 5, 16 * chunk), body);
        byte[] wide = write(incremental(chunk, base.length), new WriterOptions(4, 8, 1 << 20), body);
        for (byte[] delta : List.of(oneChunkTasks, serial, parallel, wide)) {
            List<DeltaRecord> records = readAll(delta, baseOf(base));
            assertArrayEquals(target, apply(base.clone(), records));
            assertTrue(records.stream().anyMatch(r -> r instanceof DeltaRecord.Patch), "some small changes are patches");
            assertTrue(records.stream().anyMatch(r -> r instanceof DeltaRecord.Zero), "zeroed extents are ZERO records");
        }
        // the record size packs plain runs differently; threads and window must change nothing
        assertArrayEquals(serial, parallel, "tasks of 16 chunks, one thread and one in flight, or three and five");
    }

    @Test
    void summaryCountsWhatWasWritten() throws Exception {
        int chunk = 4096;
        Random rnd = new Random(10);
        byte[] base = random(rnd, 2 * chunk);
        byte[] target = base.clone();
        target[5] ^= 1;
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        DeltaSummary s;
        try (DeltaWriter w = new DeltaWriter(out, incremental(chunk, 8L * chunk), KEY, opts(2))) {
            w.writeData(0, target, base);
            w.writeZero(4L * chunk, chunk);
            w.writeData(6L * chunk, random(rnd, chunk));
            s = w.finish();
        }
        assertEquals(1, s.dataRecords(), "the random chunk at 6");
        assertEquals(1, s.zeroRecords());
        assertEquals(2, s.patchRecords(), "both chunks of the patch write differ little from the base");
        assertEquals(3L * chunk, s.dataBytes());
        assertEquals(chunk, s.zeroBytes());
        assertEquals(out.size(), s.streamBytes());
        DeltaInspection info = DeltaInspector.inspect(new ByteArrayInputStream(out.toByteArray()), null);
        assertEquals(s.dataRecords(), info.dataRecords());
        assertEquals(s.patchRecords(), info.patchRecords());
        assertEquals(s.streamBytes(), info.streamBytes());
    }
}
