package io.deltasnap.cli;

import io.deltasnap.delta.TrustedKeys;
import io.deltasnap.engine.Volume;
import io.deltasnap.receiver.Replica;
import io.deltasnap.receiver.ReplicationServer;
import io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "receive", description = {
    "Serve until stopped, applying deltas from holders of trusted keys to REPLICA (created by the first full delta).",
    "Each delta is applied atomically and acknowledged once its commit is durable. One transfer at a time: "
        + "a second sender is told the replica is busy. An interrupted transfer is staged durably and resumed by "
        + "the next send of the same delta; staged data nobody resumes is discarded after --stale-after, or with "
        + "--discard-staged (while no receiver runs).",
    "While receiving, 'snapshot list/create', 'status' and 'diff' on REPLICA from other processes are carried out "
        + "by the receiver. SIGTERM or Ctrl-C stops it cleanly: a running transfer is checkpointed for resuming."},
    footerHeading = "%nExample:%n",
    footer = "  deltasnap receive /srv/replica --listen 0.0.0.0:7710 --trust site-a.pub")
final class ReceiveCommand extends VolumeCommand {
  @Parameters(index = "0", paramLabel = "REPLICA", description = "Directory of the replica.")
  Path dir;

  @Option(names = "--listen", paramLabel = "HOST:PORT", description = "Address to listen on (port 0: any free port); required unless --discard-staged.")
  String listen;

  @Option(names = "--trust", paramLabel = "FILE", description = "Trust file: the public keys senders may sign with (lines of keygen's .pub files); "
          + "required unless --discard-staged.")
  Path trustFile;

  @Option(names = "--tls-cert", paramLabel = "PEM", description = "Require TLS with this PEM certificate chain (with --tls-key).")
  Path tlsCert;

  @Option(names = "--tls-key", paramLabel = "PEM", description = "The PEM certificate's PKCS#8 private key (required with --tls-cert).")
  Path tlsKey;

  @Option(names = "--stale-after", paramLabel = "DURATION", defaultValue = "24h", converter = Durations.class,
      description = "Discard a staged transfer nobody has resumed for this long (90s, 30m, 7d, ...; "
          + "default: ${DEFAULT-VALUE}).")
  Duration staleAfter;

  @Option(names = "--allow-prune", description = "Let trusted senders delete snapshots on this replica "
      + "(needed for a job's retention on a network target). Off by default: a compromised source then "
      + "cannot erase the replica's history.")
  boolean allowPrune;

  @Option(names = "--idle-timeout", paramLabel = "DURATION", defaultValue = "120s", converter = Durations.class,
      description = "Drop a sender that is silent for this long (default: ${DEFAULT-VALUE}).")
  Duration idle;

  @Option(names = "--handshake-timeout", paramLabel = "DURATION", defaultValue = "10s", converter = Durations.class,
      description = "Close a connection that has not authenticated within this long (default: ${DEFAULT-VALUE}).")
  Duration handshakeTimeout;

  @Option(names = "--max-handshakes", paramLabel = "N", defaultValue = "64",
      description = "At most N connections may be authenticating at once; more are closed at once (default: ${DEFAULT-VALUE}).")
  int maxHandshakes;

  @Option(names = "--max-handshakes-per-host", paramLabel = "N", defaultValue = "8",
      description = "At most N of them from one address (default: ${DEFAULT-VALUE}).")
  int maxHandshakesPerHost;

  @CommandLine.Mixin
  MetricsOption metrics;

  @Option(names = "--discard-staged", description = "Discard the staged transfer of REPLICA, if any, and exit.")
  boolean discardStaged;

  @Override
  public Integer call() throws Exception {
    if (discardStaged) {
      try (Replica r = Replica.open(dir, common.cacheBytes())) {
        boolean done = r.discardStaged(null);
        out().println(common.json ? Json.write(Map.of("discarded", done))
            : done ? "discarded the staged transfer of " + dir : "nothing staged in " + dir);
      }
      return 0;
    }
    if (listen == null || trustFile == null) {
      throw new Main.UserError("--listen HOST:PORT and --trust FILE are required");
    }
    if (maxHandshakes < 1 || maxHandshakesPerHost < 1) { // durations of 0 are not durations (a usage error)
      throw new Main.UserError("--max-handshakes and --max-handshakes-per-host must be positive");
    }
    InetSocketAddress addr = HostPort.parse(listen);
    InetSocketAddress metricsAt = metrics.address();
    Optional<SslContext> tls = ServerTls.context(tlsCert, tlsKey);
    TrustedKeys trust = TrustedKeys.load(trustFile);
    if (trust.keys().isEmpty()) {
      throw new Main.UserError("no keys in the trust file " + trustFile);
    }
    boolean existed = Files.exists(dir);
    // the receiver's own directory (its control socket lives there); a volume in it is made by the first full
    // delta that passes its checks, and a refused one takes it away again
    Files.createDirectories(dir);
    AutoCloseable tidy = () -> removeIfEmpty(existed);
    Replica replica = Replica.open(dir, common.cacheBytes());
    ReplicationServer server = null;
    ControlSocket control = null;
    AutoCloseable metricsServer;
    ReplicationServer.Settings settings = ReplicationServer.Settings.defaults().withIdle(idle).withStaleAfter(staleAfter)
        .withAllowPrune(allowPrune)
        .withAdmission(new ReplicationServer.Admission(maxHandshakes, maxHandshakesPerHost, handshakeTimeout));
    try {
      VolumeSource lend = lend(replica);
      control = ControlSocket.start(dir, args -> ControlSocket.runCaptured(lend, args));
      server = ReplicationServer.start(addr, replica, trust, tls, settings,
          line -> System.err.println("deltasnap receive: " + Instant.now() + " " + line));
      metricsServer = MetricsOption.start(metricsAt, new MetricsSources(dir.toString(), replica::volume, server, null),
          err());
    } catch (Exception e) { // e.g. the port is taken: nothing is left behind, not even the new directory
      if (server != null) {
        server.close();
      }
      ControlSocket.closeQuietly(control, e);
      replica.close();
      try {
        tidy.close();
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
    return runUntilStopped(server.address(), "receiving into " + dir + " on " + server.address().getHostString() + ":"
        + server.port() + (tls.isPresent() ? " (TLS)" : "") + "; stop with Ctrl-C", metricsServer, server, control, replica,
        tidy);
  }

  /** A directory this command made and that holds nothing (no delta made a volume in it) goes when it stops. */
  private void removeIfEmpty(boolean existed) throws IOException {
    if (existed) {
      return;
    }
    try (java.util.stream.Stream<Path> left = Files.list(dir)) {
      if (left.findAny().isEmpty()) {
        Files.delete(dir);
      }
    } catch (java.nio.file.NoSuchFileException | java.nio.file.DirectoryNotEmptyException e) {
      // gone already, or something arrived meanwhile: not ours to remove
    }
  }

  /** Lends the replica's volume to commands arriving on the control socket. */
  private VolumeSource lend(Replica replica) throws IOException {
    Path real = dir.toRealPath();
    return new VolumeSource() {
      @Override
      VolumeHandle open(Path d, long cacheBytes, boolean forwardable) throws IOException {
        if (Files.isDirectory(d) && d.toRealPath().equals(real)) {
          Volume v = replica.volume();
          if (v == null) {
            throw new Main.UserError("replica " + dir + " holds no volume yet (the first full delta creates it)");
          }
          return new VolumeHandle(v, false);
        }
        return super.open(d, cacheBytes, false);
      }
    };
  }

  /** Durations as in job files: {@code 90s}, {@code 30m}, {@code 24h}, {@code 7d}, {@code 1h30m}. */
  static final class Durations implements CommandLine.ITypeConverter<Duration> {
    @Override
    public Duration convert(String s) {
      Duration d = io.deltasnap.cli.job.Durations.parse(s);
      if (d == null) {
        throw new CommandLine.TypeConversionException("'" + s + "' is not a duration (examples: 90s, 30m, 24h, 7d)");
      }
      return d;
    }
  }
}
