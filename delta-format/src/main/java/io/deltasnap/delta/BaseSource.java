package io.deltasnap.delta;

import java.io.IOException;

/**
 * Reads the base snapshot on the receiving side, so PATCH records can be decoded. The reader
 * calls it only with a chunk-aligned offset and a buffer of at most one chunk, inside the volume.
 */
@FunctionalInterface
public interface BaseSource {
    /** Fills {@code dst} with the base snapshot's bytes starting at volume offset {@code offset}. */
    void read(long offset, byte[] dst) throws IOException;

    /**
     * Passed to {@link DeltaReader#next}: return PATCH records still encoded
     * ({@link DeltaRecord.EncodedPatch}) instead of decoding them; never called.
     */
    BaseSource KEEP_ENCODED = (offset, dst) -> {
        throw new IllegalStateException("KEEP_ENCODED is a marker, not a base");
    };
}
