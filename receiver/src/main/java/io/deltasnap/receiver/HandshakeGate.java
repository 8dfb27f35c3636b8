package io.deltasnap.receiver;

import io.netty.channel.Channel;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Admission of connections that have not yet authenticated. Anyone who can reach the port can open
 * one, so at most {@code maxTotal} of them exist at once, and at most {@code maxPerHost} from one
 * address, so one host cannot lock the others out. A connection over either limit is closed at
 * once, before anything is read from it. A connection leaves the count when it authenticates or
 * closes, whichever comes first; the handshake timeout closes the ones that do neither.
 *
 * <p>Invariant: {@code total} equals the number of admitted, unreleased tickets, and each host's
 * count the number of those from that host (a host with none has no entry).
 */
final class HandshakeGate {
  private final int maxTotal;
  private final int maxPerHost;
  private final AtomicLong total = new AtomicLong();
  private final Map<InetAddress, Integer> perHost = new ConcurrentHashMap<>();
  private final AtomicLong refused = new AtomicLong();
  private final AtomicLong lastReport = new AtomicLong();
  private static final long REPORT_EVERY_NANOS = 10_000_000_000L;

  HandshakeGate(int maxTotal, int maxPerHost) {
    if (maxTotal < 1 || maxPerHost < 1) {
      throw new IllegalArgumentException("handshake limits must be positive: " + maxTotal + ", " + maxPerHost);
    }
    this.maxTotal = maxTotal;
    this.maxPerHost = maxPerHost;
  }

  /** One admitted connection's place; {@link #release} is idempotent and thread-safe. */
  final class Ticket {
    private final InetAddress host;
    private final AtomicBoolean released = new AtomicBoolean();

    private Ticket(InetAddress host) {
      this.host = host;
    }

    void release() {
      if (released.compareAndSet(false, true)) {
        perHost.computeIfPresent(host, (h, n) -> n == 1 ? null : n - 1);
        long left = total.decrementAndGet();
        assert left >= 0 : "handshakes below zero: " + left;
      }
    }
  }

  /**
   * Admits {@code ch} (released when it closes), or returns null when a limit is reached: the
   * caller then closes it.
   */
  Ticket admit(Channel ch) {
    InetAddress host = ((InetSocketAddress) ch.remoteAddress()).getAddress();
    if (total.incrementAndGet() > maxTotal) {
      total.decrementAndGet();
      refused.incrementAndGet();
      return null;
    }
    boolean[] admitted = {false};
    perHost.compute(host, (h, n) -> {
      int now = n == null ? 0 : n;
      if (now >= maxPerHost) {
        return n;
      }
      admitted[0] = true;
      return now + 1;
    });
    if (!admitted[0]) {
      total.decrementAndGet();
      refused.incrementAndGet();
      return null;
    }
    Ticket t = new Ticket(host);
    ch.closeFuture().addListener(f -> t.release());
    return t;
  }

  /**
   * After a refusal: tells {@code log} about refusals at most once per {@link #REPORT_EVERY_NANOS},
   * so that a flood of connections does not become a flood of lines.
   */
  void report(Consumer<String> log) {
    long now = System.nanoTime();
    long last = lastReport.get();
    if ((last == 0 || now - last >= REPORT_EVERY_NANOS) && lastReport.compareAndSet(last, now)) {
      log.accept("closing new connections at once: " + total.get() + " unauthenticated connections are open (at most "
          + maxTotal + ", " + maxPerHost + " per host); " + refused.get() + " refused so far");
    }
  }

  /** Connections admitted and not yet authenticated or closed. */
  long pending() {
    return total.get();
  }
}
