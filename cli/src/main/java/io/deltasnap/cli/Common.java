package io.deltasnap.cli;

import picocli.CommandLine.Option;

/** Options shared by commands: output format, progress and diagnostics. */
final class Common {
  @Option(names = "--json", description = "Print one JSON document on stdout and nothing else there.")
  boolean json;

  @Option(names = "--progress", negatable = true,
      description = "Show progress on stderr, or never with --no-progress (default: when stderr is a "
          + "terminal).")
  Boolean progress;

  @Option(names = "--debug", description = "Print the stack trace after an error message.")
  boolean debug;

  @Option(names = "--cache-size", converter = Sizes.Converter.class, paramLabel = "SIZE",
      description = "Memory budget of the volume's metadata (tree node) cache (default: 64M).")
  Long cacheSize;

  boolean showProgress() {
    return progress != null ? progress : System.console() != null;
  }

  long cacheBytes() {
    return cacheSize != null ? cacheSize : io.deltasnap.engine.pdata.NodeCache.DEFAULT_BYTES;
  }
}
