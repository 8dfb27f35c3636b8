package io.deltasnap.nbd;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * One export as seen by the NBD server: a range of {@link #size()} bytes.
 *
 * <p><b>Threading.</b> Every method may be called concurrently from several I/O worker threads
 * (never from a Netty event loop): the server runs up to a bounded number of requests of one
 * connection at a time, and several connections may hold the same instance if the
 * {@link ExportProvider} hands it out more than once. Requests that overlap in range and are in
 * flight at the same time have no defined order, as in the NBD protocol.
 *
 * <p><b>Bounds.</b> The server validates every request before calling the device: offsets and
 * lengths lie within {@code [0, size())}, are multiples of {@link #minimumBlockSize()} (except a
 * range that ends exactly at {@code size()}), and reads and writes are at most
 * {@link #maximumPayload()} bytes. Write-type methods are never called on a {@link #readOnly()}
 * device.
 *
 * <p><b>Errors.</b> Throw {@link NoSpaceException} for out-of-space ({@code NBD_ENOSPC}),
 * {@link ReadOnlyExportException} when the device refuses writes ({@code NBD_EPERM}), and any
 * other {@link IOException} for an I/O failure ({@code NBD_EIO}). A {@link RuntimeException} is a
 * bug in the device; it is logged and answered with {@code NBD_EIO}.
 */
public interface BlockDevice extends Closeable {
    /** Size in bytes; constant for the life of this instance. */
    long size();

    /** True if writes, trims and zeroing are refused with {@code NBD_EPERM}. */
    boolean readOnly();

    /** Smallest addressable unit: a power of two from 1 to 65536. */
    int minimumBlockSize();

    /** Size at which I/O is efficient: a power of two, at least {@code max(minimum, 512)}. */
    int preferredBlockSize();

    /**
     * Largest read or write this device accepts in one call: a multiple of the minimum block size
     * and at least the preferred block size. The server advertises
     * {@code min(this, 32 MiB)} rounded down to a multiple of the minimum block size.
     */
    int maximumPayload();

    /** Reads {@code dst.remaining()} bytes starting at {@code offset} into {@code dst}. */
    void read(long offset, ByteBuffer dst) throws IOException;

    /** Writes all of {@code src.remaining()} bytes at {@code offset}. Need not be durable yet. */
    void write(long offset, ByteBuffer src) throws IOException;

    /**
     * Makes durable every write, trim and zeroing that returned before this call began, on this
     * instance (and, if {@link #multiConnSafe()}, on every instance of the same export).
     */
    void flush() throws IOException;

    /**
     * A hint that the range is no longer needed. Afterwards the range reads back as either its old
     * contents or zeroes, at the device's choice (the NBD client may assume nothing until it
     * writes the range again). Doing nothing is a correct implementation; data outside the range
     * must not change.
     */
    void trim(long offset, long length) throws IOException;

    /**
     * Makes the range read back as zeroes. If {@code mayDeallocate} is false (the client sent
     * {@code NBD_CMD_FLAG_NO_HOLE}) the range must stay allocated, so that later writes to it
     * cannot fail for lack of space; if true the device may deallocate it instead.
     */
    void writeZeroes(long offset, long length, boolean mayDeallocate) throws IOException;

    /**
     * True if a {@link #flush()} through this instance also makes durable the writes completed
     * through every other instance the provider returns for the same export (for example all share
     * one file channel and flush forces it), and reads through any instance see writes completed
     * through any other. Only then does the server advertise {@code NBD_FLAG_CAN_MULTI_CONN} for a
     * writable export; read-only exports always advertise it.
     */
    default boolean multiConnSafe() {
        return false;
    }

    /**
     * Called once when the connection that opened this device has ended and none of its requests
     * is running any more (or right after {@code NBD_OPT_INFO} has read the geometry). The server
     * does not flush on disconnect: a device that wants its data durable at that point flushes
     * here.
     */
    @Override
    default void close() throws IOException {}
}
