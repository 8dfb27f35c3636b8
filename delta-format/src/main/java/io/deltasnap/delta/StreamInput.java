package io.deltasnap.delta;

import java.io.IOException;
import java.io.InputStream;

/**
 * Reads exact byte counts from a stream while tracking the absolute stream offset, so every
 * truncation is reported as {@code truncated at byte N}.
 */
final class StreamInput {
    private final InputStream in;
    private long position;

    StreamInput(InputStream in, long startOffset) {
        this.in = in;
        this.position = startOffset;
    }

    /** Absolute offset in the delta stream of the next byte to be read. */
    long position() {
        return position;
    }

    void readFully(byte[] b, int off, int len, String what) throws IOException {
        int done = 0;
        while (done < len) {
            int n = in.read(b, off + done, len - done);
            if (n < 0) {
                throw DeltaFormatException.truncated(position + done,
                        what + " needs " + len + " bytes from byte " + position);
            }
            done += n;
        }
        position += len;
    }

    /** True when the stream has no more bytes. Reads at most one byte. */
    boolean atEnd() throws IOException {
        return in.read() < 0;
    }
}
