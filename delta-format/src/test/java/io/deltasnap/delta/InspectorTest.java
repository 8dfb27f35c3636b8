package io.deltasnap.delta;

import static io.deltasnap.delta.Fixtures.*;
import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import org.junit.jupiter.api.Test;

class InspectorTest {
    static DeltaInspection inspect(byte[] d, TrustedKeys t) throws IOException {
        return DeltaInspector.inspect(new ByteArrayInputStream(d), t);
    }

    @Test
    void inspectsAnIncrementalDeltaWithoutBaseDataOrTrustFile() throws Exception {
        ReaderRefusalTest.makeDelta();
        byte[] d = ReaderRefusalTest.delta;
        DeltaInspection i = inspect(d, null);
        assertEquals(incremental(ReaderRefusalTest.CHUNK, 6 * ReaderRefusalTest.CHUNK + 100), i.header());
        assertEquals(3, i.dataRecords());
        assertEquals(1, i.zeroRecords());
        assertEquals(1, i.patchRecords());
        assertEquals(3L * ReaderRefusalTest.CHUNK + 100, i.dataBytes(), "patch, text, random, 100-byte tail");
        assertEquals(2L * ReaderRefusalTest.CHUNK, i.zeroBytes());
        assertEquals(d.length, i.streamBytes());
        assertEquals(DeltaInspection.SignatureState.UNVERIFIED, i.signature().state());
        assertEquals("unverified: no trust file", i.signature().detail());
    }

    @Test
    void reportsTheSignatureAgainstATrustFileInsteadOfThrowing() throws Exception {
        ReaderRefusalTest.makeDelta();
        byte[] d = ReaderRefusalTest.delta;
        String fp = Keys.fingerprint(Keys.publicKey(KEY));
        assertEquals("verified: " + fp + " (test key 0)", inspect(d, TRUST).signature().detail());
        DeltaInspection.Signature untrusted = inspect(d, trust(OTHER_KEY)).signature();
        assertEquals(DeltaInspection.SignatureState.UNTRUSTED, untrusted.state());
        assertTrue(untrusted.detail().contains(fp), untrusted.detail());
        byte[] forged = d.clone();
        Craft.resign(forged, forged.length - TrailerFormat.TRAILER_BYTES, OTHER_KEY);
        assertEquals(DeltaInspection.SignatureState.INVALID, inspect(forged, null).signature().state());
        assertEquals(DeltaInspection.SignatureState.INVALID, inspect(forged, TRUST).signature().state());
    }

    @Test
    void damageIsStillRefusedWithItsOffset() throws Exception {
        ReaderRefusalTest.makeDelta();
        byte[] d = ReaderRefusalTest.delta.clone();
        long[] starts = structureStarts(d);
        int p = (int) starts[2] + RecordFormat.HEADER_BYTES + 5;
        d[p] ^= 1;
        DeltaFormatException e = assertThrows(DeltaFormatException.class, () -> inspect(d, null));
        assertEquals(starts[2] + RecordFormat.HEADER_BYTES, e.offset());
    }
}
