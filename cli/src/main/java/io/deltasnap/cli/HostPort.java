package io.deltasnap.cli;

import java.net.InetSocketAddress;

/** {@code HOST:PORT} (IPv6 as {@code [::1]:PORT}). */
final class HostPort {
  private HostPort() {}

  static InetSocketAddress parse(String s) {
    int colon = s.lastIndexOf(':');
    if (colon <= 0 || colon == s.length() - 1) {
      throw new Main.UserError("'" + s + "' is not HOST:PORT");
    }
    String host = s.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port;
    try {
      port = Integer.parseInt(s.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new Main.UserError("'" + s + "' is not HOST:PORT");
    }
    if (port < 0 || port > 65535) {
      throw new Main.UserError("port " + port + " is out of range");
    }
    InetSocketAddress a = new InetSocketAddress(host, port); // resolves the host name
    if (a.isUnresolved()) {
      throw new Main.UserError("unknown host '" + host + "' in '" + s + "'");
    }
    return a;
  }
}
