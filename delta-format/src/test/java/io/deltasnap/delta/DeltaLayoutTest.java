package io.deltasnap.delta;

import static io.deltasnap.delta.Fixtures.*;
import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The sizes {@link DeltaLayout} exports are the ones the writer writes and the reader takes. */
class DeltaLayoutTest {
    static DeltaHeader named(String name) {
        return new DeltaHeader(VOLUME, 4096, 8192, null, new TargetSnapshot(7, TARGET_UUID, name, 0, false), 3,
                Keys.publicKey(KEY));
    }

    static byte[] delta() throws IOException {
        byte[] data = Arrays.copyOf("deltasnap layout\n".repeat(100).getBytes(StandardCharsets.US_ASCII), 4096);
        return write(named("layout"), w -> {
            w.writeData(0, data);
            w.writeZero(4096, 4096);
        });
    }

    @Test
    void aHeaderIsTheSmallestSizePlusItsNameAndCarriesTheKeyAtItsOffset() {
        assertEquals(DeltaLayout.MIN_HEADER_BYTES, HeaderFormat.encode(named("")).length);
        assertEquals(DeltaLayout.MIN_HEADER_BYTES + 255, HeaderFormat.encode(named("n".repeat(255))).length);
        assertTrue(DeltaLayout.MIN_HEADER_BYTES + 255 < DeltaLayout.MAX_HEADER_BYTES);
        byte[] h = HeaderFormat.encode(named("x"));
        assertArrayEquals(Keys.publicKey(KEY), Arrays.copyOfRange(h, DeltaLayout.SIGNER_KEY_OFFSET,
                DeltaLayout.SIGNER_KEY_OFFSET + DeltaHeader.KEY_BYTES));
    }

    @Test
    void aPlainDeltaEndsWithATrailerOfTheExportedSize() throws IOException {
        byte[] d = delta();
        long[] starts = structureStarts(d);
        long trailer = starts[starts.length - 2];
        assertEquals(DeltaLayout.TRAILER_BYTES, d.length - trailer);
        assertEquals((byte) 0xFF, d[(int) trailer]);
        assertEquals(2, readAll(d, BaseSource.KEEP_ENCODED).size(), "and the reader takes it");
    }

    @Test
    void anEncryptedDeltaEndsWithASealedTrailerOfTheExportedSize() throws IOException {
        byte[] d = EncryptedDeltaTest.encryptedCopy(delta(), EncryptedDeltaTest.TO_BOTH);
        List<Integer> frames = EncryptedDeltaTest.frames(d);
        int trailer = frames.get(frames.size() - 1);
        assertEquals(DeltaLayout.SEALED_TRAILER_BYTES, d.length - trailer);
        assertEquals((byte) 0xFF, d[trailer]);
    }

    @Test
    void theDocumentStatesTheExportedSizes() throws IOException {
        java.nio.file.Path doc = java.nio.file.Path.of("..", "docs", "delta-format.md");
        assertTrue(java.nio.file.Files.exists(doc), doc.toAbsolutePath() + " is beside this module");
        String text = java.nio.file.Files.readString(doc).replaceAll("\\s+", " ");
        for (String s : new String[] {"the smallest header (" + DeltaLayout.MIN_HEADER_BYTES + ")",
            "the largest (" + DeltaLayout.MAX_HEADER_BYTES + ")", "offset in the header (" + DeltaLayout.SIGNER_KEY_OFFSET + ")",
            "a plain (" + DeltaLayout.TRAILER_BYTES + ")", "an encrypted (" + DeltaLayout.SEALED_TRAILER_BYTES + ")"}) {
            assertTrue(text.contains(s), "docs/delta-format.md says " + s);
        }
    }
}
