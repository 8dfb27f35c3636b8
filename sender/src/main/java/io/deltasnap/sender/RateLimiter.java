package io.deltasnap.sender;

import io.deltasnap.wire.Protocol;

/**
 * Bandwidth limit: a token bucket refilled at {@code bytesPerSecond}, holding at most a tenth of
 * a second of tokens, so bursts stay short. {@link #acquire} blocks the producing thread.
 */
final class RateLimiter {
  private final double rate;
  private final double capacity;
  private double tokens;
  private long last = System.nanoTime();

  RateLimiter(long bytesPerSecond) {
    if (bytesPerSecond <= 0) {
      throw new IllegalArgumentException("rate must be positive");
    }
    this.rate = bytesPerSecond;
    this.capacity = Math.max(Protocol.MAX_DATA, bytesPerSecond / 10.0);
    this.tokens = capacity;
  }

  void acquire(int n) throws java.io.InterruptedIOException {
    long now = System.nanoTime();
    tokens = Math.min(capacity, tokens + (now - last) * rate / 1e9);
    last = now;
    tokens -= n;
    if (tokens < 0) {
      long sleepNanos = (long) (-tokens / rate * 1e9);
      try {
        Thread.sleep(sleepNanos / 1_000_000L, (int) (sleepNanos % 1_000_000L));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new java.io.InterruptedIOException("interrupted while rate-limited");
      }
    }
  }
}
