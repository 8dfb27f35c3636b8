package io.deltasnap.delta;

import java.util.Arrays;
import java.util.Objects;

/**
 * One verified extent of a delta, as returned by {@link DeltaReader#next}. Extents come in volume
 * order and never overlap. The kinds are closed: a reader refuses any other kind byte. The
 * {@code bytes} arrays are handed over, not copied: the reader keeps no reference to them.
 */
public sealed interface DeltaRecord permits DeltaRecord.Data, DeltaRecord.Zero, DeltaRecord.Patch {
    /** Volume offset of the first byte; a multiple of the chunk size. */
    long offset();

    /** Number of volume bytes the record describes. */
    long length();

    /** Changed bytes, sent whole (zstd-compressed or raw on the wire). */
    record Data(long offset, byte[] bytes) implements DeltaRecord {
        public Data {
            Objects.requireNonNull(bytes, "bytes");
        }

        @Override
        public long length() {
            return bytes.length;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Data d && offset == d.offset && Arrays.equals(bytes, d.bytes);
        }

        @Override
        public int hashCode() {
            return Long.hashCode(offset) * 31 + Arrays.hashCode(bytes);
        }

        @Override
        public String toString() {
            return "Data[offset=" + offset + ", length=" + bytes.length + "]";
        }
    }

    /** An extent that reads as zeros. */
    record Zero(long offset, long length) implements DeltaRecord {}

    /**
     * One changed chunk that travelled as a zstd patch against the base snapshot's chunk;
     * {@code bytes} is the new content, already patched and checked.
     */
    record Patch(long offset, byte[] bytes) implements DeltaRecord {
        public Patch {
            Objects.requireNonNull(bytes, "bytes");
        }

        @Override
        public long length() {
            return bytes.length;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Patch p && offset == p.offset && Arrays.equals(bytes, p.bytes);
        }

        @Override
        public int hashCode() {
            return Long.hashCode(offset) * 37 + Arrays.hashCode(bytes);
        }

        @Override
        public String toString() {
            return "Patch[offset=" + offset + ", length=" + bytes.length + "]";
        }
    }
}
