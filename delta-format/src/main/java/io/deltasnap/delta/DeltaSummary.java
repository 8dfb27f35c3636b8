package io.deltasnap.delta;

/**
 * What a finished delta holds, as returned by {@link DeltaWriter#finish()}.
 *
 * @param dataRecords  DATA records written
 * @param zeroRecords  ZERO records written
 * @param patchRecords PATCH records written
 * @param dataBytes    content bytes of DATA and PATCH records (uncompressed)
 * @param zeroBytes    bytes described by ZERO records
 * @param streamBytes  total bytes of the delta stream, header and trailer included
 * @param chainHash    the final hash-chain value h_n, signed in the trailer
 */
public record DeltaSummary(long dataRecords, long zeroRecords, long patchRecords, long dataBytes, long zeroBytes,
                           long streamBytes, byte[] chainHash) {
    public DeltaSummary {
        chainHash = chainHash.clone();
    }

    /** Volume bytes the delta describes: data, patched and zero bytes. */
    public long bytesIn() {
        return dataBytes + zeroBytes;
    }

    /** Bytes of the stream. */
    public long bytesOut() {
        return streamBytes;
    }

    @Override
    public byte[] chainHash() {
        return chainHash.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DeltaSummary s && dataRecords == s.dataRecords && zeroRecords == s.zeroRecords
                && patchRecords == s.patchRecords && dataBytes == s.dataBytes && zeroBytes == s.zeroBytes
                && streamBytes == s.streamBytes && java.util.Arrays.equals(chainHash, s.chainHash);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(dataRecords, zeroRecords, patchRecords, dataBytes, zeroBytes, streamBytes,
                java.util.Arrays.hashCode(chainHash));
    }

    @Override
    public String toString() {
        return "DeltaSummary[records=" + dataRecords + "/" + zeroRecords + "/" + patchRecords + " data/zero/patch, dataBytes="
                + dataBytes + ", zeroBytes=" + zeroBytes + ", streamBytes=" + streamBytes + "]";
    }
}
