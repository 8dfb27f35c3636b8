package io.deltasnap.sender;

import io.deltasnap.wire.Protocol;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.Certificate;
import java.security.cert.CertificateEncodingException;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import javax.net.ssl.SSLParameters;

/**
 * TLS for the sender. Two ways to trust the receiver's certificate:
 * <ul>
 *   <li>{@code --tls-ca PEM}: the chain must verify against these CA certificates and name the
 *       host connected to (HTTPS-style host name check, IP addresses in the subject alternative name).</li>
 *   <li>otherwise trust on first use: the certificate's SHA-256 fingerprint is recorded per
 *       {@code HOST:PORT} in a known-receivers file the first time, and any later different
 *       certificate is refused (like ssh's known_hosts).</li>
 * </ul>
 * TLS gives confidentiality and receiver authenticity; the sender's authenticity and the data's
 * integrity come from Ed25519 signatures whether TLS is on or not.
 */
public final class Tls {
  /** {@code enabled}; {@code ca} (null: trust on first use, recorded in {@code knownReceivers}). */
  public record Options(boolean enabled, Path ca, Path knownReceivers) {
    public static final Options NONE = new Options(false, null, null);
  }

  private Tls() {}

  static SslContext clientContext(Options o) throws IOException {
    if (!o.enabled()) {
      return null;
    }
    SslContextBuilder b = SslContextBuilder.forClient();
    if (o.ca() != null) {
      b.trustManager(o.ca().toFile());
    } else {
      b.trustManager(InsecureTrustManagerFactory.INSTANCE); // checked against the known-receivers file after the handshake
    }
    return b.build();
  }

  static SslHandler clientHandler(SslContext ctx, SocketChannel c, InetSocketAddress to, Options o) {
    SslHandler h = ctx.newHandler(c.alloc(), to.getHostString(), to.getPort());
    if (o.ca() != null) {
      SSLParameters p = h.engine().getSSLParameters();
      p.setEndpointIdentificationAlgorithm("HTTPS");
      h.engine().setSSLParameters(p);
    }
    return h;
  }

  static void verifyPeer(SslHandler h, InetSocketAddress to, Options o, Duration timeout) throws IOException {
    var f = h.handshakeFuture().awaitUninterruptibly(timeout.toMillis());
    if (!f || !h.handshakeFuture().isSuccess()) {
      Throwable c = h.handshakeFuture().cause();
      throw new ReplicationException(Protocol.Code.AUTH, "TLS handshake with " + to.getHostString() + ":" + to.getPort()
          + " failed: " + (c == null ? "timed out" : c.getMessage()), c);
    }
    if (o.ca() != null) {
      return;
    }
    Certificate[] chain = h.engine().getSession().getPeerCertificates();
    String fp = fingerprint(chain[0]);
    String who = to.getHostString() + ":" + to.getPort();
    Path file = o.knownReceivers();
    if (Files.exists(file)) {
      for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
        String[] f2 = line.trim().split(" ");
        if (f2.length == 2 && f2[0].equals(who)) {
          if (!f2[1].equals(fp)) {
            throw new ReplicationException(Protocol.Code.AUTH, "the TLS certificate of " + who + " changed: " + file
                + " has " + f2[1] + ", the receiver presented " + fp + " (remove the line if the change is expected)");
          }
          return;
        }
      }
    }
    if (file.getParent() != null) {
      Files.createDirectories(file.getParent());
    }
    Files.write(file, List.of(who + " " + fp), StandardCharsets.UTF_8, StandardOpenOption.CREATE,
        StandardOpenOption.APPEND);
  }

  /** {@code SHA256:} and the unpadded base64 of SHA-256 over the DER certificate. */
  public static String fingerprint(Certificate c) throws IOException {
    try {
      return "SHA256:" + Base64.getEncoder().withoutPadding().encodeToString(
          MessageDigest.getInstance("SHA-256").digest(c.getEncoded()));
    } catch (NoSuchAlgorithmException | CertificateEncodingException e) {
      throw new IOException("cannot fingerprint the receiver's certificate: " + e.getMessage(), e);
    }
  }
}
