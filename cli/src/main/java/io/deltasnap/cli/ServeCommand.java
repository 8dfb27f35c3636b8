package io.deltasnap.cli;

import io.deltasnap.engine.DirectoryStorage;
import io.deltasnap.engine.Volume;
import io.deltasnap.nbd.NbdServer;
import io.netty.handler.ssl.SslContext;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "serve", description = {
    "Export the origin (read-write) and every snapshot (snapshot-ID) over NBD until stopped.",
    "While serving, 'snapshot create/list/delete', 'status' and 'diff' on this volume from other "
        + "processes are carried out by the server (through VOLUME/control.sock); new snapshots are "
        + "exported at once. SIGTERM or Ctrl-C stops it cleanly."},
    footerHeading = "%nExample:%n",
    footer = "  deltasnap serve /tmp/vol --listen 127.0.0.1:10809")
final class ServeCommand extends VolumeCommand {
  @Parameters(index = "0", paramLabel = "VOLUME", description = "Directory of the volume to export.")
  Path dir;

  @Option(names = "--listen", required = true, paramLabel = "HOST:PORT", description = "Address to listen on (port 0: any free port; NBD's usual port is 10809).")
  String listen;

  @Option(names = "--tls-cert", paramLabel = "PEM", description = "Require TLS (NBD STARTTLS) with this PEM certificate chain (with --tls-key).")
  Path tlsCert;

  @Option(names = "--tls-key", paramLabel = "PEM", description = "The PEM certificate's PKCS#8 private key (required with --tls-cert).")
  Path tlsKey;

  @Option(names = "--handshake-timeout", paramLabel = "DURATION", defaultValue = "10s",
      converter = ReceiveCommand.Durations.class,
      description = "Drop a client still negotiating after this long (default: ${DEFAULT-VALUE}).")
  java.time.Duration handshakeTimeout;

  @Option(names = "--request-timeout", paramLabel = "DURATION", defaultValue = "30s",
      converter = ReceiveCommand.Durations.class,
      description = "Drop a client whose request stops arriving half-way for this long (default: ${DEFAULT-VALUE}); "
          + "an idle client with no request under way stays connected.")
  java.time.Duration requestTimeout;

  @Option(names = "--write-memory", paramLabel = "SIZE", defaultValue = "256M", converter = Sizes.Converter.class,
      description = "Memory for write payloads across all clients (default: ${DEFAULT-VALUE}); a write beyond it "
          + "waits, its client not read from, until others complete. Each client holds at most 64 MiB.")
  long writeMemory;

  @Option(names = "--max-connections", paramLabel = "N", defaultValue = "128",
      description = "Serve at most N client connections at once; one more is closed at once (default: ${DEFAULT-VALUE}).")
  int maxConnections;

  @picocli.CommandLine.Mixin
  MetricsOption metrics;

  @Override
  public Integer call() throws Exception {
    if (writeMemory < 1 || maxConnections < 1) { // durations of 0 are not durations (a usage error)
      throw new Main.UserError("--write-memory and --max-connections must be positive");
    }
    InetSocketAddress addr = HostPort.parse(listen);
    InetSocketAddress metricsAt = metrics.address();
    Optional<SslContext> tls = ServerTls.context(tlsCert, tlsKey);
    if (!Files.isDirectory(dir)) {
      throw new Main.UserError("no volume at " + dir);
    }
    Volume v = VolumeSource.reportRepairs(Volume.open(new DirectoryStorage(dir), common.cacheBytes()));
    NbdServer server = null;
    ControlSocket control = null;
    AutoCloseable metricsServer;
    try {
      VolumeSource lend = VolumeSource.serving(dir, v);
      control = ControlSocket.start(dir, args -> ControlSocket.runCaptured(lend, args));
      NbdServer.Options d = NbdServer.Options.defaults();
      // writes after a snapshot wait for a commit: more requests in flight share each commit
      NbdServer.Options opts = d.withThreads(Integer.getInteger("deltasnap.nbdThreads", 32))
          .withTimeouts(handshakeTimeout, requestTimeout).withMemory(d.maxBytesInFlight(), writeMemory)
          .withMaxConnections(maxConnections);
      boolean staged = io.deltasnap.receiver.Replica.hasStagedTransfer(dir);
      if (staged) {
        err().println("deltasnap: " + dir + " holds a staged incoming transfer: its origin is served read-only");
      }
      server = NbdServer.start(addr, new VolumeExports(v, staged), tls, opts);
      metricsServer = MetricsOption.start(metricsAt, new MetricsSources(dir.toString(), () -> v, null, null), err());
    } catch (Exception e) { // e.g. the port is taken: nothing is left behind
      if (server != null) {
        server.close();
      }
      ControlSocket.closeQuietly(control, e);
      v.close();
      throw e;
    }
    v.startBackgroundReclaim();
    return runUntilStopped(server.address(), "serving " + dir + " on nbd://" + server.address().getHostString() + ":"
        + server.port() + "/origin (and /snapshot-ID); stop with Ctrl-C", metricsServer, server, control, v);
  }
}
