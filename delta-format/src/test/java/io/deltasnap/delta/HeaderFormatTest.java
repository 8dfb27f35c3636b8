package io.deltasnap.delta;

import static io.deltasnap.delta.Fixtures.*;
import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class HeaderFormatTest {
    @Test
    void headerConstructorRefusesValuesTheFormatCannotCarry() {
        byte[] key = Keys.publicKey(KEY);
        TargetSnapshot t = new TargetSnapshot(1, UUID.randomUUID(), "n", 0, false);
        assertThrows(IllegalArgumentException.class, () -> new DeltaHeader(UUID.randomUUID(), 6000, 1, null, t, 3, key));
        assertThrows(IllegalArgumentException.class, () -> new DeltaHeader(UUID.randomUUID(), 2048, 1, null, t, 3, key));
        assertThrows(IllegalArgumentException.class, () -> new DeltaHeader(UUID.randomUUID(), 4096, 0, null, t, 3, key));
        assertThrows(IllegalArgumentException.class, () -> new DeltaHeader(UUID.randomUUID(), 4096, 1, null, t, 23, key));
        assertThrows(IllegalArgumentException.class, () -> new DeltaHeader(UUID.randomUUID(), 4096, 1, null, t, 3, new byte[31]));
        assertThrows(IllegalArgumentException.class, () -> new TargetSnapshot(1, UUID.randomUUID(), "é".repeat(128), 0, false));
        assertThrows(IllegalArgumentException.class, () -> new TargetSnapshot(1, UUID.randomUUID(), "\ud800", 0, false));
        assertThrows(IllegalArgumentException.class, () -> new TargetSnapshot(-1, UUID.randomUUID(), "n", 0, false));
        assertThrows(IllegalArgumentException.class, () -> new SnapshotRef(-1, UUID.randomUUID()));
        assertEquals(255, TargetSnapshot.utf8(new TargetSnapshot(1, UUID.randomUUID(), "é".repeat(127) + "x", 0, false).name()).length);
    }

    @Test
    void headerRoundTripsThroughItsEncoding() throws IOException {
        DeltaHeader h = new DeltaHeader(UUID.randomUUID(), 1 << 20, Long.MAX_VALUE, new SnapshotRef(Long.MAX_VALUE, UUID.randomUUID()),
                new TargetSnapshot(0, UUID.randomUUID(), "snapshot \u00e9\u00e8 \ud83d\ude00", -5, true), -7, Keys.publicKey(KEY));
        byte[] b = HeaderFormat.encode(h);
        HeaderFormat.Decoded d = HeaderFormat.read(new StreamInput(new java.io.ByteArrayInputStream(b), 0));
        assertEquals(h, d.header());
        assertArrayEquals(b, d.bytes());
    }
}
