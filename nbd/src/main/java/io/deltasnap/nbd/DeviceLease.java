package io.deltasnap.nbd;

import java.io.IOException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts the users of one opened {@link BlockDevice}: the connection itself plus each request
 * running on the I/O pool. The device is closed exactly once, on the I/O pool, when the count
 * drops to zero — never on an event loop, unless the pool is already shut down.
 */
final class DeviceLease {
    private static final System.Logger LOG = System.getLogger(DeviceLease.class.getName());

    private final String export;
    private final BlockDevice device;
    private final Executor io;
    private final AtomicInteger refs = new AtomicInteger(1);

    DeviceLease(String export, BlockDevice device, Executor io) {
        this.export = export;
        this.device = device;
        this.io = io;
    }

    BlockDevice device() {
        return device;
    }

    void retain() {
        int before = refs.getAndIncrement();
        assert before > 0 : "retain after close of export '" + export + "'";
    }

    void release() {
        int after = refs.decrementAndGet();
        assert after >= 0 : "export '" + export + "' released more often than retained";
        if (after == 0) {
            closeLater(export, device, io);
        }
    }

    /** Closes {@code device} on {@code io}, or on this thread if the pool no longer runs tasks. */
    static void closeLater(String export, BlockDevice device, Executor io) {
        try {
            io.execute(() -> closeNow(export, device));
        } catch (RejectedExecutionException e) {
            closeNow(export, device);
        }
    }

    private static void closeNow(String export, BlockDevice device) {
        try {
            device.close();
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "closing export '" + export + "' failed", e);
        }
    }
}
