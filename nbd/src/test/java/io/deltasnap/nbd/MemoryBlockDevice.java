package io.deltasnap.nbd;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * In-memory test device that records what reached it: every call, flushes, the largest number
 * of calls running at once, and can be told to fail the next call or to slow down.
 */
final class MemoryBlockDevice implements BlockDevice {
    private final byte[] data;
    private final boolean readOnly;
    private final int minimum;
    private final int preferred;
    private final int maximum;
    final List<String> calls = new CopyOnWriteArrayList<>();
    final AtomicInteger flushes = new AtomicInteger();
    final AtomicInteger closes = new AtomicInteger();
    final AtomicInteger running = new AtomicInteger();
    final AtomicInteger maxRunning = new AtomicInteger();
    final AtomicReference<IOException> failNext = new AtomicReference<>();
    volatile long delayMillis;
    volatile boolean multiConnSafe;

    MemoryBlockDevice(int size, boolean readOnly) {
        this(size, readOnly, 1, 4096, 32 << 20);
    }

    MemoryBlockDevice(int size, boolean readOnly, int minimum, int preferred, int maximum) {
        this.data = new byte[size];
        this.readOnly = readOnly;
        this.minimum = minimum;
        this.preferred = preferred;
        this.maximum = maximum;
    }

    /** Fills the device with a pattern that differs from block to block. */
    MemoryBlockDevice fillPattern(long seed) {
        java.util.Random r = new java.util.Random(seed);
        r.nextBytes(data);
        return this;
    }

    synchronized byte[] snapshot() {
        return data.clone();
    }

    synchronized void set(int offset, byte[] bytes) {
        System.arraycopy(bytes, 0, data, offset, bytes.length);
    }

    @Override public long size() { return data.length; }
    @Override public boolean readOnly() { return readOnly; }
    @Override public int minimumBlockSize() { return minimum; }
    @Override public int preferredBlockSize() { return preferred; }
    @Override public int maximumPayload() { return maximum; }
    @Override public boolean multiConnSafe() { return multiConnSafe; }

    private void enter(String call) throws IOException {
        calls.add(call);
        int now = running.incrementAndGet();
        maxRunning.accumulateAndGet(now, Math::max);
        long d = delayMillis;
        if (d > 0) {
            try {
                Thread.sleep(d);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted");
            }
        }
        IOException f = failNext.getAndSet(null);
        if (f != null) {
            running.decrementAndGet();
            throw f;
        }
    }

    private void leave() {
        running.decrementAndGet();
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        enter("read " + offset + " " + dst.remaining());
        try {
            synchronized (this) {
                dst.put(data, (int) offset, dst.remaining());
            }
        } finally {
            leave();
        }
    }

    @Override
    public void write(long offset, ByteBuffer src) throws IOException {
        enter("write " + offset + " " + src.remaining());
        try {
            synchronized (this) {
                src.get(data, (int) offset, src.remaining());
            }
        } finally {
            leave();
        }
    }

    @Override
    public void flush() throws IOException {
        enter("flush");
        flushes.incrementAndGet();
        leave();
    }

    @Override
    public void trim(long offset, long length) throws IOException {
        enter("trim " + offset + " " + length);
        try {
            synchronized (this) {
                java.util.Arrays.fill(data, (int) offset, (int) (offset + length), (byte) 0);
            }
        } finally {
            leave();
        }
    }

    @Override
    public void writeZeroes(long offset, long length, boolean mayDeallocate) throws IOException {
        enter("zero " + offset + " " + length + (mayDeallocate ? "" : " nohole"));
        try {
            synchronized (this) {
                java.util.Arrays.fill(data, (int) offset, (int) (offset + length), (byte) 0);
            }
        } finally {
            leave();
        }
    }

    @Override
    public void close() {
        closes.incrementAndGet();
    }
}
