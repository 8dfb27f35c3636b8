package io.deltasnap.sender;

import java.io.IOException;
import java.time.Duration;

/**
 * A transfer made no progress for the stall timeout: none of the delta's bytes left this side for
 * that long (the receiver, or the network in between, took nothing). The sender aborted it; the
 * receiver keeps what it staged durably, so the next send of the same delta resumes there.
 */
public final class TransferStalledException extends IOException {
  private static final long serialVersionUID = 1L;
  private final long sentBytes;

  public TransferStalledException(String message, long sentBytes) {
    super(message);
    this.sentBytes = sentBytes;
  }

  /** Delta bytes this attempt had handed to the connection when it stalled. */
  public long sentBytes() {
    return sentBytes;
  }

  /** {@code d} as a message says it: {@code 2 s}, {@code 1.5 s}, {@code 120 s}. */
  static String seconds(Duration d) {
    long ms = d.toMillis();
    return ms % 1000 == 0 ? ms / 1000 + " s" : String.format(java.util.Locale.ROOT, "%.1f s", ms / 1000.0);
  }
}
