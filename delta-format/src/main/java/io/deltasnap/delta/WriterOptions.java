package io.deltasnap.delta;

/**
 * Tuning of a {@link DeltaWriter}. Memory held by a writer stays below about
 * {@code 3 * recordBytes * (maxInFlight + threads + 1)}, whatever the size of the delta: each task
 * in flight holds its input, its bases (for patches) and its output; each thread a compression
 * scratch buffer; the writer the input it is gathering.
 *
 * @param threads     compression threads, 1..256
 * @param maxInFlight compression tasks (each up to {@code recordBytes} of input) submitted but not
 *                    yet written, 1..1024; the writer blocks beyond it
 * @param recordBytes target content size of a DATA record built from consecutive writes, 4096 to
 *                    4 MiB; rounded down to a multiple of the chunk size (at least one chunk)
 * @param encryptTo   recipients to encrypt the delta to (format version 2), or null for a plain
 *                    (version 1) delta
 */
public record WriterOptions(int threads, int maxInFlight, int recordBytes, Recipients encryptTo) {
    /** A plain (unencrypted) delta. */
    public WriterOptions(int threads, int maxInFlight, int recordBytes) {
        this(threads, maxInFlight, recordBytes, null);
    }

    public WriterOptions {
        if (threads < 1 || threads > 256) {
            throw new IllegalArgumentException("threads must be 1..256, got " + threads);
        }
        if (maxInFlight < 1 || maxInFlight > 1024) {
            throw new IllegalArgumentException("maxInFlight must be 1..1024, got " + maxInFlight);
        }
        if (recordBytes < DeltaHeader.MIN_CHUNK_SIZE || recordBytes > RecordFormat.MAX_RECORD_BYTES) {
            throw new IllegalArgumentException("recordBytes must be 4096..4194304, got " + recordBytes);
        }
    }

    /** The same tuning, writing a delta encrypted to {@code recipients} (null: plain). */
    public WriterOptions encryptedTo(Recipients recipients) {
        return new WriterOptions(threads, maxInFlight, recordBytes, recipients);
    }

    /** One thread per processor, two jobs in flight per thread, 1 MiB records. */
    public static WriterOptions defaults() {
        int n = Runtime.getRuntime().availableProcessors();
        return new WriterOptions(n, 2 * n, 1 << 20);
    }
}
