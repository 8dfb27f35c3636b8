package io.deltasnap.delta;

import static io.deltasnap.delta.Fixtures.*;
import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ResumeTest {
    static byte[] delta;
    static List<DeltaRecord> all;

    @BeforeAll
    static void setUp() throws Exception {
        ReaderRefusalTest.makeDelta();
        delta = ReaderRefusalTest.delta;
        all = ReaderRefusalTest.records;
    }

    @Test
    void readerResumedFromASavedChainAtEveryRecordBoundaryVerifiesTheWholeStream() throws Exception {
        BaseSource base = baseOf(ReaderRefusalTest.base);
        for (int k = 0; k <= all.size(); k++) {
            byte[] saved;
            DeltaHeader header;
            List<DeltaRecord> got = new ArrayList<>();
            try (DeltaReader r = new DeltaReader(new ByteArrayInputStream(delta), TRUST)) {
                header = r.header();
                for (int i = 0; i < k; i++) {
                    got.add(r.next(base));
                }
                saved = r.chain().toBytes(); // what a receiver stores with its staged records
            }
            HashChain from = HashChain.fromBytes(saved);
            assertEquals(k, from.recordCount());
            byte[] rest = Arrays.copyOfRange(delta, (int) from.byteOffset(), delta.length);
            try (DeltaReader r = DeltaReader.resume(new ByteArrayInputStream(rest), header, from, TRUST)) {
                for (DeltaRecord rec; (rec = r.next(base)) != null; ) {
                    got.add(rec);
                }
            }
            assertEquals(all, got, "resumed after " + k + " records");
        }
    }

    @Test
    void resumingWithAStateFromAnotherStreamFailsAtTheTrailer() throws Exception {
        DeltaHeader header;
        HashChain from;
        try (DeltaReader r = new DeltaReader(new ByteArrayInputStream(delta), TRUST)) {
            header = r.header();
            r.next(baseOf(ReaderRefusalTest.base));
            from = r.chain();
        }
        byte[] v = from.value();
        v[0] ^= 1;
        HashChain wrong = new HashChain(v, from.byteOffset(), from.volumeCursor(), from.dataRecords(), from.zeroRecords(),
                from.patchRecords(), from.dataBytes(), from.zeroBytes());
        byte[] rest = Arrays.copyOfRange(delta, (int) from.byteOffset(), delta.length);
        try (DeltaReader r = DeltaReader.resume(new ByteArrayInputStream(rest), header, wrong, TRUST)) {
            DeltaFormatException e = assertThrows(DeltaFormatException.class, () -> {
                while (r.next(baseOf(ReaderRefusalTest.base)) != null) {
                    // drain
                }
            });
            assertEquals(delta.length - TrailerFormat.TRAILER_BYTES + TrailerFormat.OFF_HASH, e.offset());
        }
    }

    @Test
    void damagedSerializedChainStateIsRefused() throws Exception {
        byte[] b;
        try (DeltaReader r = new DeltaReader(new ByteArrayInputStream(delta), TRUST)) {
            b = r.chain().toBytes();
        }
        assertEquals(HashChain.SERIALIZED_BYTES, b.length);
        for (int p = 0; p < b.length; p++) {
            byte[] bad = b.clone();
            bad[p] ^= 4;
            assertThrows(DeltaFormatException.class, () -> HashChain.fromBytes(bad), "byte " + p);
        }
        assertThrows(DeltaFormatException.class, () -> HashChain.fromBytes(Arrays.copyOf(b, 99)));
    }
}
