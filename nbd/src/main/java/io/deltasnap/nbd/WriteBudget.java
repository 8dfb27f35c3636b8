package io.deltasnap.nbd;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Memory for write payloads, shared by every connection of one server. A write's payload buffer
 * is allocated only once its bytes are granted, from both the server's budget and its
 * connection's {@link Account}; a connection that cannot get them stops reading from its socket
 * (TCP then pushes back on the client) until bytes come back. So however many clients half-send
 * large writes, the server holds at most {@code capacity} bytes of payload (plus one socket read
 * per connection), not one buffer per write.
 *
 * <p>A grant that would exceed a budget is still made when that budget holds nothing else, so a
 * write larger than a budget waits for the others instead of forever.
 *
 * <p>Invariant: {@code used} is the sum of the unreleased grants, and each account's {@code held}
 * the sum of its own.
 */
final class WriteBudget {
    private final long capacity;
    private long used;                                   // guarded by this
    private final ArrayDeque<Runnable> waiting = new ArrayDeque<>(); // guarded by this

    WriteBudget(long capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("write budget must be positive: " + capacity);
        }
        this.capacity = capacity;
    }

    /** Bytes granted and not yet released, across connections. */
    synchronized long used() {
        return used;
    }

    /**
     * One connection's share: at most {@code limit} bytes. {@code wake} runs (on any thread) when
     * bytes it may be waiting for come back; it must be cheap and hand the retry to the
     * connection's event loop.
     */
    Account account(long limit, Runnable wake) {
        return new Account(limit, wake);
    }

    final class Account {
        private final long limit;
        private final Runnable wake;
        private final AtomicLong held = new AtomicLong();

        private Account(long limit, Runnable wake) {
            this.limit = limit;
            this.wake = wake;
        }

        /**
         * Grants {@code n} bytes, or returns null: then {@code wake} runs once bytes come back
         * (from this connection or, if the server's budget was short, from any).
         */
        Grant tryReserve(long n) {
            long mine = held.get();
            if (mine > 0 && mine + n > limit) {
                return null; // our own grants wake us when they are released
            }
            synchronized (WriteBudget.this) {
                if (used > 0 && used + n > capacity) {
                    waiting.add(wake);
                    return null;
                }
                used += n;
            }
            held.addAndGet(n);
            return new Grant(this, n);
        }

        long held() {
            return held.get();
        }
    }

    /** Bytes granted to one write; {@link #release} is idempotent and thread-safe. */
    final class Grant {
        private final Account account;
        private final long bytes;
        private final AtomicBoolean released = new AtomicBoolean();

        private Grant(Account account, long bytes) {
            this.account = account;
            this.bytes = bytes;
        }

        void release() {
            if (!released.compareAndSet(false, true)) {
                return;
            }
            long left = account.held.addAndGet(-bytes);
            assert left >= 0 : "connection holds " + left;
            List<Runnable> wake;
            synchronized (WriteBudget.this) {
                used -= bytes;
                assert used >= 0 : "budget holds " + used;
                wake = new ArrayList<>(waiting);
                waiting.clear();
            }
            account.wake.run();
            for (Runnable w : wake) {
                if (w != account.wake) {
                    w.run();
                }
            }
        }
    }
}
