package io.deltasnap.nbd;

import java.nio.charset.StandardCharsets;

/**
 * Messages of the handshake phase, both directions; the byte layouts are in {@link Protocol}.
 * Client-to-server: {@link ClientFlags}, {@link OptionRequest}. Server-to-client:
 * {@link Greeting}, {@link OptionReply}, {@link ExportNameReply}.
 */
sealed interface HandshakeMessage {

    /** The server's first 18 bytes. */
    record Greeting() implements HandshakeMessage {}

    /** The client's 32-bit flags, sent once after the greeting. */
    record ClientFlags(int flags) implements HandshakeMessage {}

    /** One option; {@code data} is a retained slice that the receiver releases. */
    record OptionRequest(int option, io.netty.buffer.ByteBuf data) implements HandshakeMessage {}

    /** One reply to an option; {@code data} is at most a few KiB. */
    record OptionReply(int option, int type, byte[] data) implements HandshakeMessage {
        static OptionReply ack(int option) {
            return new OptionReply(option, Protocol.REP_ACK, new byte[0]);
        }

        /** An error reply carrying a message for a human; the message is cut to the string bound. */
        static OptionReply error(int option, int type, String message) {
            assert (type & Protocol.REP_ERR_BIT) != 0 : "not an error type: " + type;
            return new OptionReply(option, type, nbdString(message));
        }
    }

    /** The reply to NBD_OPT_EXPORT_NAME, after which transmission starts. */
    record ExportNameReply(long size, int transmissionFlags, boolean zeroes) implements HandshakeMessage {}

    /** UTF-8 bytes of {@code s} with NULs replaced, at most {@link Protocol#MAX_STRING_LENGTH}. */
    static byte[] nbdString(String s) {
        byte[] b = s.replace('\0', ' ').getBytes(StandardCharsets.UTF_8);
        if (b.length <= Protocol.MAX_STRING_LENGTH) {
            return b;
        }
        // Cut on a character boundary: drop UTF-8 continuation bytes at the end.
        int n = Protocol.MAX_STRING_LENGTH;
        while (n > 0 && (b[n] & 0xC0) == 0x80) {
            n--;
        }
        return java.util.Arrays.copyOf(b, n);
    }
}
