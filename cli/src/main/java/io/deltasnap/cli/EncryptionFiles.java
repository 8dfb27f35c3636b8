package io.deltasnap.cli;

import io.deltasnap.delta.DeltaInspection;
import io.deltasnap.delta.EncryptionKeys;
import io.deltasnap.delta.RecipientSecret;
import io.deltasnap.delta.Recipients;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** The recipients and secret key files of encrypted deltas, as the delta commands and jobs read them. */
final class EncryptionFiles {
  private EncryptionFiles() {}

  /** The recipients file given to {@code --encrypt-to}, or null when there is none. */
  static Recipients recipients(Path p) throws IOException {
    if (p == null) {
      return null;
    }
    if (!Files.isRegularFile(p)) {
      throw new Main.UserError("no recipients file " + p
          + " (make a recipient with 'deltasnap keygen --encryption --output PREFIX', then list PREFIX.recipient lines in it)");
    }
    return Recipients.load(p);
  }

  /** The secret key given to {@code --decrypt-key}, or null when there is none. */
  static RecipientSecret secret(Path p) throws IOException {
    if (p == null) {
      return null;
    }
    if (!Files.isRegularFile(p)) {
      throw new Main.UserError("no secret key file " + p + " (keygen --encryption writes PREFIX.secret)");
    }
    return EncryptionKeys.readSecret(p);
  }

  /** The {@code encryption} member of inspect and verify JSON: null for a plain delta. */
  static Map<String, Object> json(DeltaInspection i) {
    if (!i.encrypted()) {
      return null;
    }
    Map<String, Object> m = Json.obj();
    m.put("aead", i.encryption().aead());
    m.put("recipients", i.encryption().recipients());
    m.put("keyIds", i.encryption().recipientKeyIds());
    m.put("recordsDecrypted", i.recordsOpened());
    return m;
  }

  /** One line for humans: {@code no} or {@code yes, to N recipients (key IDs …)}. */
  static String describe(DeltaInspection i) {
    if (!i.encrypted()) {
      return "no";
    }
    int n = i.encryption().recipients();
    return "yes, " + i.encryption().aead() + " to " + n + " recipient" + (n == 1 ? "" : "s") + " (key ID"
        + (n == 1 ? " " : "s ") + String.join(", ", i.encryption().recipientKeyIds()) + ")";
  }
}
