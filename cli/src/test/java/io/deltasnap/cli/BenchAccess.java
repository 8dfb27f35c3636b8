package io.deltasnap.cli;

/** Lets the benchmarks in {@code io.deltasnap.cli.bench} run the real command line in process. */
public final class BenchAccess {
  private BenchAccess() {}

  public static int run(String... args) {
    return Main.run(args);
  }
}
