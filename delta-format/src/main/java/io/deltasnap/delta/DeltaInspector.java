package io.deltasnap.delta;

import java.io.IOException;
import java.io.InputStream;
import java.util.Objects;

/**
 * Reads a whole delta without base data or a trust file and reports what it holds. Every record's
 * bounds and record checksum, the chain hash and the trailer are checked exactly as
 * {@link DeltaReader} checks them, but payloads are not decompressed (so content checksums are not
 * checked, and PATCH records need no base), and signature problems are reported rather than thrown.
 */
public final class DeltaInspector {
    private DeltaInspector() {}

    /**
     * @param trustOrNull trusted keys, or null to report the signature as {@code unverified: no trust file}
     * @throws DeltaFormatException if the stream is corrupt, truncated or unsupported
     */
    public static DeltaInspection inspect(InputStream in, TrustedKeys trustOrNull) throws IOException {
        Objects.requireNonNull(in, "in");
        try (DeltaReader r = DeltaReader.forInspection(in, trustOrNull)) {
            while (r.advance(null)) {
                // counting happens in the reader's chain
            }
            HashChain c = r.chain();
            return new DeltaInspection(r.header(), c.dataRecords(), c.zeroRecords(), c.patchRecords(), c.dataBytes(),
                    c.zeroBytes(), r.storedBytes(), r.position(), r.signature());
        }
    }
}
