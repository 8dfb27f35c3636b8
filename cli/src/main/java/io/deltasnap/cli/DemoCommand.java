package io.deltasnap.cli;

import io.deltasnap.delta.DeltaInspection;
import io.deltasnap.delta.DeltaInspector;
import io.deltasnap.delta.EncryptionKeys;
import io.deltasnap.delta.Keys;
import io.deltasnap.delta.RecipientSecret;
import io.deltasnap.delta.Recipients;
import io.deltasnap.delta.SignerKey;
import io.deltasnap.delta.TrustedKeys;
import io.deltasnap.delta.WriterOptions;
import io.deltasnap.engine.CreateOptions;
import io.deltasnap.engine.DiffResult;
import io.deltasnap.engine.DirectoryStorage;
import io.deltasnap.engine.SnapshotInfo;
import io.deltasnap.engine.Volume;
import io.deltasnap.receiver.Replica;
import io.deltasnap.receiver.ReplicationServer;
import io.deltasnap.sender.DeltaProducer;
import io.deltasnap.sender.ReplicationClient;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "demo", description = {
    "The main job end to end on local volumes, verified byte for byte.",
    "Writes a realistic data set, takes a snapshot, sends it to a receiver over loopback, changes a "
        + "little, sends the increment, clobbers the origin and restores it, checking each step. "
        + "Prints what it did with sizes, times and ratios."})
final class DemoCommand extends VolumeCommand {
  @Option(names = "--dir", paramLabel = "DIR", description = "Where to put the volumes (default: a temporary directory, removed after).")
  Path dir;

  @Option(names = "--size", converter = Sizes.Converter.class, paramLabel = "SIZE", defaultValue = "256M",
      description = "Size of the demo volume, 4M to 64G (default: ${DEFAULT-VALUE}).")
  long size;

  @Option(names = "--keep", description = "Keep the temporary directory afterwards (a --dir is always kept).")
  boolean keep;

  private final Map<String, Object> report = Json.obj();

  @Override
  public Integer call() throws Exception {
    if (size < (4 << 20) || size > (64L << 30)) {
      throw new Main.UserError("--size must be between 4M and 64G");
    }
    boolean temp = dir == null;
    Path root = temp ? Files.createTempDirectory("deltasnap-demo-") : dir;
    if (!temp && Files.exists(root.resolve("source"))) {
      throw new Main.UserError(root + " already holds a demo; remove it or pick another --dir");
    }
    try {
      run(root);
    } finally {
      if (temp && !keep) {
        try (var s = Files.walk(root)) {
          s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
      }
    }
    if (common.json) {
      out().println(Json.write(report));
    }
    return 0;
  }

  private void say(String fmt, Object... args) {
    if (!common.json) {
      out().printf(Locale.ROOT, fmt + "%n", args);
      out().flush();
    }
  }

  private void run(Path root) throws IOException {
    Path src = root.resolve("source");
    Ed25519PrivateKeyParameters key = Keys.generate();
    TrustedKeys trust = TrustedKeys.of(new SignerKey(Keys.publicKey(key), "demo"));
    say("deltasnap demo in %s", root);
    long t0 = System.nanoTime();
    try (Volume v = Volume.create(new DirectoryStorage(src), CreateOptions.of(size));
        Replica rep = Replica.open(root.resolve("replica"), common.cacheBytes());
        ReplicationServer receiver = ReplicationServer.start(new InetSocketAddress("127.0.0.1", 0), rep, trust,
            Optional.empty(), ReplicationServer.Settings.defaults(), line -> { })) {
      InetSocketAddress to = receiver.address();
      long written = fill(v, new Random(2026));
      double s = secs(t0);
      say("1. wrote a %s data set (text, logs, media, empty space) into a %s volume in %.2f s",
          Sizes.human(written), Sizes.human(size), s);
      report.put("volumeBytes", size);
      report.put("dataBytes", written);

      long t1 = System.nanoTime();
      SnapshotInfo first = v.createSnapshot("initial", false);
      say("2. took snapshot %d \"initial\" in %.1f ms (one commit, whatever the volume size)", first.id(), secs(t1) * 1000);

      long t2 = System.nanoTime();
      Transfer full = replicate(v, first.id(), key, to);
      say("3. sent it to a receiver on %s:%d in full (signed, zstd): the %s volume travelled as %s (%.1fx "
          + "smaller), %.2f s, %s/s", to.getHostString(), to.getPort(), Sizes.human(full.dataBytes),
          Sizes.human(full.wireBytes), ratio(full.dataBytes, full.wireBytes), secs(t2), Sizes.human((long) (size / secs(t2))));
      verify(v, rep, first.id(), "replica snapshot " + first.id());
      report.put("full", full.json(secs(t2)));

      long changed = change(v, new Random(7));
      SnapshotInfo second = v.createSnapshot("after-edits", false);
      DiffResult d = v.diff(first.id(), second.id());
      say("4. made %d scattered edits (%s); snapshot %d; the diff walked %d tree node(s) and found %s of changed "
          + "chunks in %d extents", edits(), Sizes.human(changed), second.id(), d.nodesVisited(),
          Sizes.human(d.changedBytes()), d.extents().size());

      long t3 = System.nanoTime();
      Transfer inc = replicate(v, second.id(), key, to);
      say("5. sent the increment from snapshot %d, the newest both sides hold: %s on the wire (%.1f%% of the "
          + "full send), %.2f s", inc.base, Sizes.human(inc.wireBytes), 100.0 * inc.wireBytes / full.wireBytes, secs(t3));
      verify(v, rep, second.id(), "replica snapshot " + second.id());
      report.put("incremental", inc.json(secs(t3)));
      encryptedOffline(root, v, first.id(), second.id(), key, trust);

      byte[] junk = new byte[(int) Math.min(32 << 20, size / 4)];
      new Random(13).nextBytes(junk);
      v.write(Volume.ORIGIN, size / 3, ByteBuffer.wrap(junk));
      long t4 = System.nanoTime();
      long restored = v.restore(second.id(), Volume.Progress.NONE);
      say("7. a bad write clobbered %s of the origin; restore to snapshot %d rewrote %s in %.2f s, every snapshot kept",
          Sizes.human(junk.length), second.id(), Sizes.human(restored), secs(t4));
      verifyOrigin(v, second.id());
      report.put("restoredBytes", restored);
      say("8. verified byte for byte: both snapshots on the replica, and the restored origin. Total %.2f s.", secs(t0));
      report.put("seconds", Math.round(secs(t0) * 1000) / 1000.0);
      report.put("verified", true);
    }
  }

  /**
   * Writes the same increment as an offline delta file encrypted to a fresh recipient, then
   * checks it as a courier would (the signer's public key only) and as the recipient would.
   */
  private void encryptedOffline(Path root, Volume v, long base, long target, Ed25519PrivateKeyParameters key,
      TrustedKeys trust) throws IOException {
    RecipientSecret secret = EncryptionKeys.generate("demo vault");
    Path file = root.resolve(base + "-" + target + ".delta");
    long t = System.nanoTime();
    DeltaProducer.Result written;
    try (OutputStream o = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
      written = DeltaProducer.write(v, base, target, key, o, new DeltaProducer.Options(true,
          WriterOptions.defaults().encryptedTo(Recipients.of(secret.recipient()))), Volume.Progress.NONE);
    }
    double w = secs(t);
    DeltaInspection keyless;
    DeltaInspection opened;
    try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 20)) {
      keyless = DeltaInspector.verify(in, trust, null);
    }
    try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 20)) {
      opened = DeltaInspector.verify(in, trust, secret);
    }
    if (keyless.recordsOpened() || !opened.recordsOpened() || opened.dataBytes() != written.summary().dataBytes()) {
      throw new IOException("demo: the encrypted delta " + file + " did not check out as written");
    }
    say("6. wrote the same increment as an offline delta file encrypted to a recipient (%s, %.2f s); anyone with "
        + "the signer's public key verified its %d sealed records, hash chain and signature without the secret key; "
        + "the recipient's key opened and checked every record", Sizes.human(keyless.streamBytes()), w, keyless.records());
    Map<String, Object> m = Json.obj();
    m.put("file", file.toString());
    m.put("streamBytes", keyless.streamBytes());
    m.put("records", keyless.records());
    m.put("verifiedWithoutKey", true);
    m.put("recordsCheckedWithKey", true);
    report.put("encryptedOffline", m);
  }

  /** What one replication moved. */
  private record Transfer(long dataBytes, long wireBytes, long base) {
    Map<String, Object> json(double seconds) {
      Map<String, Object> m = Json.obj();
      m.put("dataBytes", dataBytes);
      m.put("wireBytes", wireBytes);
      m.put("seconds", Math.round(seconds * 1000) / 1000.0);
      return m;
    }
  }

  /** Sends to the receiver on loopback, from the newest snapshot both sides hold; waits for its commit. */
  private static Transfer replicate(Volume v, long target, Ed25519PrivateKeyParameters key,
      InetSocketAddress receiver) throws IOException {
    try (ReplicationClient c = ReplicationClient.connect(receiver, key, v.uuid(), ReplicationClient.Options.defaults())) {
      long base = ReplicationClient.commonBase(v, target, c.replicaVolume(), c.replicaSnapshots());
      ReplicationClient.Outcome o = c.send(v, base, target, key, DeltaProducer.Options.defaults(), Volume.Progress.NONE);
      return new Transfer(v.diff(base, target).changedBytes(), o.wireBytes(), base);
    }
  }

  /** Fills about 70% of the volume: text documents, log lines, incompressible media; the rest stays empty. */
  private long fill(Volume v, Random r) throws IOException {
    String[] words = ("the of and to in is that for it as was with be by on not this are or from at which have an they "
        + "were there been one all would when if will more what about into than can only other new some could time these "
        + "two may then first any such like over even most made after also many before must through back years where much "
        + "should because each people how little state good very make world still own see work long here between both life "
        + "being under never day same another know while last might great old year off come since against came right used").split(" ");
    long written = 0;
    int block = 1 << 20;
    byte[] buf = new byte[block];
    for (long off = 0; off + block <= size; off += block) {
      int kind = r.nextInt(10);
      if (kind < 4) {
        fillText(buf, words, r);
      } else if (kind < 6) {
        fillLog(buf, r, off);
      } else if (kind < 7) {
        r.nextBytes(buf); // media: incompressible
      } else {
        continue; // empty space
      }
      v.write(Volume.ORIGIN, off, ByteBuffer.wrap(buf));
      written += block;
    }
    v.flush();
    return written;
  }

  private static void fillText(byte[] buf, String[] words, Random r) {
    StringBuilder sb = new StringBuilder(buf.length + 64);
    while (sb.length() < buf.length) {
      sb.append(words[r.nextInt(words.length)]).append(r.nextInt(12) == 0 ? ".\n" : " ");
    }
    System.arraycopy(sb.toString().getBytes(StandardCharsets.US_ASCII), 0, buf, 0, buf.length);
  }

  private static void fillLog(byte[] buf, Random r, long seq) {
    StringBuilder sb = new StringBuilder(buf.length + 128);
    long t = 1_790_000_000L + seq / 4096;
    while (sb.length() < buf.length) {
      sb.append(t++).append(" host").append(r.nextInt(8)).append(" service[").append(r.nextInt(30000))
          .append("]: request ").append(r.nextInt(1 << 20)).append(" took ").append(r.nextInt(900)).append(" ms\n");
    }
    System.arraycopy(sb.toString().getBytes(StandardCharsets.US_ASCII), 0, buf, 0, buf.length);
  }

  /** Small scattered in-place edits. Returns bytes written. */
  private long change(Volume v, Random r) throws IOException {
    long bytes = 0;
    for (int i = 0; i < edits(); i++) {
      byte[] e = new byte[512 + r.nextInt(8192)];
      r.nextBytes(e);
      long off = (long) (r.nextDouble() * (size - e.length));
      v.write(Volume.ORIGIN, off, ByteBuffer.wrap(e));
      bytes += e.length;
    }
    return bytes;
  }

  private int edits() {
    return (int) Math.max(16, size / (4 << 20));
  }

  private static void verify(Volume src, Replica replica, long id, String what) throws IOException {
    compare(src, id, replica.volume(), id, what);
  }

  private static void verifyOrigin(Volume v, long id) throws IOException {
    compare(v, id, v, Volume.ORIGIN, "restored origin");
  }

  private static void compare(Volume a, long va, Volume b, long vb, String what) throws IOException {
    int piece = 4 << 20;
    ByteBuffer x = ByteBuffer.allocate(piece);
    ByteBuffer y = ByteBuffer.allocate(piece);
    for (long off = 0; off < a.size(); off += piece) {
      int n = (int) Math.min(piece, a.size() - off);
      x.clear().limit(n);
      y.clear().limit(n);
      a.read(va, off, x);
      b.read(vb, off, y);
      if (!Arrays.equals(x.array(), 0, n, y.array(), 0, n)) {
        throw new IOException("demo verification failed: " + what + " differs near byte " + off);
      }
    }
  }

  private static double secs(long t0) {
    return (System.nanoTime() - t0) / 1e9;
  }

  private static double ratio(long a, long b) {
    return b == 0 ? 0 : (double) a / b;
  }
}
