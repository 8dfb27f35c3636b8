package io.deltasnap.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server that cannot start (its port taken, its host unknown) says so in one line, exits 1 and
 * leaves nothing behind: no control socket in the volume, no new replica directory.
 */
@Timeout(60)
class ServerStartTest {
  @TempDir
  Path tmp;

  @Test
  void aReceiveOnATakenPortLeavesNoDirectoryAndAnExistingOneAsItWas() throws Exception {
    Cli.ok("keygen", "--output", tmp.resolve("k").toString());
    String trust = tmp.resolve("k.pub").toString();
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      String at = "127.0.0.1:" + taken.getLocalPort();
      Path fresh = tmp.resolve("rep");
      Cli.Result r = Cli.refused("receive", fresh.toString(), "--listen", at, "--trust", trust);
      assertTrue(r.stderr().contains("cannot listen on"), r.stderr());
      assertFalse(Files.exists(fresh), "a replica directory made only for the failed start is gone");
      Path existing = Files.createDirectory(tmp.resolve("existing"));
      Cli.refused("receive", existing.toString(), "--listen", at, "--trust", trust);
      try (var left = Files.list(existing)) {
        assertEquals(List.of(), left.toList(), "nothing left in a directory that was there");
      }
    }
  }

  @Test
  void aServeOnATakenPortLeavesNoControlSocket() throws Exception {
    Path vol = tmp.resolve("vol");
    Cli.ok("init", vol.toString(), "--size", "4M");
    List<String> before;
    try (var files = Files.list(vol)) {
      before = files.map(p -> p.getFileName().toString()).sorted().toList();
    }
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Cli.Result r = Cli.refused("serve", vol.toString(), "--listen", "127.0.0.1:" + taken.getLocalPort());
      assertTrue(r.stderr().contains("cannot listen on") && !r.stderr().contains("Exception"), r.stderr());
    }
    try (var files = Files.list(vol)) {
      assertEquals(before, files.map(p -> p.getFileName().toString()).sorted().toList());
    }
    assertFalse(Files.exists(ControlSocket.path(vol)));
  }

  @Test
  void anUnknownHostIsNamed() {
    Cli.ok("keygen", "--output", tmp.resolve("k").toString());
    Path rep = tmp.resolve("rep");
    Cli.Result r = Cli.refused("receive", rep.toString(), "--listen", "nosuchhost.invalid:7710", "--trust",
        tmp.resolve("k.pub").toString());
    assertEquals("deltasnap: unknown host 'nosuchhost.invalid' in 'nosuchhost.invalid:7710'", r.stderr().strip());
    assertFalse(Files.exists(rep));
  }

  @Test
  void limitsForUntrustedClientsMustBePositive() {
    Cli.ok("keygen", "--output", tmp.resolve("k").toString());
    String trust = tmp.resolve("k.pub").toString();
    Path rep = tmp.resolve("rep");
    for (String option : List.of("--max-handshakes", "--max-handshakes-per-host")) {
      Cli.Result r = Cli.refused("receive", rep.toString(), "--listen", "127.0.0.1:0", "--trust", trust, option, "0");
      assertTrue(r.stderr().contains("must be positive"), r.stderr());
    }
    assertEquals(2, Cli.run("receive", rep.toString(), "--listen", "127.0.0.1:0", "--trust", trust,
        "--handshake-timeout", "0s").exit(), "not a duration: a usage error");
    assertFalse(Files.exists(rep));
    String vol = tmp.resolve("v").toString();
    Cli.ok("init", vol, "--size", "1M");
    Cli.Result r = Cli.refused("serve", vol, "--listen", "127.0.0.1:0", "--write-memory", "0");
    assertTrue(r.stderr().contains("must be positive"), r.stderr());
    for (String option : List.of("--request-timeout", "--handshake-timeout")) {
      assertEquals(2, Cli.run("serve", vol, "--listen", "127.0.0.1:0", option, "0s").exit(), option);
    }
  }
}
