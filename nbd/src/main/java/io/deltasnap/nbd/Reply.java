package io.deltasnap.nbd;

import io.netty.buffer.ByteBuf;

/**
 * A transmission-phase reply, written as one message so that its header and data cannot be
 * separated by another reply written from another thread. Layouts are in {@link Protocol}; every
 * structured chunk here carries NBD_REPLY_FLAG_DONE (a reply is always one chunk). Buffers are
 * owned by the reply until {@link ReplyEncoder} hands them on.
 */
sealed interface Reply {
    long handle();

    /** Releases any data; for replies that will not be written. */
    void release();

    /** Simple reply; {@code data} is the read data (only with error 0), or null. */
    record Simple(long handle, int error, ByteBuf data) implements Reply {
        @Override
        public void release() {
            if (data != null) {
                data.release();
            }
        }
    }

    /** NBD_REPLY_TYPE_OFFSET_DATA: all the data of a successful structured read. */
    record OffsetData(long handle, long offset, ByteBuf data) implements Reply {
        @Override
        public void release() {
            data.release();
        }
    }

    /** NBD_REPLY_TYPE_ERROR with a message for a human. */
    record ErrorChunk(long handle, int error, String message) implements Reply {
        @Override
        public void release() {}
    }

    /** NBD_REPLY_TYPE_NONE: success with nothing to say (a zero-length structured read). */
    record NoneChunk(long handle) implements Reply {
        @Override
        public void release() {}
    }

    /** The error reply for {@code request}, in the form the negotiated reply style demands. */
    static Reply error(Request request, boolean structured, int error, String message) {
        assert error != 0;
        return structured ? new ErrorChunk(request.handle(), error, message) : new Simple(request.handle(), error, null);
    }
}
