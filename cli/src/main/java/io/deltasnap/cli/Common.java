package io.deltasnap.cli;

import picocli.CommandLine.Option;

/** Options shared by commands: output format, progress and diagnostics. */
final class Common {
  @Option(names = "--json", description = "Print one JSON document on stdout and nothing else there.")
  boolean json;

  @Option(names = "--progress", negatable = true,
      description = "Show progress on stderr (default: when stderr is a terminal).")
  Boolean progress;

  @Option(names = "--debug", description = "Print stack traces with errors.")
  boolean debug;

  @Option(names = "--cache-size", converter = Sizes.Converter.class, paramLabel = "SIZE",
      description = "Metadata cache budget (default: 64M).")
  Long cacheSize;

  boolean showProgress() {
    return progress != null ? progress : System.console() != null;
  }

  long cacheBytes() {
    return cacheSize != null ? cacheSize : io.deltasnap.engine.pdata.NodeCache.DEFAULT_BYTES;
  }
}
