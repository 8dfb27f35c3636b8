package io.deltasnap.cli;

import io.deltasnap.delta.DeltaInspection;
import io.deltasnap.delta.DeltaInspector;
import io.deltasnap.delta.RecipientSecret;
import io.deltasnap.delta.TrustedKeys;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code delta verify}: checks a delta file's hash chain and signature against a trust file,
 * which for an encrypted delta needs no decryption key: the chain and signature cover the bytes as
 * stored. With the key every record is also decrypted and checked. Exit 0 only when all of it holds.
 */
@Command(name = "verify", description = {"Check a delta's hash chain and signature against a trust file, over every byte of "
    + "the file.", "An encrypted delta needs no decryption key for this; with --decrypt-key every record is also "
    + "decrypted, decoded and checked."},
    footerHeading = "%nExample:%n",
    footer = "  deltasnap delta verify /media/usb/1-2.delta --trust site-a.pub")
final class DeltaVerifyCommand extends VolumeCommand {
  @Parameters(index = "0", paramLabel = "FILE", description = "Delta file, or - for stdin.")
  String file;

  @Option(names = "--trust", required = true, paramLabel = "PUBFILE", description = "Trust file: the public keys the delta may be signed with.")
  Path trustFile;

  @Option(names = "--decrypt-key", paramLabel = "SECRET", description = "Secret key that opens an encrypted delta: its "
      + "records are then decrypted and checked too.")
  Path decryptKey;

  @Override
  public Integer call() throws Exception {
    TrustedKeys t = DeltaCommand.trust(trustFile);
    RecipientSecret secret = EncryptionFiles.secret(decryptKey);
    DeltaInspection i;
    try (InputStream in = DeltaCommand.input(file)) {
      i = DeltaInspector.verify(in, t, secret);
    }
    String scope = i.recordsOpened()
        ? "every record " + (i.encrypted() ? "decrypted and " : "") + "checked"
        : "records not decrypted (no --decrypt-key): checked as stored, their contents were not";
    if (common.json) {
      Map<String, Object> m = Json.obj();
      m.put("file", file);
      m.put("verified", true);
      m.put("signer", i.header().signerFingerprint());
      m.put("signature", i.signature().detail());
      m.put("records", i.records());
      m.put("streamBytes", i.streamBytes());
      m.put("encryption", EncryptionFiles.json(i));
      m.put("recordsChecked", i.recordsOpened());
      out().println(Json.write(m));
    } else {
      out().printf("%s: hash chain over %d records and %s, signature %s%n", file, i.records(),
          Sizes.human(i.streamBytes()), i.signature().detail());
      out().printf("encrypted  %s%n", EncryptionFiles.describe(i));
      out().printf("records    %s%n", scope);
    }
    return 0;
  }
}
