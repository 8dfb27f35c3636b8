package io.deltasnap.cli;

import io.deltasnap.delta.Keys;
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
        + "with # are comments)."})
final class KeygenCommand extends VolumeCommand {
  @Option(names = "--output", required = true, paramLabel = "PREFIX",
      description = "Path prefix of the key pair: writes PREFIX.key and PREFIX.pub (never overwrites).")
  Path prefix;

  @Option(names = "--comment", paramLabel = "TEXT", description = "Comment stored with the key (default: user@host).")
  String comment;

  @Override
  public Integer call() throws Exception {
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

  private static String hostname() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (java.io.IOException e) {
      return "localhost";
    }
  }
}
