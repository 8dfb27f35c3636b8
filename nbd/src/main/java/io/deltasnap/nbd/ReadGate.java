package io.deltasnap.nbd;

import io.netty.channel.Channel;

/**
 * Whether one connection reads from its socket: only while every party that can stop it agrees.
 * The request handler stops reading while its limits are reached or the socket is not writable;
 * the request decoder while a write's payload waits for {@link WriteBudget} bytes. Either alone
 * turning {@code autoRead} back on would undo the other's back-pressure. Event loop only.
 */
final class ReadGate {
    private final Channel channel;
    private boolean handler = true;
    private boolean budget = true;

    ReadGate(Channel channel) {
        this.channel = channel;
    }

    void handlerWantsToRead(boolean on) {
        handler = on;
        apply();
    }

    void budgetAllowsReading(boolean on) {
        budget = on;
        apply();
    }

    boolean reading() {
        return handler && budget;
    }

    private void apply() {
        boolean want = reading();
        if (channel.config().isAutoRead() != want) {
            channel.config().setAutoRead(want);
        }
    }
}
