package io.deltasnap.delta;

import java.util.Arrays;
import java.util.Objects;

/**
 * One verified extent of a delta, as returned by {@link DeltaReader#next}. Extents come in volume
 * order and never overlap. The kinds are closed: a reader refuses any other kind byte. The
 * {@code bytes} arrays are handed over, not copied: the reader keeps no reference to them.
 */
public sealed interface DeltaRecord permits DeltaRecord.Data, DeltaRecord.Zero, DeltaRecord.Patch,
        DeltaRecord.EncodedPatch {
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

    /**
     * A PATCH record kept as it was on the wire (its header and zstd payload, checksums verified,
     * content not decoded): what {@link DeltaReader#next} returns for PATCH records when given
     * {@link BaseSource#KEEP_ENCODED}. It is a patch against the base snapshot's chunk at
     * {@code offset}; {@link DeltaWriter#writeEncoded} puts it in another delta with the same
     * base content there, and {@link DeltaReader#decode} decodes it against given base bytes.
     */
    record EncodedPatch(long offset, long length, byte[] record) implements DeltaRecord {
        public EncodedPatch {
            Objects.requireNonNull(record, "record");
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof EncodedPatch p && offset == p.offset && length == p.length && Arrays.equals(record, p.record);
        }

        @Override
        public int hashCode() {
            return Long.hashCode(offset) * 41 + Arrays.hashCode(record);
        }

        @Override
        public String toString() {
            return "EncodedPatch[offset=" + offset + ", length=" + length + ", bytes=" + record.length + "]";
        }
    }
}
