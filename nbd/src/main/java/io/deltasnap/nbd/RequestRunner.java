package io.deltasnap.nbd;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Carries out one validated request against the device, on an I/O worker thread, and turns the
 * outcome into a {@link Reply}. Device exceptions map to NBD errors as documented on
 * {@link BlockDevice}. A request with NBD_CMD_FLAG_FUA is flushed before its reply is built.
 */
final class RequestRunner {
    private static final System.Logger LOG = System.getLogger(RequestRunner.class.getName());

    private final String export;
    private final BlockDevice device;
    private final boolean structured;
    /**
     * Read data buffers are allocated on an I/O worker and freed on the event loop once sent. For
     * that pattern plain (unpooled) direct buffers measured about 30% faster end to end than
     * Netty's pooled/adaptive allocator (nbdcopy reading 1 GiB, see nbd/bench.sh).
     */
    private static final ByteBufAllocator READ_BUFFERS = UnpooledByteBufAllocator.DEFAULT;

    RequestRunner(String export, BlockDevice device, boolean structured) {
        this.export = export;
        this.device = device;
        this.structured = structured;
    }

    /** Runs {@code r} and releases its payload. Never throws for a device failure. */
    Reply run(Request r) {
        try {
            return switch (r.type()) {
                case Protocol.CMD_READ -> read(r);
                case Protocol.CMD_WRITE -> {
                    if (r.length() > 0) {
                        device.write(r.offset(), r.payload().nioBuffer());
                    }
                    yield done(r, true);
                }
                case Protocol.CMD_FLUSH -> {
                    device.flush();
                    yield done(r, false);
                }
                case Protocol.CMD_TRIM -> {
                    if (r.length() > 0) {
                        device.trim(r.offset(), r.length());
                    }
                    yield done(r, true);
                }
                case Protocol.CMD_WRITE_ZEROES -> {
                    if (r.length() > 0) {
                        device.writeZeroes(r.offset(), r.length(), (r.flags() & Protocol.CMD_FLAG_NO_HOLE) == 0);
                    }
                    yield done(r, true);
                }
                default -> throw new AssertionError("unvalidated request " + r);
            };
        } catch (IOException | RuntimeException | OutOfMemoryError e) {
            int error = errorCode(e);
            if (error == Protocol.EIO && !(e instanceof IOException)) {
                LOG.log(System.Logger.Level.WARNING, "export '" + export + "': " + r + " failed", e);
            }
            return Reply.error(r, structured, error, Protocol.commandName(r.type()) + " at offset " + r.offset()
                    + " length " + r.length() + " of export '" + export + "' failed: " + e);
        } finally {
            r.release();
        }
    }

    private Reply read(Request r) throws IOException {
        int length = (int) r.length();
        if (length == 0) {
            return structured ? new Reply.NoneChunk(r.handle()) : new Reply.Simple(r.handle(), 0, Unpooled.EMPTY_BUFFER);
        }
        ByteBuf buf = READ_BUFFERS.directBuffer(length, length);
        try {
            ByteBuffer dst = buf.nioBuffer(0, length);
            device.read(r.offset(), dst);
            if (dst.hasRemaining()) {
                throw new IOException("device left " + dst.remaining() + " of " + length + " bytes unread");
            }
            buf.writerIndex(length);
            return structured ? new Reply.OffsetData(r.handle(), r.offset(), buf) : new Reply.Simple(r.handle(), 0, buf);
        } catch (IOException | RuntimeException | OutOfMemoryError e) {
            buf.release();
            throw e;
        }
    }

    /** Success reply; a write-type request with FUA is made durable first. */
    private Reply done(Request r, boolean writes) throws IOException {
        if (writes && (r.flags() & Protocol.CMD_FLAG_FUA) != 0) {
            device.flush();
        }
        return new Reply.Simple(r.handle(), 0, null);
    }

    /** The NBD error for a device failure. */
    static int errorCode(Throwable e) {
        if (e instanceof NoSpaceException) {
            return Protocol.ENOSPC;
        }
        if (e instanceof ReadOnlyExportException) {
            return Protocol.EPERM;
        }
        if (e instanceof OutOfMemoryError) {
            return Protocol.ENOMEM;
        }
        if (e instanceof IOException && e.getMessage() != null) {
            // What the JDK reports for ENOSPC, EDQUOT and EFBIG; the spec maps all three to ENOSPC.
            String m = e.getMessage();
            if (m.contains("No space left on device") || m.contains("Disk quota exceeded") || m.contains("File too large")) {
                return Protocol.ENOSPC;
            }
        }
        return Protocol.EIO;
    }
}
