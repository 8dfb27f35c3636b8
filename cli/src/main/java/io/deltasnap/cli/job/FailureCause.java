package io.deltasnap.cli.job;

import io.deltasnap.sender.ReplicationException;
import io.deltasnap.sender.TransferStalledException;
import io.deltasnap.wire.Protocol;
import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Why a target's part of a pass failed, as a short stable word (a metric label, docs/metrics.md):
 * {@code unreachable}, {@code diverged}, {@code stalled} (no progress for the stall timeout),
 * {@code stopped}, {@code io}, {@code internal}, or the
 * receiver's error code in lower case ({@code busy}, {@code refused}, {@code untrusted},
 * {@code corrupt}, {@code timeout}, ...).
 */
public record FailureCause(String label) {
  static final FailureCause UNREACHABLE = new FailureCause("unreachable");
  static final FailureCause DIVERGED = new FailureCause("diverged");
  static final FailureCause STALLED = new FailureCause("stalled");
  static final FailureCause STOPPED = new FailureCause("stopped");
  static final FailureCause IO = new FailureCause("io");
  static final FailureCause INTERNAL = new FailureCause("internal");

  /** Every cause {@link #of} gives, so that each can be listed at 0 before it first happens. */
  public static List<FailureCause> known() {
    List<FailureCause> l = new ArrayList<>(List.of(UNREACHABLE, DIVERGED, STALLED, STOPPED, IO, INTERNAL));
    for (Protocol.Code c : Protocol.Code.values()) {
      l.add(code(c));
    }
    return l;
  }

  private static FailureCause code(Protocol.Code c) {
    return new FailureCause(c.name().toLowerCase(Locale.ROOT));
  }

  /** The target holds a snapshot newer than the source's newest, which the source does not share. */
  static final class DivergedException extends IOException {
    DivergedException(String message) {
      super(message);
    }
  }

  public static FailureCause of(Throwable e) {
    for (Throwable c = e; c != null; c = c.getCause()) {
      if (c instanceof ConnectException || c instanceof NoRouteToHostException || c instanceof UnknownHostException) {
        return UNREACHABLE;
      }
    }
    if (e instanceof TransferStalledException) {
      return STALLED;
    }
    if (e instanceof ReplicationException r) {
      return code(r.code());
    }
    if (e instanceof DivergedException) {
      return DIVERGED;
    }
    if (e instanceof java.io.InterruptedIOException || String.valueOf(e.getMessage()).startsWith("stopped before")) {
      return STOPPED;
    }
    return e instanceof IOException ? IO : INTERNAL;
  }
}
