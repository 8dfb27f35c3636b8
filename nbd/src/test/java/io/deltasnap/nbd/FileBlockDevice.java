package io.deltasnap.nbd;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Test device backed by a file through one {@link FileChannel} with positional I/O, which is
 * safe from several threads. Trim does nothing (allowed by the protocol); write-zeroes writes
 * real zeroes. Instances made with {@link #shared} use one channel, so a flush through any of
 * them forces all writes: multi-conn safe.
 */
final class FileBlockDevice implements BlockDevice {
    private static final ByteBuffer ZEROES = ByteBuffer.allocateDirect(1 << 20);

    private final FileChannel channel;
    private final long size;
    private final boolean readOnly;
    private final AtomicInteger owners;

    private FileBlockDevice(FileChannel channel, long size, boolean readOnly, AtomicInteger owners) {
        this.channel = channel;
        this.size = size;
        this.readOnly = readOnly;
        this.owners = owners;
    }

    static FileBlockDevice open(Path file, boolean readOnly) throws IOException {
        FileChannel ch = readOnly ? FileChannel.open(file, StandardOpenOption.READ)
                : FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
        return new FileBlockDevice(ch, ch.size(), readOnly, new AtomicInteger(1));
    }

    /** Another device on the same channel; the channel closes with the last of them. */
    FileBlockDevice shared() {
        owners.incrementAndGet();
        return new FileBlockDevice(channel, size, readOnly, owners);
    }

    @Override public long size() { return size; }
    @Override public boolean readOnly() { return readOnly; }
    @Override public int minimumBlockSize() { return 1; }
    @Override public int preferredBlockSize() { return 4096; }
    @Override public int maximumPayload() { return 32 << 20; }
    @Override public boolean multiConnSafe() { return true; }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        long at = offset;
        while (dst.hasRemaining()) {
            int n = channel.read(dst, at);
            if (n < 0) {
                throw new IOException("unexpected end of file at " + at);
            }
            at += n;
        }
    }

    @Override
    public void write(long offset, ByteBuffer src) throws IOException {
        long at = offset;
        while (src.hasRemaining()) {
            at += channel.write(src, at);
        }
    }

    @Override
    public void flush() throws IOException {
        channel.force(false);
    }

    @Override
    public void trim(long offset, long length) {
        // A hint only: keeping the old data is a correct trim.
    }

    @Override
    public void writeZeroes(long offset, long length, boolean mayDeallocate) throws IOException {
        long at = offset;
        long end = offset + length;
        while (at < end) {
            ByteBuffer z = ZEROES.duplicate();
            z.limit((int) Math.min(z.capacity(), end - at));
            write(at, z);
            at += z.limit();
        }
    }

    @Override
    public void close() throws IOException {
        if (owners.decrementAndGet() == 0) {
            channel.close();
        }
    }
}
