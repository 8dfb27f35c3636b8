package io.deltasnap.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Mixin;

/**
 * Base of the commands that work on a volume: the shared options, text output through picocli's
 * writers (so a server can run a command for a client and capture what it prints), and opening
 * the volume through the root command's {@link VolumeSource}.
 */
abstract class VolumeCommand implements Callable<Integer> {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Mixin
  Common common;

  PrintWriter out() {
    return spec.commandLine().getOut();
  }

  PrintWriter err() {
    return spec.commandLine().getErr();
  }

  /** Whether a running server may execute this command for another process (the volume is locked by it). */
  private final boolean forwardable;

  VolumeCommand() {
    this(false);
  }

  VolumeCommand(boolean forwardable) {
    this.forwardable = forwardable;
  }

  boolean forwardable() {
    return forwardable;
  }

  /**
   * For servers: prints where it listens ({@code --json}: one line with host and port on stdout),
   * then waits until SIGTERM or Ctrl-C, when {@code resources} are closed in order.
   */
  int runUntilStopped(java.net.InetSocketAddress bound, String listening, AutoCloseable... resources)
      throws InterruptedException {
    java.util.concurrent.CountDownLatch stopped = new java.util.concurrent.CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      for (AutoCloseable c : resources) {
        try {
          c.close();
        } catch (Exception e) {
          System.err.println("deltasnap: while stopping: " + e.getMessage());
        }
      }
      stopped.countDown();
    }, "deltasnap-stop"));
    if (common.json) {
      java.util.Map<String, Object> m = Json.obj();
      m.put("host", bound.getHostString());
      m.put("port", bound.getPort());
      out().println(Json.write(m).replace("\n", " "));
    } else {
      err().println(listening);
    }
    out().flush();
    err().flush();
    stopped.await();
    return 0;
  }

  /**
   * Refuses {@code what} on a replica holding a staged incoming transfer: it would change the
   * origin the transfer staged its records in, and the resumed transfer would then publish a
   * snapshot that is not the source's.
   */
  static void refuseIfStaged(Path dir, String what) {
    if (io.deltasnap.receiver.Replica.hasStagedTransfer(dir)) {
      throw new Main.UserError(dir + " holds a staged incoming transfer, and " + what + " would change what it staged: "
          + "resume it (send the same snapshot again) or discard it with 'deltasnap receive " + dir + " --discard-staged'");
    }
  }

  VolumeHandle open(Path dir) throws IOException {
    Main root = (Main) spec.root().userObject();
    return root.source().open(dir, common.cacheBytes(), forwardable());
  }
}
