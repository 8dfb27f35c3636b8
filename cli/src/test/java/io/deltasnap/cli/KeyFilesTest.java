package io.deltasnap.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Key, trust and recipient files through the real command: key material never appears in an
 * error, a file someone else could change is refused, any file is read only up to a bound, and
 * keygen sets its modes whatever the umask.
 */
class KeyFilesTest {
  @TempDir
  Path tmp;

  String vol;
  String key;
  String pub;
  Path full;

  @BeforeEach
  void setUp() {
    vol = tmp.resolve("vol").toString();
    key = tmp.resolve("site.key").toString();
    pub = tmp.resolve("site.pub").toString();
    Cli.ok("keygen", "--output", tmp.resolve("site").toString());
    Cli.ok("init", vol, "--size", "256K", "--chunk-size", "64K");
    Cli.ok(Cli.random(100_000, 1), "write", vol, "--offset", "0");
    Cli.ok("snapshot", "create", vol);
    full = tmp.resolve("full.delta");
    Cli.ok("delta", "create", vol, "--snapshot", "1", "--key", key, "--output", full.toString());
  }

  @Test
  void aMalformedPrivateKeyIsNeverEchoedInTheError() throws Exception {
    String seed = Base64.getEncoder().encodeToString(Cli.random(32, 11));
    String[] bodies = {
        seed, // a bare seed where the type belongs
        seed + " " + seed, // two of them
        "deltasnap-ed25519-private " + seed.substring(0, 20) + "*" + seed.substring(21), // not base64
        "deltasnap-ed25519-private " + seed.substring(0, 40), // too short
        "ssh-ed25519-private " + seed,
    };
    for (int i = 0; i < bodies.length; i++) {
      Path bad = tmp.resolve("bad" + i + ".key");
      Files.writeString(bad, bodies[i] + "\n");
      Files.setPosixFilePermissions(bad, PosixFilePermissions.fromString("rw-------"));
      String why = Cli.refused("delta", "create", vol, "--snapshot", "1", "--key", bad.toString(), "--output",
          tmp.resolve("x" + i).toString()).stderr();
      assertNoPieceOf(seed, why);
      Path jobFile = tmp.resolve("job" + i + ".yaml");
      Files.writeString(jobFile, "volume: vol\nschedule: 1h\nkey: " + bad.getFileName() + "\ntrust: site.pub\n"
          + "targets:\n  - {name: a, path: rep}\n");
      Cli.Result job = Cli.run("job", "run", jobFile.toString());
      assertEquals(1, job.exit(), job.stderr());
      assertNoPieceOf(seed, job.stderr() + job.out());
    }
  }

  /** No 5 characters in a row of {@code secret} appear in {@code text}. */
  private static void assertNoPieceOf(String secret, String text) {
    for (int i = 0; i + 5 <= secret.length(); i++) {
      String piece = secret.substring(i, i + 5);
      assertFalse(text.contains(piece), "the error shows key material '" + piece + "': " + text);
    }
  }

  @Test
  void aTrustFileOthersCouldChangeIsRefused() throws Exception {
    Path trust = tmp.resolve("trust");
    Cli.writeTrustFile(trust, Files.readString(Path.of(pub)));
    Cli.ok("delta", "inspect", full.toString(), "--trust", trust.toString());
    for (String mode : new String[] {"rw-rw-r--", "rw-r--rw-", "rw-rw-rw-"}) {
      Files.setPosixFilePermissions(trust, PosixFilePermissions.fromString(mode));
      String why = Cli.refused("delta", "apply", tmp.resolve("rep").toString(), full.toString(), "--trust",
          trust.toString()).stderr();
      assertTrue(why.contains("writable by group or others"), why);
    }
    Files.setPosixFilePermissions(trust, PosixFilePermissions.fromString("rw-r--r--"));
    Files.setAttribute(trust, "unix:uid", 4321);
    String why = Cli.refused("delta", "apply", tmp.resolve("rep").toString(), full.toString(), "--trust",
        trust.toString()).stderr();
    assertTrue(why.contains("owned by uid 4321"), why);
    assertFalse(Files.exists(tmp.resolve("rep")), "nothing made");
  }

  @Test
  void aTrustFileInADirectoryOthersMayWriteIsRefusedUnlessTheDirectoryIsSticky() throws Exception {
    Path open = tmp.resolve("open");
    Files.createDirectories(open);
    Path trust = open.resolve("trust");
    Cli.writeTrustFile(trust, Files.readString(Path.of(pub)));
    Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));
    String why = Cli.refused("delta", "inspect", full.toString(), "--trust", trust.toString()).stderr();
    assertTrue(why.contains("directory " + open) && why.contains("no sticky bit"), why);
    // a link elsewhere to it does not help: the file itself can still be replaced
    Path link = tmp.resolve("link.pub");
    Files.createSymbolicLink(link, trust);
    Cli.refused("delta", "inspect", full.toString(), "--trust", link.toString());
    Files.setAttribute(open, "unix:mode", 01777); // as /tmp: no one else can remove or rename the file
    Cli.ok("delta", "inspect", full.toString(), "--trust", trust.toString());
    Path owned = tmp.resolve("theirs");
    Files.createDirectories(owned);
    Cli.writeTrustFile(owned.resolve("trust"), Files.readString(Path.of(pub)));
    Files.setAttribute(owned, "unix:uid", 4321);
    why = Cli.refused("delta", "inspect", full.toString(), "--trust", owned.resolve("trust").toString()).stderr();
    assertTrue(why.contains("owned by uid 4321"), why);
  }

  @Test
  void aPrivateKeyOrRecipientsFileOthersCouldChangeIsRefused() throws Exception {
    Files.setAttribute(Path.of(key), "unix:uid", 4321);
    String why = Cli.refused("delta", "create", vol, "--snapshot", "1", "--key", key, "--output",
        tmp.resolve("y").toString()).stderr();
    assertTrue(why.contains("owned by uid 4321"), why);
    Cli.ok("keygen", "--encryption", "--output", tmp.resolve("b").toString());
    Path recipients = tmp.resolve("b.recipient");
    Files.setPosixFilePermissions(recipients, PosixFilePermissions.fromString("rw-rw-r--"));
    Files.setAttribute(Path.of(key), "unix:uid", 0);
    why = Cli.refused("delta", "create", vol, "--snapshot", "1", "--key", key, "--output", tmp.resolve("y").toString(),
        "--encrypt-to", recipients.toString()).stderr();
    assertTrue(why.contains("recipients file is writable by group or others"), why);
    assertFalse(Files.exists(tmp.resolve("y")));
  }

  @Test
  @Timeout(60)
  void aTrustFileIsReadOnlyUpToItsBoundWhateverItIs() throws Exception {
    String why = Cli.refused("delta", "inspect", full.toString(), "--trust", "/dev/zero").stderr();
    assertTrue(why.contains("/dev/zero"), why);
    Path fifo = tmp.resolve("endless");
    assertEquals(0, new ProcessBuilder("mkfifo", "-m", "600", fifo.toString()).start().waitFor());
    Thread writer = new Thread(() -> {
      try (OutputStream o = Files.newOutputStream(fifo)) {
        byte[] line = ("# " + "x".repeat(1000) + "\n").getBytes();
        for (int i = 0; i < 4096; i++) { // 4 MB of comments, more than any trust file may hold
          o.write(line);
        }
      } catch (java.io.IOException e) {
        // the reader stopped at its bound and closed the pipe: expected
      }
    });
    writer.start();
    why = Cli.refused("delta", "inspect", full.toString(), "--trust", fifo.toString()).stderr();
    assertTrue(why.contains("holds more than"), why);
    writer.join(10_000);
  }

  @Test
  void keygenSetsItsModesWhateverTheUmaskAndNeverOverwrites() throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    for (String umask : new String[] {"000", "077", "002"}) {
      Path prefix = tmp.resolve("u" + umask);
      for (String kind : new String[] {"", "--encryption"}) {
        Process p = new ProcessBuilder("sh", "-c", "umask " + umask + " && exec \"$0\" -cp \"$1\" io.deltasnap.cli.Main "
            + "keygen --output \"$2\" " + kind, java, System.getProperty("java.class.path"), prefix.toString())
            .redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), log);
      }
      assertEquals("rw-------", mode(prefix + ".key"), "umask " + umask);
      assertEquals("rw-r--r--", mode(prefix + ".pub"), "umask " + umask);
      assertEquals("rw-------", mode(prefix + ".secret"), "umask " + umask);
      assertEquals("rw-r--r--", mode(prefix + ".recipient"), "umask " + umask);
    }
    byte[] before = Files.readAllBytes(Path.of(pub));
    Files.delete(Path.of(key));
    String why = Cli.refused("keygen", "--output", tmp.resolve("site").toString()).stderr();
    assertTrue(why.contains("exists"), why);
    assertArrayEquals(before, Files.readAllBytes(Path.of(pub)));
    assertFalse(Files.exists(Path.of(key)), "no private key without its public one");
  }

  private static String mode(String p) throws Exception {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(Path.of(p)));
  }
}
