package io.deltasnap.nbd;

import io.netty.handler.codec.DecoderException;

/**
 * The peer broke a MUST of the protocol (bad magic, unknown client flags, a length over its
 * bound, bytes where none may be). The connection is closed, after {@link #farewell()} is sent if
 * the protocol still allows a reply at that point. Extends {@link DecoderException} so Netty
 * decoders pass it through unwrapped.
 */
final class ProtocolViolation extends DecoderException {
    private final transient HandshakeMessage farewell;

    ProtocolViolation(String message) {
        this(message, null);
    }

    ProtocolViolation(String message, HandshakeMessage farewell) {
        super(message);
        this.farewell = farewell;
    }

    /** Reply to send before closing, or null. */
    HandshakeMessage farewell() {
        return farewell;
    }
}
