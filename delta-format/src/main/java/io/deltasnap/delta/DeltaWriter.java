package io.deltasnap.delta;

import java.io.Closeable;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;

/**
 * Writes one delta stream: the header at construction, records as extents are given, the signed
 * trailer at {@link #finish()}.
 *
 * <p>Extents are given in volume order without overlap. The writer copies what it is given (the
 * caller may reuse its arrays), packs consecutive plain writes into records of
 * {@link WriterOptions#recordBytes()}, turns all-zero chunks into ZERO records (merging adjacent
 * ones), and compresses records on a pool of {@link WriterOptions#threads()} threads, in tasks of up
 * to {@link WriterOptions#recordBytes()} of input (a record each, or the chunks of several scattered
 * writes gathered). Records reach the output strictly in order. At most
 * {@link WriterOptions#maxInFlight()} tasks are queued or compressing; beyond that a write blocks
 * until the oldest task is written, so memory stays bounded
 * whatever the delta's size. In a full delta the writer fills every gap, and the tail up to the
 * volume size, with ZERO records, so the records cover the whole volume.
 *
 * <p>One thread drives a writer. The writer does not close the output stream. A refused argument
 * ({@link IllegalArgumentException}) changes nothing; after any other exception the writer is
 * unusable, and {@link #close()} releases its threads. The output is deterministic: the same
 * header, key, record size, writes and zstd library give the same bytes, whatever the thread count
 * (for an encrypted delta: given the same random bytes too).
 *
 * <p>With {@link WriterOptions#encryptTo()} the writer writes format version 2: a fresh random data
 * key wrapped for each recipient in the header ({@link Encryption}), every record sealed
 * ({@link RecordCipher}) in the order it is written, and a trailer with sealed counts
 * ({@link SealedTrailerFormat}). The data key lives only in this writer.
 */
public final class DeltaWriter implements Closeable {
    private enum State { OPEN, BUSY, FINISHED, CLOSED }

    /** A finished compression task: its pieces in volume order and the input buffers to recycle. */
    private record Result(List<ChunkEncoder.Piece> pieces, List<byte[]> inputs) {}

    private final OutputStream out;
    private final DeltaHeader header;
    private final Ed25519PrivateKeyParameters key;
    private final int chunkSize;
    private final long volumeSize;
    private final int recordBytes;
    private final int maxInFlight;
    private final Chain chain;
    /** Seals records of an encrypted delta; null for a plain one. */
    private final RecordCipher cipher;
    private final ExecutorService pool;
    private final BlockingQueue<ChunkEncoder> idleEncoders;
    private final List<ChunkEncoder> encoders = new ArrayList<>();
    private final ArrayDeque<Future<Result>> inFlight = new ArrayDeque<>();
    private final ArrayDeque<byte[]> spareBuffers = new ArrayDeque<>();
    /**
     * Jobs gathered into one compression task, up to {@link #recordBytes} of input: an increment
     * arrives as one job per scattered chunk, and a task each cost a thread hand-off both ways
     * (a 1% increment of 8 GiB: 1,310 wake-ups of a compression thread, then of the writer).
     */
    private final List<ChunkEncoder.Job> batch = new ArrayList<>();
    private long batchBytes;
    /** Where arrays given to {@link #handOver} go once encoded; null: to the garbage collector. */
    private java.util.function.Consumer<byte[]> released;

    private byte[] pending;
    private long pendingOffset;
    private int pendingLength;
    /** Volume offset where the last accepted extent ends. */
    private long cursor;
    private long zeroRunOffset;
    private long zeroRunLength;
    private long streamBytes;
    private State state = State.BUSY;

    /**
     * Writes the header and starts the compression threads.
     *
     * @param key the signing key; its public key must be {@code header.signerKey()}
     */
    public DeltaWriter(OutputStream out, DeltaHeader header, Ed25519PrivateKeyParameters key, WriterOptions opts)
            throws IOException {
        this(out, header, key, opts, opts == null || opts.encryptTo() == null ? null : new SecureRandom());
    }

    /** As above; {@code random} gives the data key and ephemeral keys of an encrypted delta (tests fix it). */
    DeltaWriter(OutputStream out, DeltaHeader header, Ed25519PrivateKeyParameters key, WriterOptions opts,
                SecureRandom random) throws IOException {
        this.out = Objects.requireNonNull(out, "out");
        this.header = Objects.requireNonNull(header, "header");
        this.key = Objects.requireNonNull(key, "key");
        Objects.requireNonNull(opts, "opts");
        byte[] pub = Keys.publicKey(key);
        if (!Arrays.equals(pub, header.signerKey())) {
            throw new IllegalArgumentException("header signer key " + header.signerFingerprint()
                    + " is not the public key of the signing key " + Keys.fingerprint(pub));
        }
        this.chunkSize = header.chunkSize();
        this.volumeSize = header.volumeSize();
        this.recordBytes = Math.max(chunkSize, opts.recordBytes() / chunkSize * chunkSize);
        this.maxInFlight = opts.maxInFlight();
        byte[] headerBytes;
        if (opts.encryptTo() == null) {
            headerBytes = HeaderFormat.encode(header);
            this.chain = Chain.start(headerBytes);
            this.cipher = null;
        } else {
            byte[] dataKey = new byte[Encryption.KEY_BYTES];
            random.nextBytes(dataKey);
            int at = HeaderFormat.OFF_NAME + TargetSnapshot.utf8(header.target().name()).length;
            headerBytes = HeaderFormat.encode(header, Encryption.seal(dataKey, opts.encryptTo(), random, at));
            this.chain = Chain.start(headerBytes);
            this.cipher = new RecordCipher(dataKey, chain.value());
            Arrays.fill(dataKey, (byte) 0);
        }
        out.write(headerBytes);
        this.streamBytes = headerBytes.length;
        byte[] zeros = new byte[chunkSize];
        this.idleEncoders = new ArrayBlockingQueue<>(opts.threads());
        for (int i = 0; i < opts.threads(); i++) {
            ChunkEncoder e = new ChunkEncoder(chunkSize, header.compressionLevel(), zeros);
            encoders.add(e);
            idleEncoders.add(e);
        }
        AtomicInteger threadNo = new AtomicInteger();
        this.pool = Executors.newFixedThreadPool(opts.threads(), r -> {
            Thread t = new Thread(r, "deltasnap-compress-" + threadNo.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        state = State.OPEN;
    }

    /**
     * The bytes a delta with header {@code h} starts with, as its writer writes them: what a
     * sender offers before it streams the rest.
     */
    public static byte[] headerBytes(DeltaHeader h) {
        return HeaderFormat.encode(Objects.requireNonNull(h, "header"));
    }

    /** Writes changed bytes at a chunk-aligned volume offset; same as {@code writeData(offset, data, null)}. */
    public void writeData(long offset, byte[] data) throws IOException {
        writeData(offset, data, null);
    }

    /**
     * Writes changed bytes at a chunk-aligned volume offset. {@code data.length} is a multiple of the
     * chunk size, unless the extent ends at the volume size. When {@code base} (the base snapshot's
     * bytes for the same extent) is given, each chunk travels as whichever of DATA and PATCH is
     * smaller.
     *
     * @throws IllegalArgumentException if the extent is misaligned, out of order, overlaps an
     *                                  earlier one or leaves the volume, or {@code base} does not
     *                                  fit
     */
    public void writeData(long offset, byte[] data, byte[] base) throws IOException {
        writeData(offset, data, base, false);
    }

    /**
     * Like {@link #writeData(long, byte[], byte[])}, but the writer may keep {@code data} and
     * {@code base} instead of copying them: the caller hands them over and must not change them
     * afterwards. Saves a copy of every changed byte (and of its base) for a caller that reads
     * each extent into fresh arrays anyway.
     */
    public void handOver(long offset, byte[] data, byte[] base) throws IOException {
        writeData(offset, data, base, true);
    }

    /**
     * Gives every array handed over from now on ({@link #handOver}, data and base) to {@code sink}
     * once its records are encoded, on a compression thread: the writer keeps no reference to it
     * then, so the caller may fill it again (a sender reads each chunk into a fresh array
     * otherwise, and zeroing and faulting in that memory cost more than the read). Call it before
     * the first {@link #handOver}.
     */
    public void recycleHandedOver(java.util.function.Consumer<byte[]> sink) {
        this.released = Objects.requireNonNull(sink, "sink");
    }

    private void writeData(long offset, byte[] data, byte[] base, boolean owned) throws IOException {
        Objects.requireNonNull(data, "data");
        checkOpen();
        checkExtent(offset, data.length);
        if (base != null && (base.length != data.length || header.isFull())) {
            throw new IllegalArgumentException(header.isFull() ? "a full delta has no base to patch against"
                    : "base is " + base.length + " bytes, data " + data.length);
        }
        state = State.BUSY; // stays BUSY if this operation throws: the writer is then unusable
        fillGap(offset);
        if (base == null) {
            append(offset, data);
        } else {
            flushPending();
            for (int p = 0; p < data.length; p += recordBytes) {
                int n = Math.min(recordBytes, data.length - p);
                boolean whole = owned && n == data.length;
                submit(new ChunkEncoder.Job(offset + p, whole ? data : Arrays.copyOfRange(data, p, p + n), n,
                        whole ? base : Arrays.copyOfRange(base, p, p + n), whole));
            }
        }
        cursor = offset + data.length;
        state = State.OPEN;
    }

    /**
     * Writes a PATCH record as it came from another delta ({@link DeltaRecord.EncodedPatch}), byte
     * for byte. Only valid when this delta's base holds the same content at that chunk as the
     * record's own base (a merge passes through patches of chunks the first delta did not touch).
     */
    public void writeEncoded(DeltaRecord.EncodedPatch p) throws IOException {
        checkOpen();
        if (header.isFull()) {
            throw new IllegalArgumentException("a full delta has no base to patch against");
        }
        checkExtent(p.offset(), p.length());
        state = State.BUSY;
        fillGap(p.offset());
        flushPending();
        writeAll();
        flushZeroRun();
        writeRecord(RecordFormat.KIND_PATCH, p.offset(), p.length(), p.record());
        cursor = p.offset() + p.length();
        state = State.OPEN;
    }

    /** Writes an extent of zeros, with the same alignment rules as {@link #writeData(long, byte[])}. */
    public void writeZero(long offset, long length) throws IOException {
        checkOpen();
        checkExtent(offset, length);
        state = State.BUSY;
        fillGap(offset);
        flushPending();
        enqueueZero(offset, length);
        cursor = offset + length;
        state = State.OPEN;
    }

    /**
     * Writes the remaining records and the signed trailer, flushes the output and stops the
     * threads. The output stream stays open.
     */
    public DeltaSummary finish() throws IOException {
        checkOpen();
        state = State.BUSY;
        fillGap(volumeSize);
        flushPending();
        writeAll();
        flushZeroRun();
        byte[] trailer = cipher == null ? TrailerFormat.encode(chain, key) : SealedTrailerFormat.encode(chain, cipher, key);
        out.write(trailer);
        out.flush();
        streamBytes += trailer.length;
        assert streamBytes == chain.byteOffset() + trailer.length;
        stopThreads();
        state = State.FINISHED;
        return new DeltaSummary(chain.dataRecords(), chain.zeroRecords(), chain.patchRecords(), chain.dataBytes(),
                chain.zeroBytes(), streamBytes, chain.value());
    }

    /** Stops the threads. Before {@link #finish()} this abandons the delta: no trailer is written. */
    @Override
    public void close() {
        if (state != State.FINISHED && state != State.CLOSED) {
            state = State.CLOSED;
            stopThreads();
        }
    }

    private void checkOpen() {
        if (state != State.OPEN) {
            throw new IllegalStateException(switch (state) {
                case FINISHED -> "delta writer already finished";
                case CLOSED -> "delta writer closed";
                default -> "delta writer failed earlier";
            });
        }
    }

    private void checkExtent(long offset, long length) {
        if (length < 1) {
            throw new IllegalArgumentException("empty extent at volume offset " + offset);
        }
        if (offset < cursor) {
            throw new IllegalArgumentException("extent at volume offset " + offset + " starts before the end of the previous one ("
                    + cursor + "): extents go in volume order without overlap");
        }
        if (offset % chunkSize != 0) {
            throw new IllegalArgumentException("volume offset " + offset + " is not a multiple of the chunk size " + chunkSize);
        }
        if (offset >= volumeSize || length > volumeSize - offset) {
            throw new IllegalArgumentException("extent " + offset + "+" + length + " ends past the volume size " + volumeSize);
        }
        if (length % chunkSize != 0 && offset + length != volumeSize) {
            throw new IllegalArgumentException("extent length " + length + " is not a multiple of the chunk size " + chunkSize
                    + " and does not end at the volume size " + volumeSize);
        }
    }

    /** A full delta covers every byte: unwritten extents before {@code offset} are zeros. */
    private void fillGap(long offset) throws IOException {
        if (header.isFull() && offset > cursor) {
            flushPending();
            enqueueZero(cursor, offset - cursor);
            cursor = offset;
        }
    }

    private void append(long offset, byte[] data) throws IOException {
        if (pendingLength > 0 && pendingOffset + pendingLength != offset) {
            flushPending();
        }
        for (int p = 0; p < data.length; ) {
            if (pending == null) {
                pending = spareBuffers.isEmpty() ? new byte[recordBytes] : spareBuffers.pop();
                pendingOffset = offset + p;
                pendingLength = 0;
            }
            int n = Math.min(recordBytes - pendingLength, data.length - p);
            System.arraycopy(data, p, pending, pendingLength, n);
            pendingLength += n;
            p += n;
            if (pendingLength == recordBytes) {
                flushPending();
            }
        }
    }

    private void flushPending() throws IOException {
        if (pendingLength > 0) {
            submit(new ChunkEncoder.Job(pendingOffset, pending, pendingLength, null, false));
            pending = null;
            pendingLength = 0;
        }
    }

    private void submit(ChunkEncoder.Job job) throws IOException {
        batch.add(job);
        batchBytes += job.length();
        if (batchBytes >= recordBytes) {
            submitBatch();
        }
    }

    /** Hands the gathered jobs to a compression thread, as one task; its pieces keep their order. */
    private void submitBatch() throws IOException {
        if (batch.isEmpty()) {
            return;
        }
        List<ChunkEncoder.Job> jobs = List.copyOf(batch);
        batch.clear();
        batchBytes = 0;
        makeRoom();
        java.util.function.Consumer<byte[]> giveBack = released;
        inFlight.add(pool.submit(() -> {
            ChunkEncoder e = idleEncoders.take();
            try {
                List<ChunkEncoder.Piece> pieces = new ArrayList<>();
                List<byte[]> inputs = new ArrayList<>(jobs.size());
                for (ChunkEncoder.Job job : jobs) {
                    pieces.addAll(e.encode(job));
                    if (!job.handedOver()) {
                        inputs.add(job.data());
                    } else if (giveBack != null) {
                        giveBack.accept(job.data());
                        if (job.base() != null) {
                            giveBack.accept(job.base());
                        }
                    }
                }
                return new Result(pieces, inputs);
            } finally {
                idleEncoders.add(e);
            }
        }));
    }

    /** Submits what is gathered, then writes everything in flight. */
    private void writeAll() throws IOException {
        submitBatch();
        while (!inFlight.isEmpty()) {
            writeOldest();
        }
    }

    private void enqueueZero(long offset, long length) throws IOException {
        submitBatch(); // records go out in order: the gathered jobs come before these zeros
        makeRoom();
        inFlight.add(CompletableFuture.completedFuture(
                new Result(List.of(new ChunkEncoder.Piece(RecordFormat.KIND_ZERO, offset, length, null)), List.of())));
    }

    private void makeRoom() throws IOException {
        while (inFlight.size() >= maxInFlight) {
            writeOldest();
        }
    }

    private void writeOldest() throws IOException {
        Result r = await(inFlight.poll());
        for (ChunkEncoder.Piece p : r.pieces()) {
            if (p.kind() == RecordFormat.KIND_ZERO) {
                if (zeroRunLength > 0 && zeroRunOffset + zeroRunLength == p.offset()) {
                    zeroRunLength += p.length();
                } else {
                    flushZeroRun();
                    zeroRunOffset = p.offset();
                    zeroRunLength = p.length();
                }
            } else {
                flushZeroRun();
                writeRecord(p.kind(), p.offset(), p.length(), p.record());
            }
        }
        for (byte[] in : r.inputs()) {
            if (in != null && in.length == recordBytes && spareBuffers.size() < 2) {
                spareBuffers.push(in);
            }
        }
    }

    private void flushZeroRun() throws IOException {
        if (zeroRunLength > 0) {
            writeRecord(RecordFormat.KIND_ZERO, zeroRunOffset, zeroRunLength,
                    RecordFormat.zeroRecord(zeroRunOffset, zeroRunLength));
            zeroRunLength = 0;
        }
    }

    private void writeRecord(int kind, long offset, long length, byte[] record) throws IOException {
        assert offset >= chain.volumeCursor() && offset + length <= volumeSize;
        assert !header.isFull() || offset == chain.volumeCursor() : "full delta records are contiguous";
        if (cipher == null) {
            out.write(record);
            chain.add(kind, offset, length, record);
            streamBytes += record.length;
        } else {
            byte[] frame = cipher.seal(chain.records(), record);
            out.write(frame);
            chain.addFrame(frame, frame.length);
            chain.tally(kind, offset, length);
            streamBytes += frame.length;
        }
    }

    private static Result await(Future<Result> f) throws IOException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for delta compression");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw new IOException("delta compression failed: " + e.getCause(), e.getCause());
        }
    }

    private void stopThreads() {
        pool.shutdownNow();
        try {
            if (!pool.awaitTermination(1, TimeUnit.MINUTES)) {
                return; // a job is stuck in native code; leave its context to the garbage collector
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        for (ChunkEncoder e : encoders) {
            e.close();
        }
        encoders.clear();
        inFlight.clear();
    }
}
