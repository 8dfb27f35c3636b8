package io.deltasnap.cli;

import io.deltasnap.delta.DeltaHeader;
import io.deltasnap.delta.DeltaInspection;
import io.deltasnap.delta.DeltaInspector;
import io.deltasnap.delta.Keys;
import io.deltasnap.delta.TrustedKeys;
import io.deltasnap.engine.DirectoryStorage;
import io.deltasnap.engine.Volume;
import io.deltasnap.receiver.DeltaApplier;
import io.deltasnap.sender.DeltaProducer;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "delta", description = "Write, apply, inspect, verify and merge signed (and optionally encrypted) delta files.",
    subcommands = {DeltaCommand.Create.class, DeltaCommand.Apply.class, DeltaCommand.Inspect.class,
        DeltaVerifyCommand.class, DeltaCommand.Merge.class})
final class DeltaCommand implements Runnable {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "say create, apply, inspect, verify or merge");
  }

  static Ed25519PrivateKeyParameters key(Path p) throws IOException {
    if (!Files.exists(p)) {
      throw new Main.UserError("no key file " + p + " (make one with 'deltasnap keygen --output PREFIX')");
    }
    return Keys.readPrivate(p);
  }

  static TrustedKeys trust(Path p) throws IOException {
    if (!Files.exists(p)) {
      throw new Main.UserError("no trust file " + p);
    }
    TrustedKeys t = TrustedKeys.load(p);
    if (t.keys().isEmpty()) {
      throw new Main.UserError("trust file " + p + " lists no keys");
    }
    return t;
  }

  static InputStream input(String file) throws IOException {
    if (file.equals("-")) {
      return new BufferedInputStream(System.in, 1 << 20);
    }
    Path p = Path.of(file);
    if (!Files.isRegularFile(p)) {
      throw new Main.UserError("no delta file " + p);
    }
    return new BufferedInputStream(Files.newInputStream(p), 1 << 20);
  }

  static Map<String, Object> headerJson(DeltaHeader h) {
    Map<String, Object> m = Json.obj();
    m.put("volume", h.volume().toString());
    m.put("volumeSize", h.volumeSize());
    m.put("chunkSize", h.chunkSize());
    if (h.isFull()) {
      m.put("base", null);
    } else {
      Map<String, Object> b = Json.obj();
      b.put("id", h.base().id());
      b.put("uuid", h.base().uuid().toString());
      m.put("base", b);
    }
    Map<String, Object> t = Json.obj();
    t.put("id", h.target().id());
    t.put("uuid", h.target().uuid().toString());
    t.put("name", h.target().name());
    t.put("created", Instant.ofEpochMilli(h.target().createdMillis()).toString());
    t.put("writable", h.target().writable());
    m.put("target", t);
    m.put("compressionLevel", h.compressionLevel());
    m.put("signer", h.signerFingerprint());
    return m;
  }

  @Command(name = "create",
      description = "Write the signed delta from snapshot A (--base) to B; a full delta without --base.",
      footerHeading = "%nExample:%n",
      footer = {"  deltasnap delta create /tmp/vol --base 1 --snapshot 2 --key site-a.key \\",
          "      --output 1-2.delta"})
  static final class Create extends VolumeCommand {
    @Parameters(index = "0", paramLabel = "VOLUME", description = "Directory of the source volume.")
    Path dir;

    @Option(names = "--base", paramLabel = "A",
        description = "Base snapshot ID: the delta holds only what changed since A (default: none, a full delta).")
    Long base;

    @Option(names = "--snapshot", required = true, paramLabel = "B",
        description = "ID of the snapshot the delta brings a replica to.")
    long snapshot;

    @Option(names = "--key", required = true, paramLabel = "KEYFILE",
        description = "Ed25519 private key that signs the delta (keygen's PREFIX.key).")
    Path keyFile;

    @Option(names = "--output", required = true, paramLabel = "FILE",
        description = "Delta file to write, or - for stdout; a file appears only once complete.")
    String output;

    @Option(names = "--force", description = "Replace an existing output file.")
    boolean force;

    @Option(names = "--no-patch", description = "Write changed chunks whole, never as patches against the base (default: a patch "
        + "where it is smaller).")
    boolean noPatch;

    @Option(names = "--encrypt-to", paramLabel = "RECIPIENTS", description = "Encrypt the delta to every recipient listed in "
        + "this file (keygen --encryption's PREFIX.recipient lines, one a line, # comments); still signed with --key.")
    Path encryptTo;

    @Override
    public Integer call() throws Exception {
      Ed25519PrivateKeyParameters key = key(keyFile);
      io.deltasnap.delta.WriterOptions writer = io.deltasnap.delta.WriterOptions.defaults()
          .encryptedTo(EncryptionFiles.recipients(encryptTo));
      boolean toStdout = output.equals("-");
      if (toStdout && common.json) {
        throw new Main.UserError("--json and --output - both want stdout");
      }
      Path out = toStdout ? null : Path.of(output);
      if (out != null) {
        OutputFile.refuseInput(out, encryptTo == null ? List.of(keyFile) : List.of(keyFile, encryptTo));
        OutputFile.refuseExisting(out, force);
      }
      Path tmp = null;
      try (VolumeHandle h = open(dir); ProgressBar bar = new ProgressBar("delta", common.showProgress())) {
        Volume v = h.volume();
        if (out != null) {
          OutputFile.refuseVolumeFile(out, dir, v);
        }
        DeltaProducer.header(v, base == null ? Volume.ORIGIN : base, snapshot, key); // refuse bad IDs before any output
        long t0 = System.nanoTime();
        DeltaProducer.Result r;
        if (toStdout) {
          OutputStream o = new BufferedOutputStream(System.out, 1 << 20);
          r = DeltaProducer.write(v, base == null ? Volume.ORIGIN : base, snapshot, key, o,
              new DeltaProducer.Options(!noPatch, writer), bar);
          o.flush();
        } else {
          tmp = OutputFile.temporary(out);
          try (OutputStream o = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 20)) {
            r = DeltaProducer.write(v, base == null ? Volume.ORIGIN : base, snapshot, key, o,
                new DeltaProducer.Options(!noPatch, writer), bar);
          }
          OutputFile.publish(tmp, out, force);
          tmp = null;
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        if (common.json) {
          Map<String, Object> m = Json.obj();
          m.put("output", output);
          m.put("base", base);
          m.put("snapshot", snapshot);
          m.put("extents", r.extents());
          m.put("changedBytes", r.changedBytes());
          m.put("dataRecords", r.summary().dataRecords());
          m.put("patchRecords", r.summary().patchRecords());
          m.put("zeroRecords", r.summary().zeroRecords());
          m.put("streamBytes", r.summary().streamBytes());
          m.put("encrypted", encryptTo != null);
          m.put("seconds", Math.round(secs * 1000) / 1000.0);
          out().println(Json.write(m));
        } else {
          err().printf("delta %s→%d: %s changed in %d extents, %s written in %.2f s%n",
              base == null ? "full" : base.toString(), snapshot, Sizes.human(r.changedBytes()), r.extents(),
              Sizes.human(r.summary().streamBytes()), secs);
        }
      } finally {
        if (tmp != null) {
          Files.deleteIfExists(tmp);
        }
      }
      return 0;
    }
  }

  @Command(name = "apply", description = {"Verify a delta and apply it to REPLICA atomically.",
      "A full delta creates REPLICA if it does not exist. Nothing is visible before the signature verified."},
      footerHeading = "%nExample:%n",
      footer = "  deltasnap delta apply /tmp/replica 1-2.delta --trust site-a.pub")
  static final class Apply extends VolumeCommand {
    @Parameters(index = "0", paramLabel = "REPLICA", description = "Directory of the replica.")
    Path dir;

    @Parameters(index = "1", paramLabel = "FILE", description = "Delta file, or - for stdin.")
    String file;

    @Option(names = "--trust", required = true, paramLabel = "PUBFILE", description = "Trust file: the public keys a delta may be signed with (keygen's .pub lines, one a line).")
    Path trustFile;

    @Option(names = "--decrypt-key", paramLabel = "SECRET", description = "Secret key (keygen --encryption's PREFIX.secret) "
        + "that opens an encrypted delta; a plain delta needs none.")
    Path decryptKey;

    @Override
    public Integer call() throws Exception {
      TrustedKeys t = trust(trustFile);
      io.deltasnap.delta.RecipientSecret secret = EncryptionFiles.secret(decryptKey);
      refuseIfStaged(dir, "applying a delta file");
      long t0 = System.nanoTime();
      DeltaApplier.Result r;
      try (InputStream in = input(file); ProgressBar bar = new ProgressBar("apply", common.showProgress())) {
        if (new DirectoryStorage(dir).storeExists()) {
          r = DeltaApplier.apply(new DirectoryStorage(dir), in, t, secret, bar);
        } else {
          // a full delta creates the replica: claimed first, and a failure removes only what it made
          try (NewVolume n = NewVolume.claim(dir, true)) {
            r = DeltaApplier.apply(n.storage(), in, t, secret, bar);
            n.keep();
          }
        }
      }
      double secs = (System.nanoTime() - t0) / 1e9;
      if (common.json) {
        Map<String, Object> m = Json.obj();
        m.put("replica", dir.toString());
        m.put("snapshot", Volumes.json(r.snapshot()));
        m.put("dataBytes", r.dataBytes());
        m.put("zeroBytes", r.zeroBytes());
        m.put("records", r.records());
        m.put("createdReplica", r.createdReplica());
        m.put("seconds", Math.round(secs * 1000) / 1000.0);
        out().println(Json.write(m));
      } else {
        err().printf("applied snapshot %d to %s: %s of data, %s of zeros, in %.2f s%n", r.snapshot().id(), dir,
            Sizes.human(r.dataBytes()), Sizes.human(r.zeroBytes()), secs);
      }
      return 0;
    }
  }

  @Command(name = "inspect", description = "Header, counts, sizes and signature state of a delta, without applying it.")
  static final class Inspect extends VolumeCommand {
    @Parameters(index = "0", paramLabel = "FILE", description = "Delta file, or - for stdin.")
    String file;

    @Option(names = "--trust", paramLabel = "PUBFILE", description = "Trust file to check the signer against; an untrusted signer exits 1 (default: check "
        + "the signature with the key the header names, which proves integrity only).")
    Path trustFile;

    @Option(names = "--decrypt-key", paramLabel = "SECRET", description = "Secret key that opens an encrypted delta, to "
        + "count its records by kind (default: an encrypted delta's records are checked as stored, not opened).")
    Path decryptKey;

    @Override
    public Integer call() throws Exception {
      DeltaInspection i;
      io.deltasnap.delta.RecipientSecret secret = EncryptionFiles.secret(decryptKey);
      try (InputStream in = input(file)) {
        i = DeltaInspector.inspect(in, trustFile == null ? null : trust(trustFile), secret);
      } catch (FileNotFoundException e) {
        throw new Main.UserError("no delta file " + file);
      }
      DeltaHeader h = i.header();
      if (common.json) {
        Map<String, Object> m = headerJson(h);
        m.put("encryption", EncryptionFiles.json(i));
        m.put("records", i.records());
        if (i.recordsOpened()) {
          m.put("dataRecords", i.dataRecords());
          m.put("patchRecords", i.patchRecords());
          m.put("zeroRecords", i.zeroRecords());
          m.put("dataBytes", i.dataBytes());
          m.put("zeroBytes", i.zeroBytes());
        }
        m.put("storedBytes", i.storedBytes());
        m.put("streamBytes", i.streamBytes());
        m.put("signature", i.signature().state().name().toLowerCase());
        m.put("signatureDetail", i.signature().detail());
        out().println(Json.write(m));
      } else {
        out().printf("volume     %s (%s, chunk %s)%n", h.volume(), Sizes.human(h.volumeSize()), Sizes.human(h.chunkSize()));
        out().printf("base       %s%n", h.isFull() ? "none (full delta)" : h.base().id() + " " + h.base().uuid());
        out().printf("target     %d %s \"%s\" %s%s%n", h.target().id(), h.target().uuid(), Printable.escape(h.target().name()),
            Instant.ofEpochMilli(h.target().createdMillis()), h.target().writable() ? " writable" : "");
        out().printf("encrypted  %s%n", EncryptionFiles.describe(i));
        if (i.recordsOpened()) {
          out().printf("records    %d data, %d patch, %d zero%n", i.dataRecords(), i.patchRecords(), i.zeroRecords());
          out().printf("sizes      %s of data, %s of zeros, %s stored, %s in all%n", Sizes.human(i.dataBytes()),
              Sizes.human(i.zeroBytes()), Sizes.human(i.storedBytes()), Sizes.human(i.streamBytes()));
        } else {
          out().printf("records    %d sealed (their kinds and contents need --decrypt-key)%n", i.records());
          out().printf("sizes      %s sealed, %s in all%n", Sizes.human(i.storedBytes()), Sizes.human(i.streamBytes()));
        }
        out().printf("signer     %s%n", h.signerFingerprint());
        out().printf("signature  %s%n", Printable.escape(i.signature().detail()));
      }
      var st = i.signature().state();
      if (st == DeltaInspection.SignatureState.INVALID || st == DeltaInspection.SignatureState.UNTRUSTED) {
        err().println("deltasnap: " + Printable.escape(i.signature().detail()));
        return 1;
      }
      return 0;
    }
  }

  @Command(name = "merge", description = {"Combine consecutive deltas (A→B, B→C, ...) into one (A→C), signed anew.",
      "Each input is verified against --trust first."})
  static final class Merge extends VolumeCommand {
    @Parameters(index = "0..*", arity = "2..*", paramLabel = "FILE",
        description = "Two or more consecutive delta files, oldest first.")
    java.util.List<Path> files;

    @Option(names = "--output", required = true, paramLabel = "FILE",
        description = "File to write the merged delta to (never one of the inputs); it appears only once complete.")
    Path output;

    @Option(names = "--force", description = "Replace an existing output file.")
    boolean force;

    @Option(names = "--key", required = true, paramLabel = "KEYFILE", description = "Ed25519 private key that signs the merged delta.")
    Path keyFile;

    @Option(names = "--trust", required = true, paramLabel = "PUBFILE", description = "Trust file: the public keys every input must be signed with.")
    Path trustFile;

    @Option(names = "--decrypt-key", paramLabel = "SECRET", description = "Secret key that opens encrypted inputs.")
    Path decryptKey;

    @Option(names = "--encrypt-to", paramLabel = "RECIPIENTS", description = "Encrypt the merged delta to these recipients "
        + "(required when an input is encrypted: a merge never writes in the clear what was encrypted).")
    Path encryptTo;

    @Override
    public Integer call() throws Exception {
      Ed25519PrivateKeyParameters key = key(keyFile);
      TrustedKeys t = trust(trustFile);
      io.deltasnap.delta.RecipientSecret secret = EncryptionFiles.secret(decryptKey);
      io.deltasnap.delta.Recipients to = EncryptionFiles.recipients(encryptTo);
      for (Path f : files) {
        if (!Files.isRegularFile(f)) {
          throw new Main.UserError("no delta file " + f);
        }
      }
      java.util.List<Path> inputs = new java.util.ArrayList<>(files);
      inputs.add(keyFile);
      inputs.add(trustFile);
      if (decryptKey != null) {
        inputs.add(decryptKey);
      }
      if (encryptTo != null) {
        inputs.add(encryptTo);
      }
      OutputFile.refuseInput(output, inputs);
      OutputFile.refuseExisting(output, force);
      Path acc = files.get(0);
      Path tmp = null;
      try {
        for (int i = 1; i < files.size(); i++) {
          Path next = OutputFile.temporary(output);
          try (InputStream a = new BufferedInputStream(Files.newInputStream(acc), 1 << 20);
              InputStream b = new BufferedInputStream(Files.newInputStream(files.get(i)), 1 << 20);
              OutputStream o = new BufferedOutputStream(Files.newOutputStream(next), 1 << 20)) {
            io.deltasnap.delta.DeltaMerger.merge(a, b, t, key, o, secret, to);
          } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(next);
            throw e;
          }
          if (tmp != null) {
            Files.deleteIfExists(tmp);
          }
          tmp = next;
          acc = next;
        }
        OutputFile.publish(tmp, output, force);
        tmp = null;
      } finally {
        if (tmp != null) {
          Files.deleteIfExists(tmp);
        }
      }
      err().println("merged " + files.size() + " deltas into " + output);
      return 0;
    }
  }
}
