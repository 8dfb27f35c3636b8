package io.deltasnap.nbd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Devices with impossible block sizes are refused with a message naming the export and value. */
class GeometryTest {

    @Test
    void theAdvertisedMaximumIsCappedAt32MiBAndRoundedToTheMinimum() {
        Geometry g = Geometry.of("x", new MemoryBlockDevice(4096, false, 4096, 4096, Integer.MAX_VALUE));
        assertEquals(32 << 20, g.maximum());
        Geometry h = Geometry.of("y", new MemoryBlockDevice(1 << 20, false, 4096, 4096, 10_000));
        assertEquals(8192, h.maximum());
    }

    @Test
    void nonPowerOfTwoMinimumIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Geometry.of("snap", new MemoryBlockDevice(4096, false, 3000, 4096, 65536)));
        assertTrue(e.getMessage().contains("snap") && e.getMessage().contains("3000"), e.getMessage());
    }

    @Test
    void preferredBelow512IsRefused() {
        assertThrows(IllegalArgumentException.class, () -> Geometry.of("x", new MemoryBlockDevice(4096, false, 1, 256, 65536)));
    }

    @Test
    void maximumBelowPreferredIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> Geometry.of("x", new MemoryBlockDevice(1 << 20, false, 512, 65536, 4096)));
    }

    @Test
    void readOnlyExportsAreMultiConnAndWritableOnesOnlyWhenTheDeviceSaysSo() {
        MemoryBlockDevice rw = new MemoryBlockDevice(4096, false);
        assertEquals(0, Geometry.of("rw", rw).transmissionFlags(false) & Protocol.FLAG_CAN_MULTI_CONN);
        rw.multiConnSafe = true;
        assertEquals(Protocol.FLAG_CAN_MULTI_CONN, Geometry.of("rw", rw).transmissionFlags(false) & Protocol.FLAG_CAN_MULTI_CONN);
        int ro = Geometry.of("ro", new MemoryBlockDevice(4096, true)).transmissionFlags(true);
        assertEquals(Protocol.FLAG_HAS_FLAGS | Protocol.FLAG_READ_ONLY | Protocol.FLAG_CAN_MULTI_CONN | Protocol.FLAG_SEND_DF, ro);
    }
}
