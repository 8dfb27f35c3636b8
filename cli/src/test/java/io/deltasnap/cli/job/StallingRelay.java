package io.deltasnap.cli.job;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP relay on 127.0.0.1 in front of a receiver, forwarding both ways, that can be armed to
 * stall: the first connection whose client sends more than a given number of bytes gets exactly
 * that many forwarded, then the relay stops reading from that client and forwards nothing more
 * either way, and keeps both of its sockets open — a network path that went black, as a sender
 * sees it. Later connections are forwarded in full. Its sockets read into a small buffer, so a
 * stalled client's send buffer fills soon. Everything stops on {@link #close()}.
 */
final class StallingRelay implements AutoCloseable {
  /** One connection through the relay: client-to-receiver bytes forwarded, and whether it stalled. */
  static final class Conn {
    final AtomicLong forwarded = new AtomicLong();
    volatile boolean stalled;
    final Socket client;
    final Socket upstream;

    Conn(Socket client, Socket upstream) {
      this.client = client;
      this.upstream = upstream;
    }
  }

  private final ServerSocket server;
  private final InetSocketAddress target;
  private final AtomicLong stallAfter = new AtomicLong(-1);
  final List<Conn> conns = new CopyOnWriteArrayList<>();
  private volatile boolean closed;

  StallingRelay(int targetPort) throws IOException {
    this.target = new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort);
    server = new ServerSocket();
    server.setReceiveBufferSize(64 << 10); // inherited by accepted sockets: a stalled client fills up soon
    server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    Thread t = new Thread(this::accept, "relay-accept");
    t.setDaemon(true);
    t.start();
  }

  int port() {
    return server.getLocalPort();
  }

  /** The next connection to carry more than {@code bytes} from its client stalls there. */
  void stallAfter(long bytes) {
    stallAfter.set(bytes);
  }

  /** The connection that stalled, or null. */
  Conn stalled() {
    return conns.stream().filter(c -> c.stalled).findFirst().orElse(null);
  }

  private void accept() {
    while (!closed) {
      try {
        Socket c = server.accept();
        Socket u = new Socket();
        u.connect(target, 10_000);
        Conn conn = new Conn(c, u);
        conns.add(conn);
        start(() -> pumpUp(conn), "relay-up");
        start(() -> pumpDown(conn), "relay-down");
      } catch (IOException e) {
        return; // closed
      }
    }
  }

  private static void start(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    t.start();
  }

  /** Client to receiver, stalling where armed. */
  private void pumpUp(Conn c) {
    byte[] buf = new byte[16 << 10];
    try {
      InputStream in = c.client.getInputStream(); // not closed here: closing a socket's stream closes the socket
      OutputStream out = c.upstream.getOutputStream();
      while (true) {
        int n = in.read(buf);
        if (n < 0) {
          break;
        }
        long limit = stallAfter.get();
        long done = c.forwarded.get();
        if (limit >= 0 && done + n > limit && stallAfter.compareAndSet(limit, -1)) {
          out.write(buf, 0, (int) (limit - done));
          out.flush();
          c.forwarded.addAndGet(limit - done);
          c.stalled = true;
          parkUntilClosed();
          return;
        }
        out.write(buf, 0, n);
        c.forwarded.addAndGet(n);
      }
    } catch (IOException e) {
      // a side went away
    }
    closeQuietly(c);
  }

  /** Receiver to client; a stalled connection forwards nothing and does not pass a close on. */
  private void pumpDown(Conn c) {
    byte[] buf = new byte[16 << 10];
    try {
      InputStream in = c.upstream.getInputStream();
      OutputStream out = c.client.getOutputStream();
      int n;
      while ((n = in.read(buf)) >= 0) {
        if (c.stalled) {
          continue;
        }
        out.write(buf, 0, n);
      }
    } catch (IOException e) {
      // a side went away
    }
    if (c.stalled) {
      parkUntilClosed();
    }
    closeQuietly(c);
  }

  private synchronized void parkUntilClosed() {
    while (!closed) {
      try {
        wait(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private static void closeQuietly(Conn c) {
    try {
      c.client.close();
    } catch (IOException e) {
      // closing anyway
    }
    try {
      c.upstream.close();
    } catch (IOException e) {
      // closing anyway
    }
  }

  @Override
  public synchronized void close() throws IOException {
    closed = true;
    notifyAll();
    server.close();
    for (Conn c : conns) {
      closeQuietly(c);
    }
  }
}
