package io.deltasnap.delta;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdDictContentType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Turns a run of chunks into encoded records: all-zero chunks become ZERO pieces, other chunks
 * DATA records (zstd when that is smaller, raw otherwise) or, when base bytes are given, PATCH
 * records if the patch is smaller still. One encoder is used by one thread at a time; it owns two
 * native zstd contexts (plain, and patch with the base chunk loaded as a raw-content dictionary),
 * released by {@link #close()}.
 *
 * <p>Guarantee: a compressed payload is always strictly smaller than the content, so the reader
 * can bound stored lengths by content lengths.
 */
final class ChunkEncoder implements AutoCloseable {
    static {
        ZstdLibrary.load(); // before ZstdCompressCtx's own initializer tries the temporary directory only
    }

    /**
     * Work for one encoder: {@code length} bytes of {@code data} at volume {@code offset}, whole
     * chunks except at the volume end. {@code handedOver}: {@code data} and {@code base} are the
     * caller's arrays ({@link DeltaWriter#handOver}), given back once encoded. {@link #encode} keeps
     * no reference to either: every record is a fresh array.
     */
    record Job(long offset, byte[] data, int length, byte[] base, boolean handedOver) {}

    /** One output unit in volume order; {@code record} is the encoded record, null for a ZERO piece. */
    record Piece(int kind, long offset, long length, byte[] record) {}

    private final ZstdCompressCtx plain = new ZstdCompressCtx();
    private final ZstdCompressCtx patch = new ZstdCompressCtx();
    private final int chunkSize;
    private final byte[] zeros;
    private byte[] scratchPlain = new byte[0];
    private byte[] scratchPatch = new byte[0];

    ChunkEncoder(int chunkSize, int level, byte[] zeros) {
        assert zeros.length >= chunkSize;
        this.chunkSize = chunkSize;
        this.zeros = zeros;
        for (ZstdCompressCtx c : List.of(plain, patch)) {
            c.setLevel(level);
            c.setChecksum(false); // the record carries a CRC32C of the content
            c.setContentSize(true);
            c.setDictID(false);
        }
    }

    List<Piece> encode(Job job) {
        return job.base() == null ? encodePlain(job) : encodeWithBase(job);
    }

    private List<Piece> encodePlain(Job job) {
        List<Piece> out = new ArrayList<>(2);
        byte[] d = job.data();
        int runStart = 0;
        boolean runZero = false;
        for (int p = 0; p < job.length(); p += chunkSize) {
            boolean zero = isZero(d, p, Math.min(chunkSize, job.length() - p));
            if (p > runStart && zero != runZero) {
                out.add(runPiece(job, runStart, p, runZero));
                runStart = p;
            }
            runZero = zero;
        }
        out.add(runPiece(job, runStart, job.length(), runZero));
        return out;
    }

    private Piece runPiece(Job job, int from, int to, boolean zero) {
        long offset = job.offset() + from;
        return zero ? new Piece(RecordFormat.KIND_ZERO, offset, to - from, null)
                : dataPiece(offset, job.data(), from, to - from);
    }

    private List<Piece> encodeWithBase(Job job) {
        List<Piece> out = new ArrayList<>();
        byte[] d = job.data();
        for (int p = 0; p < job.length(); p += chunkSize) {
            int n = Math.min(chunkSize, job.length() - p);
            long offset = job.offset() + p;
            if (isZero(d, p, n)) {
                out.add(new Piece(RecordFormat.KIND_ZERO, offset, n, null));
                continue;
            }
            int bound = bound(n);
            scratchPlain = ensure(scratchPlain, bound);
            scratchPatch = ensure(scratchPatch, bound);
            int c = plain.compressByteArray(scratchPlain, 0, bound, d, p, n);
            int q = Integer.MAX_VALUE;
            if (resembles(d, job.base(), p, n)) {
                patch.loadDict(Arrays.copyOfRange(job.base(), p, p + n), ZstdDictContentType.RAW_CONTENT);
                q = patch.compressByteArray(scratchPatch, 0, bound, d, p, n);
            }
            int crc = Bytes.crc32c(d, p, n);
            if (q < Math.min(c, n)) {
                out.add(new Piece(RecordFormat.KIND_PATCH, offset, n,
                        record(RecordFormat.KIND_PATCH, 0, offset, n, crc, scratchPatch, 0, q)));
            } else if (c < n) {
                out.add(new Piece(RecordFormat.KIND_DATA, offset, n,
                        record(RecordFormat.KIND_DATA, RecordFormat.FLAG_COMPRESSED, offset, n, crc, scratchPlain, 0, c)));
            } else {
                out.add(new Piece(RecordFormat.KIND_DATA, offset, n, record(RecordFormat.KIND_DATA, 0, offset, n, crc, d, p, n)));
            }
        }
        return out;
    }

    /** Sampled windows compared by {@link #resembles}, and how many must match. */
    static final int PROBES = 256;
    static final int PROBE_BYTES = 16;
    static final int PROBES_TO_PATCH = 4;

    /**
     * Whether the new chunk keeps enough of its base, at the same places, for a patch to be worth
     * trying: at least {@link #PROBES_TO_PATCH} of {@link #PROBES} evenly spaced 16-byte windows
     * equal. A chunk rewritten whole (random data, a new file's blocks) matches none, and the
     * patch attempt would cost a dictionary load and a second compression for nothing; a chunk
     * with a few KiB changed, or a 4 KiB block kept, passes. Content moved within the chunk by
     * other than a window-aligned step is sent as data: a block device rarely shifts bytes.
     */
    static boolean resembles(byte[] d, byte[] base, int p, int n) {
        int stride = Math.max(PROBE_BYTES, n / PROBES);
        int matches = 0;
        for (int i = 0; i + PROBE_BYTES <= n; i += stride) {
            if (Arrays.equals(d, p + i, p + i + PROBE_BYTES, base, p + i, p + i + PROBE_BYTES) && ++matches >= PROBES_TO_PATCH) {
                return true;
            }
        }
        return n < PROBES_TO_PATCH * stride && matches > 0; // a tiny tail chunk: one match will do
    }

    private Piece dataPiece(long offset, byte[] d, int p, int n) {
        assert n <= RecordFormat.MAX_RECORD_BYTES;
        int bound = bound(n);
        scratchPlain = ensure(scratchPlain, bound);
        int c = plain.compressByteArray(scratchPlain, 0, bound, d, p, n);
        int crc = Bytes.crc32c(d, p, n);
        byte[] rec = c < n
                ? record(RecordFormat.KIND_DATA, RecordFormat.FLAG_COMPRESSED, offset, n, crc, scratchPlain, 0, c)
                : record(RecordFormat.KIND_DATA, 0, offset, n, crc, d, p, n);
        return new Piece(RecordFormat.KIND_DATA, offset, n, rec);
    }

    private static byte[] record(int kind, int flags, long offset, long length, int crc, byte[] payload, int off, int len) {
        byte[] rec = new byte[RecordFormat.HEADER_BYTES + len];
        System.arraycopy(payload, off, rec, RecordFormat.HEADER_BYTES, len);
        RecordFormat.seal(rec, kind, flags, offset, length, crc);
        return rec;
    }

    private boolean isZero(byte[] d, int p, int n) {
        return Arrays.mismatch(d, p, p + n, zeros, 0, n) < 0;
    }

    private static int bound(int n) {
        return Math.toIntExact(Zstd.compressBound(n));
    }

    private static byte[] ensure(byte[] b, int n) {
        return b.length >= n ? b : new byte[n];
    }

    @Override
    public void close() {
        plain.close();
        patch.close();
    }
}
