package io.deltasnap.receiver;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP relay on 127.0.0.1 for tests, between a sender and a receiver, that can cut the connection
 * after N sender bytes, stall for a while at N bytes, or flip one byte at offset N.
 */
final class Relay implements AutoCloseable {
  volatile long cutAt = Long.MAX_VALUE;
  volatile long stallAt = Long.MAX_VALUE;
  volatile long stallMillis;
  volatile long corruptAt = Long.MAX_VALUE;
  final AtomicLong forwarded = new AtomicLong();
  private final ServerSocket server;
  private final InetSocketAddress target;
  private final Thread acceptor;

  Relay(InetSocketAddress target) throws IOException {
    this.target = target;
    this.server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
    this.acceptor = new Thread(this::acceptLoop, "relay");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  InetSocketAddress address() {
    return new InetSocketAddress("127.0.0.1", server.getLocalPort());
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      try {
        Socket a = server.accept();
        Socket b = new Socket(target.getAddress(), target.getPort());
        forwarded.set(0);
        start(() -> pump(a, b, true));
        start(() -> pump(b, a, false));
      } catch (IOException e) {
        return;
      }
    }
  }

  private static void start(Runnable r) {
    Thread t = new Thread(r, "relay-pump");
    t.setDaemon(true);
    t.start();
  }

  private void pump(Socket from, Socket to, boolean upstream) {
    byte[] buf = new byte[16384];
    try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
      int n;
      while ((n = in.read(buf)) > 0) {
        if (upstream) {
          long at = forwarded.get();
          if (at + n > cutAt) {
            int keep = (int) Math.max(0, cutAt - at);
            out.write(buf, 0, keep);
            out.flush();
            from.close();
            to.close();
            return;
          }
          if (at <= stallAt && at + n > stallAt) {
            Thread.sleep(stallMillis);
          }
          if (at <= corruptAt && at + n > corruptAt) {
            buf[(int) (corruptAt - at)] ^= 0x40;
          }
          forwarded.addAndGet(n);
        }
        out.write(buf, 0, n);
        out.flush();
      }
    } catch (IOException | InterruptedException e) {
      // one side closed: close the other
    } finally {
      try {
        from.close();
        to.close();
      } catch (IOException ignored) {
        // already closed
      }
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
  }
}
