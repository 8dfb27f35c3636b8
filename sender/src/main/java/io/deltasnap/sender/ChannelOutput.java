package io.deltasnap.sender;

import io.deltasnap.wire.Protocol;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The delta stream as DATA frames on a connection, for the producing thread. The first
 * {@code skip} bytes (what the receiver already holds durably) are counted but not sent. Before
 * each frame it waits while the channel is not writable (its outbound buffer is above the high
 * water mark), so a slow receiver slows the producer down and at most a few frames are buffered;
 * then it takes the frame's bytes from the rate limiter.
 *
 * <p>Stall detection: progress is a frame handed to the socket (its write completed). While it
 * waits, for writability or for the last frames to go out, a wait with no progress for the stall
 * timeout ends the transfer with {@link TransferStalledException}; a slow link that still moves
 * bytes never counts as stalled.
 */
final class ChannelOutput extends OutputStream {
  private final Channel ch;
  private final long skip;
  private final RateLimiter limiter;
  private final Object writability;
  private final Duration timeout;
  private final Duration stall;
  /** Stream bytes whose frames reached the socket; written by the event loop. */
  private final AtomicLong flushed = new AtomicLong();
  private long position;
  private long sent;
  private ByteBuf buf;
  private volatile Throwable failure;

  ChannelOutput(Channel ch, long skip, RateLimiter limiter, Object writability, Duration timeout, Duration stall) {
    this.ch = ch;
    this.skip = skip;
    this.limiter = limiter;
    this.writability = writability;
    this.timeout = timeout;
    this.stall = stall;
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
      } else {
        flushed.addAndGet(n);
      }
      synchronized (writability) {
        writability.notifyAll();
      }
    });
    sent += n;
  }

  /**
   * Waits until every frame sent has reached the socket (after the last one, before waiting for the
   * acknowledgement), so that a connection that stalls at the very end is noticed too.
   */
  void awaitFlushed() throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    Progress p = new Progress();
    synchronized (writability) {
      while (flushed.get() < sent && ch.isActive() && failure == null) {
        p.check(deadline);
        try {
          writability.wait(50);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new java.io.InterruptedIOException("interrupted while sending");
        }
      }
    }
  }

  /** When the last frame reached the socket, as seen by one wait. */
  private final class Progress {
    long seen = flushed.get();
    long at = System.nanoTime();

    /** Throws when the wait timed out, or when nothing went out for the stall timeout. */
    void check(long deadline) throws IOException {
      long now = System.nanoTime();
      long f = flushed.get();
      if (f != seen) {
        seen = f;
        at = now;
      }
      if (now - at > stall.toNanos()) {
        throw new TransferStalledException("no delta bytes went out for " + TransferStalledException.seconds(stall)
            + " (" + (skip + f) + " of the stream out, " + f + " of them this time); aborted, the next send resumes", f);
      }
      if (now > deadline) {
        throw new ReplicationException(Protocol.Code.TIMEOUT, "the receiver read nothing for " + timeout.toSeconds() + " s");
      }
    }
  }

  private void awaitWritable() throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    Progress p = new Progress();
    synchronized (writability) {
      while (!ch.isWritable()) {
        if (!ch.isActive()) {
          break;
        }
        p.check(deadline);
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
