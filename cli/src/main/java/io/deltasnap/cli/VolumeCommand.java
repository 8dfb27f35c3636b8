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

  /** Commands a running server may execute for another process (the volume is locked by it). */
  boolean forwardable() {
    return false;
  }

  VolumeHandle open(Path dir) throws IOException {
    Main root = (Main) spec.root().userObject();
    return root.source().open(dir, common.cacheBytes(), forwardable());
  }
}
