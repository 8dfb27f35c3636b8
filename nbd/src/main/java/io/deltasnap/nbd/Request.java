package io.deltasnap.nbd;

import io.netty.buffer.ByteBuf;

/**
 * One transmission-phase request as framed by {@link RequestDecoder}. {@code length} is the
 * unsigned 32-bit field widened to a long; {@code offset} is the raw 64-bit field (negative means
 * beyond 2^63, always out of range). {@code payload} holds the data of an NBD_CMD_WRITE and is
 * null otherwise; whoever takes the request releases it, and with it the payload's
 * {@link WriteBudget.Grant} (null when none was needed).
 */
record Request(int flags, int type, long handle, long offset, long length, ByteBuf payload, WriteBudget.Grant grant) {
    Request(int flags, int type, long handle, long offset, long length, ByteBuf payload) {
        this(flags, type, handle, offset, length, payload, null);
    }

    void release() {
        if (payload != null) {
            payload.release();
        }
        if (grant != null) {
            grant.release();
        }
    }

    @Override
    public String toString() {
        return Protocol.commandName(type) + " offset " + Long.toUnsignedString(offset) + " length " + length
                + String.format(" flags 0x%x handle 0x%x", flags, handle);
    }
}
