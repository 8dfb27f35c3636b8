package io.deltasnap.nbd;

/**
 * What the server tells a client about one opened export, checked once when it is opened.
 * Invariants (from the spec's "Block size constraints"): {@code minimum} is a power of two in
 * [1, 65536]; {@code preferred} is a power of two at least {@code max(minimum, 512)};
 * {@code maximum} is a multiple of {@code minimum}, at most {@link Protocol#MAX_PAYLOAD}, and at
 * least {@code min(preferred, size)}.
 */
record Geometry(long size, boolean readOnly, boolean multiConnSafe, int minimum, int preferred, int maximum) {
    Geometry {
        assert size >= 0 && isPowerOfTwo(minimum) && minimum <= 65536 : "bad geometry " + size + "/" + minimum;
        assert isPowerOfTwo(preferred) && preferred >= Math.max(minimum, 512) : "bad preferred " + preferred;
        assert maximum % minimum == 0 && maximum <= Protocol.MAX_PAYLOAD : "bad maximum " + maximum;
    }

    /**
     * Reads and checks the device's geometry.
     *
     * @throws IllegalArgumentException naming the export and the offending value
     */
    static Geometry of(String export, BlockDevice device) {
        long size = device.size();
        int min = device.minimumBlockSize();
        int preferred = device.preferredBlockSize();
        int deviceMax = device.maximumPayload();
        String where = "export '" + export + "': ";
        if (size < 0) {
            throw new IllegalArgumentException(where + "negative size " + size);
        }
        if (!isPowerOfTwo(min) || min > 65536) {
            throw new IllegalArgumentException(where + "minimum block size " + min + " is not a power of two in [1, 65536]");
        }
        if (!isPowerOfTwo(preferred) || preferred < Math.max(min, 512)) {
            throw new IllegalArgumentException(where + "preferred block size " + preferred
                    + " is not a power of two of at least " + Math.max(min, 512));
        }
        if (deviceMax < min) {
            throw new IllegalArgumentException(where + "maximum payload " + deviceMax + " is below the minimum block size " + min);
        }
        int max = Math.min(deviceMax, Protocol.MAX_PAYLOAD);
        max -= max % min;
        if (max < Math.min(preferred, size)) {
            throw new IllegalArgumentException(where + "maximum payload " + max + " is below the preferred block size " + preferred);
        }
        return new Geometry(size, device.readOnly(), device.multiConnSafe(), min, preferred, max);
    }

    /** Transmission flags for NBD_INFO_EXPORT and the NBD_OPT_EXPORT_NAME reply. */
    int transmissionFlags(boolean structuredReplies) {
        int flags = Protocol.FLAG_HAS_FLAGS;
        if (readOnly) {
            // Nothing can change, so every connection sees the same bytes.
            flags |= Protocol.FLAG_READ_ONLY | Protocol.FLAG_CAN_MULTI_CONN;
        } else {
            flags |= Protocol.FLAG_SEND_FLUSH | Protocol.FLAG_SEND_FUA
                    | Protocol.FLAG_SEND_TRIM | Protocol.FLAG_SEND_WRITE_ZEROES;
            if (multiConnSafe) {
                flags |= Protocol.FLAG_CAN_MULTI_CONN;
            }
        }
        if (structuredReplies) {
            // Reads are always answered with a single data chunk, so "don't fragment" holds.
            flags |= Protocol.FLAG_SEND_DF;
        }
        return flags;
    }

    private static boolean isPowerOfTwo(int v) {
        return v > 0 && (v & (v - 1)) == 0;
    }
}
