package io.deltasnap.cli;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * A server that holds a volume open ({@code serve}, later {@code receive} and {@code job daemon})
 * also listens on {@code VOLUME/control.sock}, a Unix socket only local users with access to the
 * volume directory can reach. Commands such as {@code snapshot create} that find the volume busy
 * send their arguments there; the server runs them against its open volume and returns the exit
 * code and what they printed. So scheduled snapshots work against a live export.
 *
 * <p>Wire format (big-endian): request = count u32, then per argument length u32 + UTF-8 bytes
 * (at most 64 arguments of 64 KiB); reply = exit code u32, stdout length u32 + bytes, stderr
 * length u32 + bytes.
 */
final class ControlSocket implements AutoCloseable {
  static final String NAME = "control.sock";
  private static final int MAX_ARGS = 64;
  private static final int MAX_ARG = 64 * 1024;

  /** Thrown by a command that must run in the server holding the volume. */
  static final class Forward extends RuntimeException {
    final Path dir;

    Forward(Path dir) {
      super("volume " + dir + " is served by another process");
      this.dir = dir;
    }
  }

  /** What a command printed and returned. */
  record Outcome(int exit, String out, String err) {}

  private final Path path;
  private final ServerSocketChannel server;
  private final Thread acceptor;
  private volatile boolean closed;

  static Path path(Path dir) {
    return dir.resolve(NAME);
  }

  private ControlSocket(Path path, ServerSocketChannel server, Function<String[], Outcome> runner) {
    this.path = path;
    this.server = server;
    this.acceptor = new Thread(() -> acceptLoop(runner), "deltasnap-control");
    acceptor.setDaemon(true);
  }

  static ControlSocket start(Path dir, Function<String[], Outcome> runner) throws IOException {
    Path p = path(dir);
    Files.deleteIfExists(p); // a stale socket of a process that died; we hold the volume lock
    ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    s.bind(UnixDomainSocketAddress.of(p));
    ControlSocket c = new ControlSocket(p, s, runner);
    c.acceptor.start();
    return c;
  }

  private void acceptLoop(Function<String[], Outcome> runner) {
    while (!closed) {
      try {
        SocketChannel ch = server.accept();
        Thread t = new Thread(() -> serve(ch, runner), "deltasnap-control-client");
        t.setDaemon(true);
        t.start();
      } catch (IOException e) {
        if (!closed) {
          System.err.println("deltasnap: control socket stopped: " + e.getMessage());
        }
        return;
      }
    }
  }

  private static void serve(SocketChannel ch, Function<String[], Outcome> runner) {
    try (ch) {
      DataInputStream in = new DataInputStream(Channels.newInputStream(ch));
      int n = in.readInt();
      if (n < 0 || n > MAX_ARGS) {
        return;
      }
      String[] args = new String[n];
      for (int i = 0; i < n; i++) {
        int len = in.readInt();
        if (len < 0 || len > MAX_ARG) {
          return;
        }
        args[i] = new String(in.readNBytes(len), StandardCharsets.UTF_8);
      }
      Outcome o = runner.apply(args);
      DataOutputStream out = new DataOutputStream(Channels.newOutputStream(ch));
      out.writeInt(o.exit());
      byte[] so = o.out().getBytes(StandardCharsets.UTF_8);
      byte[] se = o.err().getBytes(StandardCharsets.UTF_8);
      out.writeInt(so.length);
      out.write(so);
      out.writeInt(se.length);
      out.write(se);
      out.flush();
    } catch (IOException e) {
      // the client went away; nothing to tell it
    }
  }

  /** Sends a command to the server holding {@code dir}; prints its output here. */
  static int forward(Path dir, String[] args, PrintWriter out, PrintWriter err) throws IOException {
    try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(path(dir)))) {
      DataOutputStream o = new DataOutputStream(Channels.newOutputStream(ch));
      List<String> a = new ArrayList<>(List.of(args));
      o.writeInt(a.size());
      for (String s : a) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        o.writeInt(b.length);
        o.write(b);
      }
      o.flush();
      DataInputStream in = new DataInputStream(Channels.newInputStream(ch));
      int code = in.readInt();
      out.print(readString(in));
      err.print(readString(in));
      out.flush();
      err.flush();
      return code;
    }
  }

  private static String readString(DataInputStream in) throws IOException {
    int len = in.readInt();
    if (len < 0 || len > (64 << 20)) {
      throw new IOException("control reply of " + len + " bytes");
    }
    return new String(in.readNBytes(len), StandardCharsets.UTF_8);
  }

  /** Runs a command line in this process with {@code source}, capturing its text output. */
  static Outcome runCaptured(VolumeSource source, String[] args) {
    ByteArrayOutputStream so = new ByteArrayOutputStream();
    ByteArrayOutputStream se = new ByteArrayOutputStream();
    PrintWriter out = new PrintWriter(so, true, StandardCharsets.UTF_8);
    PrintWriter err = new PrintWriter(se, true, StandardCharsets.UTF_8);
    int code = Main.run(source, out, err, args);
    out.flush();
    err.flush();
    return new Outcome(code, so.toString(StandardCharsets.UTF_8), se.toString(StandardCharsets.UTF_8));
  }

  /** Closes {@code c} if a start got that far; a failure to is added to {@code cause}. */
  static void closeQuietly(ControlSocket c, Exception cause) {
    if (c != null) {
      try {
        c.close();
      } catch (IOException e) {
        cause.addSuppressed(e);
      }
    }
  }

  @Override
  public void close() throws IOException {
    closed = true;
    server.close();
    Files.deleteIfExists(path);
  }
}
