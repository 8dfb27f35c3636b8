package io.deltasnap.cli;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * length u32 + bytes (at most 64 MiB each). Every length is checked against its bound before
 * anything is read; a request that breaks one is closed without a reply.
 */
final class ControlSocket implements AutoCloseable {
  static final String NAME = "control.sock";
  private static final int MAX_ARGS = 64;
  private static final int MAX_ARG = 64 * 1024;
  private static final int MAX_REPLY_TEXT = 64 << 20;

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
      String[] args = readRequest(Channels.newInputStream(ch));
      writeReply(Channels.newOutputStream(ch), runner.apply(args));
    } catch (IOException e) {
      // the client went away, or sent what no deltasnap client sends: nothing to tell it
    }
  }

  /** Sends a command to the server holding {@code dir}; prints its output here. */
  static int forward(Path dir, String[] args, PrintWriter out, PrintWriter err) throws IOException {
    try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(path(dir)))) {
      writeRequest(Channels.newOutputStream(ch), args);
      Outcome o = readReply(Channels.newInputStream(ch));
      out.print(o.out());
      err.print(o.err());
      out.flush();
      err.flush();
      return o.exit();
    }
  }

  /**
   * Reads one request: its argument count and each argument are checked against
   * {@value #MAX_ARGS} and {@value #MAX_ARG} bytes before anything is read into memory.
   *
   * @throws IOException a truncated request ({@link java.io.EOFException}) or a bound exceeded
   */
  static String[] readRequest(InputStream stream) throws IOException {
    DataInputStream in = new DataInputStream(stream);
    int n = in.readInt();
    if (n < 0 || n > MAX_ARGS) {
      throw new IOException("control request of " + Integer.toUnsignedString(n) + " arguments, more than " + MAX_ARGS);
    }
    String[] args = new String[n];
    for (int i = 0; i < n; i++) {
      args[i] = readString(in, MAX_ARG, "argument " + i);
    }
    return args;
  }

  static void writeRequest(OutputStream stream, String[] args) throws IOException {
    DataOutputStream o = new DataOutputStream(stream);
    o.writeInt(args.length);
    for (String s : args) {
      writeString(o, s);
    }
    o.flush();
  }

  /** Reads a server's reply; each text is checked against {@value #MAX_REPLY_TEXT} bytes first. */
  static Outcome readReply(InputStream stream) throws IOException {
    DataInputStream in = new DataInputStream(stream);
    int code = in.readInt();
    String out = readString(in, MAX_REPLY_TEXT, "reply output");
    String err = readString(in, MAX_REPLY_TEXT, "reply errors");
    return new Outcome(code, out, err);
  }

  static void writeReply(OutputStream stream, Outcome o) throws IOException {
    DataOutputStream out = new DataOutputStream(stream);
    out.writeInt(o.exit());
    writeString(out, o.out());
    writeString(out, o.err());
    out.flush();
  }

  private static void writeString(DataOutputStream o, String s) throws IOException {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    o.writeInt(b.length);
    o.write(b);
  }

  private static String readString(DataInputStream in, int max, String what) throws IOException {
    int len = in.readInt();
    if (len < 0 || len > max) {
      throw new IOException("control " + what + " of " + Integer.toUnsignedString(len) + " bytes, more than " + max);
    }
    byte[] b = in.readNBytes(len);
    if (b.length < len) {
      throw new EOFException("control " + what + " ends after " + b.length + " of " + len + " bytes");
    }
    return new String(b, StandardCharsets.UTF_8);
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
