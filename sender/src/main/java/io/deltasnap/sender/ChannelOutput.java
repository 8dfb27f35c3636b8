package io.deltasnap.sender;

import io.deltasnap.wire.Protocol;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;

/**
 * The delta stream as DATA frames on a connection, for the producing thread. The first
 * {@code skip} bytes (what the receiver already holds durably) are counted but not sent. Before
 * each frame it waits while the channel is not writable (its outbound buffer is above the high
 * water mark), so a slow receiver slows the producer down and at most a few frames are buffered;
 * then it takes the frame's bytes from the rate limiter.
 */
final class ChannelOutput extends OutputStream {
  private final Channel ch;
  private final long skip;
  private final RateLimiter limiter;
  private final Object writability;
  private final Duration timeout;
  private long position;
  private long sent;
  private ByteBuf buf;
  private volatile Throwable failure;

  ChannelOutput(Channel ch, long skip, RateLimiter limiter, Object writability, Duration timeout) {
    this.ch = ch;
    this.skip = skip;
    this.limiter = limiter;
    this.writability = writability;
    this.timeout = timeout;
  }

  /** Stream bytes produced so far (skipped ones included). */
  long position() {
    return position;
  }

  /** Stream bytes sent. */
  long sent() {
    return sent;
  }

  @Override
  public void write(int b) throws IOException {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    if (position < skip) {
      int s = (int) Math.min(len, skip - position);
      position += s;
      off += s;
      len -= s;
    }
    while (len > 0) {
      if (buf == null) {
        buf = ch.alloc().buffer(Protocol.MAX_DATA, Protocol.MAX_DATA);
      }
      int n = Math.min(len, Protocol.MAX_DATA - buf.readableBytes());
      buf.writeBytes(b, off, n);
      off += n;
      len -= n;
      position += n;
      if (buf.readableBytes() == Protocol.MAX_DATA) {
        emit();
      }
    }
  }

  /** Sends what is buffered. */
  void finish() throws IOException {
    if (buf != null && buf.isReadable()) {
      emit();
    }
  }

  private void emit() throws IOException {
    awaitWritable();
    int n = buf.readableBytes();
    if (limiter != null) {
      limiter.acquire(n);
    }
    ByteBuf b = buf;
    buf = null;
    ch.writeAndFlush(new Protocol.Data(b)).addListener(f -> {
      if (!f.isSuccess()) {
        failure = f.cause();
      }
    });
    sent += n;
  }

  private void awaitWritable() throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (writability) {
      while (!ch.isWritable()) {
        if (!ch.isActive()) {
          break;
        }
        if (System.nanoTime() > deadline) {
          throw new ReplicationException(Protocol.Code.TIMEOUT, "the receiver read nothing for " + timeout.toSeconds() + " s");
        }
        try {
          writability.wait(50);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new java.io.InterruptedIOException("interrupted while sending");
        }
      }
    }
    if (!ch.isActive() || failure != null) {
      if (buf != null) {
        buf.release();
        buf = null;
      }
      throw new IOException("the connection to the receiver was lost after " + sent + " delta bytes"
          + (failure == null ? "" : ": " + failure.getMessage()));
    }
  }

  @Override
  public void close() {
    if (buf != null) {
      buf.release();
      buf = null;
    }
  }
}
