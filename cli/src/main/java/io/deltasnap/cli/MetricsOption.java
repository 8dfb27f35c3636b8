package io.deltasnap.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import picocli.CommandLine.Option;

/**
 * {@code --metrics HOST:PORT} of {@code receive}, {@code serve} and {@code job daemon}: Prometheus
 * text exposition at {@code http://HOST:PORT/metrics} (docs/metrics.md). The client library is
 * loaded only when the option is given ({@link MetricsServer} is the one class that uses it).
 */
final class MetricsOption {
  /** Not started: closing it does nothing. */
  private static final AutoCloseable NONE = () -> { };

  @Option(names = "--metrics", paramLabel = "HOST:PORT",
      description = "Serve Prometheus metrics at http://HOST:PORT/metrics (port 0: any free port; docs/metrics.md).")
  String metrics;

  /** The address asked for, checked before anything starts; null without the option. */
  InetSocketAddress address() {
    return metrics == null ? null : HostPort.parse(metrics);
  }

  /**
   * Starts the endpoint at {@code address} (if any) and says where on {@code err}; what it
   * returns stops it.
   */
  static AutoCloseable start(InetSocketAddress address, MetricsSources sources, PrintWriter err) throws IOException {
    if (address == null) {
      return NONE;
    }
    MetricsServer s = MetricsServer.start(address, sources);
    err.println("metrics on " + s.url());
    err.flush();
    return s;
  }
}
