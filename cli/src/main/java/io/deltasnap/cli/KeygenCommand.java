package io.deltasnap.cli;

import io.deltasnap.delta.EncryptionKeys;
import io.deltasnap.delta.Keys;
import io.deltasnap.delta.Recipient;
import io.deltasnap.delta.SignerKey;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "keygen", description = {
    "Write an Ed25519 key pair: PREFIX.key (private, mode 600) and PREFIX.pub.",
    "Give PREFIX.pub to receivers: append it to their trust file (one key a line; lines starting "
        + "with # are comments).",
    "With --encryption: an X25519 recipient pair for encrypted deltas, PREFIX.secret (mode 600) and "
        + "PREFIX.recipient; give PREFIX.recipient to senders, for their --encrypt-to file."})
final class KeygenCommand extends VolumeCommand {
  @Option(names = "--output", required = true, paramLabel = "PREFIX",
      description = "Path prefix of the key pair: writes PREFIX.key and PREFIX.pub (never overwrites).")
  Path prefix;

  @Option(names = "--comment", paramLabel = "TEXT", description = "Comment stored with the key (default: user@host).")
  String comment;

  @Option(names = "--encryption", description = "Write an X25519 recipient pair (PREFIX.secret, PREFIX.recipient) for "
      + "encrypted deltas instead of a signing key.")
  boolean encryption;

  @Override
  public Integer call() throws Exception {
    if (encryption) {
      return recipientPair();
    }
    Path key = Path.of(prefix + ".key");
    Path pub = Path.of(prefix + ".pub");
    if (Files.exists(key) || Files.exists(pub)) {
      throw new Main.UserError((Files.exists(key) ? key : pub) + " exists; not overwriting a key");
    }
    String c = comment != null ? comment : System.getProperty("user.name") + "@" + hostname();
    SignerKey k = Keys.writeKeyPair(prefix, Keys.generate(), c);
    if (common.json) {
      Map<String, Object> m = Json.obj();
      m.put("private", key.toString());
      m.put("public", pub.toString());
      m.put("fingerprint", k.fingerprint());
      out().println(Json.write(m));
    } else {
      out().println(k.fingerprint() + " " + c);
      err().println("wrote " + key + " (keep it secret) and " + pub + " (give it to receivers)");
    }
    return 0;
  }

  private int recipientPair() throws java.io.IOException {
    Path secret = Path.of(prefix + ".secret");
    Path recipient = Path.of(prefix + ".recipient");
    if (Files.exists(secret) || Files.exists(recipient)) {
      throw new Main.UserError((Files.exists(secret) ? secret : recipient) + " exists; not overwriting a key");
    }
    String c = comment != null ? comment : System.getProperty("user.name") + "@" + hostname();
    Recipient r = EncryptionKeys.writeKeyPair(prefix, EncryptionKeys.generate(c));
    if (common.json) {
      Map<String, Object> m = Json.obj();
      m.put("secret", secret.toString());
      m.put("recipient", recipient.toString());
      m.put("keyId", r.keyId());
      out().println(Json.write(m));
    } else {
      out().println(r.keyId() + " " + c);
      err().println("wrote " + secret + " (keep it secret: it opens deltas encrypted to it) and " + recipient
          + " (give it to senders)");
    }
    return 0;
  }

  private static String hostname() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (java.io.IOException e) {
      return "localhost";
    }
  }
}
