package io.deltasnap.receiver;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayDeque;

/**
 * The delta bytes of one connection as a blocking {@link InputStream} for the apply thread.
 * The event loop {@link #add}s DATA frames; when more than {@code high} bytes wait, it stops
 * reading from the socket (autoRead off), so TCP pushes back on the sender; the apply thread turns
 * reading back on once the queue drained below {@code low}. At most about {@code high} plus one
 * socket read are buffered, whatever the delta's size. END makes the stream end (so the delta
 * reader sees the end after the trailer); a lost connection, a stop or silence longer than
 * {@code idle} makes a read fail.
 */
final class InboundStream extends InputStream {
  private final Channel channel;
  private final long high;
  private final long low;
  private final long idleNanos;
  private final ArrayDeque<ByteBuf> queue = new ArrayDeque<>();
  private long queued;
  private long received;
  private boolean ended;
  private IOException failure;
  private boolean closed;

  InboundStream(Channel channel, long high, long low, long idleMillis) {
    this.channel = channel;
    this.high = high;
    this.low = low;
    this.idleNanos = idleMillis * 1_000_000L;
  }

  /** Event loop: takes ownership of {@code b}. */
  synchronized void add(ByteBuf b) {
    if (ended || failure != null || closed) {
      b.release();
      return;
    }
    int n = b.readableBytes();
    queue.add(b);
    queued += n;
    received += n;
    if (queued >= high) {
      channel.config().setAutoRead(false);
    }
    notifyAll();
  }

  synchronized void end() {
    ended = true;
    notifyAll();
  }

  /** The stream fails with {@code e} once what was queued is read, unless it ended first. */
  synchronized void fail(IOException e) {
    if (failure == null) {
      failure = e;
    }
    notifyAll();
  }

  synchronized long received() {
    return received;
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xFF;
  }

  @Override
  public synchronized int read(byte[] dst, int off, int len) throws IOException {
    if (len == 0) {
      return 0;
    }
    long deadline = System.nanoTime() + idleNanos;
    while (queue.isEmpty() && !ended && failure == null) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        failure = new IdleTimeoutException(idleNanos / 1_000_000_000L);
        channel.close();
        break;
      }
      try {
        wait(Math.max(1, left / 1_000_000L));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new java.io.InterruptedIOException("interrupted while waiting for the sender");
      }
    }
    if (!queue.isEmpty()) {
      ByteBuf b = queue.peek();
      int n = Math.min(len, b.readableBytes());
      b.readBytes(dst, off, n);
      if (!b.isReadable()) {
        queue.poll().release();
      }
      queued -= n;
      if (queued <= low && !channel.config().isAutoRead()) {
        channel.config().setAutoRead(true);
      }
      return n;
    }
    if (ended) {
      return -1;
    }
    throw failure;
  }

  @Override
  public synchronized void close() {
    closed = true;
    ByteBuf b;
    while ((b = queue.poll()) != null) {
      b.release();
    }
    queued = 0;
  }
}
