package io.deltasnap.cli;

import io.deltasnap.delta.DeltaLayout;
import io.deltasnap.delta.Keys;
import io.deltasnap.engine.DiffResult;
import io.deltasnap.engine.SnapshotInfo;
import io.deltasnap.engine.Volume;
import io.deltasnap.sender.DeltaProducer;
import io.deltasnap.sender.ReplicationClient;
import io.deltasnap.sender.ReplicationException;
import io.deltasnap.sender.Tls;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "send", description = {
    "Stream a signed delta to a receiver ('deltasnap receive'); resumes an interrupted transfer of the same delta.",
    "Without --base, the receiver is asked for its snapshots and the increment from the newest snapshot both "
        + "hold (same ID and UUID) is sent, or a full delta when they share none.",
    "--tls: the receiver's certificate is checked against --tls-ca, or else trusted on first use and recorded "
        + "in --tls-known.",
    "A VOLUME held by a running 'serve' or 'receive' (a replica, sending on along a cascade) is sent by that "
        + "process through its control socket: give absolute paths."},
    footerHeading = "%nExample:%n",
    footer = "  deltasnap send /tmp/vol --snapshot 3 --key site-a.key --to replica-host:7710")
final class SendCommand extends VolumeCommand {
  @Parameters(index = "0", paramLabel = "VOLUME", description = "Directory of the source volume.")
  Path dir;

  @Option(names = "--base", paramLabel = "A", description = "Base snapshot ID: send only what changed since it (default: the newest snapshot "
      + "both sides share, or a full delta if none).")
  Long base;

  @Option(names = "--snapshot", required = true, paramLabel = "B", description = "ID of the snapshot to send.")
  long snapshot;

  @Option(names = "--key", paramLabel = "KEYFILE", description = "Ed25519 private key that signs the delta (keygen's PREFIX.key); required unless "
      + "--dry-run with --base.")
  Path keyFile;

  @Option(names = "--to", paramLabel = "HOST:PORT", description = {"Address of the receiver ('deltasnap receive'), or "
      + "s3://BUCKET/PREFIX for a bucket in an object store (docs/object-store.md); required unless --dry-run with --base."})
  String to;

  @Option(names = "--encrypt-to", paramLabel = "RECIPIENTS", description = "For an s3:// target: encrypt the delta to every "
      + "recipient listed in this file (keygen --encryption's PREFIX.recipient lines); still signed with --key.")
  java.nio.file.Path encryptTo;

  @picocli.CommandLine.Mixin
  S3Options s3;

  @Option(names = "--tls", description = "Connect with TLS, trusting the receiver's certificate on first use (see --tls-known).")
  boolean tls;

  @Option(names = "--tls-ca", paramLabel = "PEM", description = "PEM CA certificates the receiver's certificate must chain to, its host name "
      + "checked too (implies --tls).")
  Path tlsCa;

  @Option(names = "--tls-known", paramLabel = "FILE", description = {"File of known receivers' certificate fingerprints, for trust on first use with --tls.",
      "Default: ~/.config/deltasnap/known_receivers"})
  Path tlsKnown;

  @Option(names = "--limit", converter = Sizes.Converter.class, paramLabel = "RATE",
      description = "Bandwidth limit in bytes per second, like 10M (default: none).")
  Long limit;

  @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "300",
      description = "Seconds to wait for the receiver at any step (default: ${DEFAULT-VALUE}).")
  long timeoutSeconds;

  @Option(names = "--stall-timeout", paramLabel = "DURATION", defaultValue = "2m", converter = ReceiveCommand.Durations.class,
      description = "Abort the transfer when no delta bytes went out for this long (90s, 2m, ...; default: "
          + "${DEFAULT-VALUE}); the next send of the same delta resumes where the receiver's durable part ends.")
  Duration stallTimeout;

  @Option(names = "--dry-run", description = "Print the changed bytes and extents that would be sent, and send nothing.")
  boolean dryRun;

  /**
   * A volume held by {@code serve} or {@code receive} (a replica, in a cascade A → B → C) is sent
   * by that process, through its control socket; paths are then resolved by that process, so give
   * absolute ones. Its output arrives when the send is done (no live progress).
   */
  SendCommand() {
    super(true); // forwarded to a server holding the volume
  }

  @Override
  public Integer call() throws Exception {
    if (!dryRun || base == null) {
      if (to == null) {
        throw new Main.UserError("--to HOST:PORT is required" + (dryRun ? " for a dry run without --base" : ""));
      }
      if (keyFile == null) {
        throw new Main.UserError("--key KEYFILE is required");
      }
    }
    if (limit != null && limit <= 0) {
      throw new Main.UserError("--limit must be positive");
    }
    if (S3Options.isS3(to) && !dryRun) {
      return sendToBucket();
    }
    if (encryptTo != null) {
      throw new Main.UserError("--encrypt-to is for s3:// targets; a receiver gets the delta over the connection (use --tls)");
    }
    if (to != null && !(dryRun && base != null)) {
      ReplicationClient.warmUpInBackground(); // overlaps with opening the volume
    }
    try (VolumeHandle h = open(dir)) {
      Volume v = h.volume();
      SnapshotInfo target = v.snapshot(snapshot);
      if (target == null || !target.live()) {
        throw new Main.UserError("no snapshot " + snapshot + " in " + dir);
      }
      if (dryRun && base != null) {
        printDryRun(v, base);
        return 0;
      }
      Ed25519PrivateKeyParameters key = Keys.readPrivate(keyFile);
      ReplicationClient.Options o = ReplicationClient.Options.defaults()
          .withTimeout(Duration.ofSeconds(timeoutSeconds))
          .withLimit(limit == null ? 0 : limit)
          .withStallTimeout(stallTimeout)
          .withTls(tls || tlsCa != null ? new Tls.Options(true, tlsCa, tlsKnown != null ? tlsKnown : defaultKnown())
              : Tls.Options.NONE);
      java.net.InetSocketAddress address = HostPort.parse(to);
      if (!dryRun) {
        DeltaProducer.header(v, base == null ? Volume.ORIGIN : base, snapshot, key); // bad IDs: refuse before connecting
      }
      // connect, shake hands and offer on another thread while the delta most likely wanted is
      // planned here (its diff computed, its first chunks read): the round trips and the disk overlap
      long likely = base != null ? base : likelyBase(v, snapshot);
      java.util.concurrent.CompletableFuture<ReplicationClient> connecting = new java.util.concurrent.CompletableFuture<>();
      Thread connector = new Thread(() -> {
        ReplicationClient c = null;
        try {
          c = ReplicationClient.connect(address, key, v.uuid(), o);
          boolean sameVolume = c.replicaVolume() == null || c.replicaVolume().equals(v.uuid());
          if (!dryRun && sameVolume && (base != null ? base
              : ReplicationClient.commonBase(v, snapshot, c.replicaVolume(), c.replicaSnapshots())) == likely) {
            c.offer(v, likely, snapshot, key); // the receiver holds the planned base: offer it now
          }
          connecting.complete(c);
        } catch (Throwable t) {
          if (c != null) {
            c.close();
          }
          connecting.completeExceptionally(t);
        }
      }, "deltasnap-connect");
      connector.setDaemon(true);
      connector.start();
      DeltaProducer.Plan guess = null;
      ReplicationClient c;
      try {
        if (!dryRun) {
          guess = DeltaProducer.plan(v, likely, snapshot, DeltaProducer.Options.defaults());
        }
        c = awaitConnection(connecting);
      } catch (Exception | Error e) {
        if (guess != null) {
          guess.close();
        }
        connecting.thenAccept(ReplicationClient::close); // a connection that arrives late is closed
        throw e;
      }
      try (c) {
        if (c.replicaVolume() != null && !c.replicaVolume().equals(v.uuid())) {
          throw new Main.UserError("the replica at " + to + " holds volume " + c.replicaVolume() + ", not " + v.uuid()
              + " (" + dir + ")");
        }
        long b = base != null ? base : ReplicationClient.commonBase(v, snapshot, c.replicaVolume(), c.replicaSnapshots());
        if (dryRun) {
          c.bye();
          printDryRun(v, b);
          return 0;
        }
        if (guess.base() != b) { // the receiver holds another base than the newest: plan again
          guess.close();
          guess = DeltaProducer.plan(v, b, snapshot, DeltaProducer.Options.defaults());
        }
        ReplicationClient.Outcome r;
        try (ProgressBar bar = new ProgressBar("send", common.showProgress())) {
          DeltaProducer.Plan p = guess;
          guess = null;
          r = c.send(v, p, key, DeltaProducer.Options.defaults(), bar);
        }
        printSummary(r);
      } catch (ReplicationException | io.deltasnap.sender.TransferStalledException e) {
        throw new Main.UserError(e.getMessage());
      } finally {
        if (guess != null) {
          guess.close();
        }
      }
    }
    return 0;
  }

  private int sendToBucket() throws Exception {
    Ed25519PrivateKeyParameters key = DeltaCommand.key(keyFile);
    DeltaProducer.Options opts = new DeltaProducer.Options(true,
        io.deltasnap.delta.WriterOptions.defaults().encryptedTo(EncryptionFiles.recipients(encryptTo)));
    try (VolumeHandle h = open(dir)) {
      Volume v = h.volume();
      SnapshotInfo target = v.snapshot(snapshot);
      if (target == null || !target.live()) {
        throw new Main.UserError("no snapshot " + snapshot + " in " + dir);
      }
      S3Send.Outcome r;
      try (ProgressBar bar = new ProgressBar("send", common.showProgress())) {
        r = S3Send.send(v, to, s3, base, snapshot, key, opts, bar);
      }
      S3Send.print(out(), common.json, to, r);
    }
    return 0;
  }

  /** The base a send without --base most likely uses: the newest live snapshot older than {@code target}. */
  private static long likelyBase(Volume v, long target) throws IOException {
    SnapshotInfo s = v.newestSnapshotBefore(target);
    return s == null ? Volume.ORIGIN : s.id();
  }

  private static ReplicationClient awaitConnection(java.util.concurrent.CompletableFuture<ReplicationClient> f)
      throws Exception {
    try {
      return f.get();
    } catch (java.util.concurrent.ExecutionException e) {
      Throwable t = e.getCause();
      if (t instanceof ReplicationException r) {
        throw new Main.UserError(r.getMessage());
      }
      if (t instanceof Exception x) {
        throw x;
      }
      if (t instanceof Error err) {
        throw err;
      }
      throw e;
    }
  }

  private static Path defaultKnown() {
    return Path.of(System.getProperty("user.home"), ".config", "deltasnap", "known_receivers");
  }

  private void printDryRun(Volume v, long b) throws Exception {
    DiffResult d = DeltaProducer.extents(v, b, snapshot);
    if (common.json) {
      Map<String, Object> m = Json.obj();
      m.put("snapshot", snapshot);
      m.put("base", b == Volume.ORIGIN ? null : b);
      m.put("changedBytes", d.changedBytes());
      m.put("extents", d.extents().size());
      out().println(Json.write(m));
    } else {
      out().println("would send snapshot " + snapshot + (b == Volume.ORIGIN ? " (full delta)" : " from base " + b) + ": "
          + d.changedBytes() + " changed bytes in " + d.extents().size() + " extents");
    }
  }

  private void printSummary(ReplicationClient.Outcome r) {
    if (common.json) {
      Map<String, Object> m = Json.obj();
      m.put("snapshot", r.snapshotId());
      m.put("uuid", r.snapshotUuid().toString());
      m.put("base", r.base() == Volume.ORIGIN ? null : r.base());
      m.put("deltaBytes", r.streamBytes());
      m.put("bytesSent", r.bytesSent());
      m.put("wireBytes", r.wireBytes());
      m.put("resumedFrom", r.resumedFrom());
      m.put("seconds", Math.round(r.seconds() * 1000) / 1000.0);
      out().println(Json.write(m));
    } else {
      out().println("sent snapshot " + r.snapshotId() + (r.base() == Volume.ORIGIN ? " (full delta)" : " from base " + r.base())
          + ": " + Sizes.human(r.bytesSent()) + " of a " + Sizes.human(r.streamBytes()) + " delta"
          + (r.resumedFrom() > DeltaLayout.MAX_HEADER_BYTES ? ", resumed at byte " + r.resumedFrom() : "")
          + String.format(Locale.ROOT, " in %.1f s (%s/s)", r.seconds(),
              Sizes.human((long) (r.bytesSent() / Math.max(1e-3, r.seconds())))));
    }
  }
}
