package io.deltasnap.delta;

import java.util.Arrays;
import java.util.Objects;
import java.util.UUID;

/**
 * What a delta is about: the volume, its geometry, the snapshots it goes between, how it is
 * compressed and who signed it. Encoded by {@link HeaderFormat} (byte layout there and in
 * {@code docs/delta-format.md}). Format version (1.0) and codec (zstd) are fixed by the encoder.
 *
 * @param volume           volume UUID
 * @param chunkSize        chunk size in bytes, a power of two from 4 KiB to 1 MiB
 * @param volumeSize       volume size in bytes, 1..2^63-1 (the last chunk may be partial)
 * @param base             base snapshot of an incremental delta, or null for a full delta
 * @param target           the snapshot the delta produces
 * @param compressionLevel zstd level the writer uses (-131072..22); informative for readers
 * @param signerKey        the signer's 32-byte Ed25519 public key
 */
public record DeltaHeader(UUID volume, int chunkSize, long volumeSize, SnapshotRef base, TargetSnapshot target,
                          int compressionLevel, byte[] signerKey) {
    public static final int MIN_CHUNK_SIZE = 4096;
    public static final int MAX_CHUNK_SIZE = 1 << 20;
    public static final int MIN_LEVEL = -131072;
    public static final int MAX_LEVEL = 22;
    public static final int KEY_BYTES = 32;

    public DeltaHeader {
        Objects.requireNonNull(volume, "volume");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(signerKey, "signerKey");
        if (!validChunkSize(chunkSize)) {
            throw new IllegalArgumentException("chunk size must be a power of two from 4096 to 1048576, got " + chunkSize);
        }
        if (volumeSize < 1) {
            throw new IllegalArgumentException("volume size must be 1..2^63-1, got " + volumeSize);
        }
        if (compressionLevel < MIN_LEVEL || compressionLevel > MAX_LEVEL) {
            throw new IllegalArgumentException("zstd level must be " + MIN_LEVEL + ".." + MAX_LEVEL + ", got " + compressionLevel);
        }
        if (signerKey.length != KEY_BYTES) {
            throw new IllegalArgumentException("signer key must be 32 bytes, got " + signerKey.length);
        }
        signerKey = signerKey.clone();
    }

    static boolean validChunkSize(long chunkSize) {
        return chunkSize >= MIN_CHUNK_SIZE && chunkSize <= MAX_CHUNK_SIZE && Long.bitCount(chunkSize) == 1;
    }

    /** True for a delta that needs no base on the receiver. */
    public boolean isFull() {
        return base == null;
    }

    @Override
    public byte[] signerKey() {
        return signerKey.clone();
    }

    /** Printable fingerprint of the signer key, {@code SHA256:<base64>}. */
    public String signerFingerprint() {
        return Keys.fingerprint(signerKey);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DeltaHeader h && volume.equals(h.volume) && chunkSize == h.chunkSize
                && volumeSize == h.volumeSize && Objects.equals(base, h.base) && target.equals(h.target)
                && compressionLevel == h.compressionLevel && Arrays.equals(signerKey, h.signerKey);
    }

    @Override
    public int hashCode() {
        return Objects.hash(volume, chunkSize, volumeSize, base, target, compressionLevel, Arrays.hashCode(signerKey));
    }

    @Override
    public String toString() {
        return "DeltaHeader[volume=" + volume + ", chunkSize=" + chunkSize + ", volumeSize=" + volumeSize
                + ", base=" + base + ", target=" + target + ", level=" + compressionLevel
                + ", signer=" + signerFingerprint() + "]";
    }
}
