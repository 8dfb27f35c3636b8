package io.deltasnap.cli;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import javax.net.ssl.SSLException;

/** The TLS a server command (serve, receive) presents: from --tls-cert and --tls-key, or none. */
final class ServerTls {
  private ServerTls() {}

  /** The server context for {@code cert} and {@code key} (both or neither); empty without them. */
  static Optional<SslContext> context(Path cert, Path key) throws SSLException {
    if ((cert == null) != (key == null)) {
      throw new Main.UserError("--tls-cert and --tls-key go together");
    }
    if (cert == null) {
      return Optional.empty();
    }
    if (!Files.isReadable(cert) || !Files.isReadable(key)) {
      throw new Main.UserError("cannot read the TLS certificate or key");
    }
    return Optional.of(SslContextBuilder.forServer(cert.toFile(), key.toFile()).build());
  }
}
