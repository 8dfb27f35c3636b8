package io.deltasnap.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.deltasnap.objectstore.S3Server;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** send to s3://, snapshot list s3:// through the real command line, against a real S3 server (S3Proxy) on 127.0.0.1. */
class BucketCommandsTest {
  static final byte[] TEXT = "a bucket is untrusted storage; this sentence must not be readable there. ".repeat(1500)
      .getBytes(StandardCharsets.US_ASCII);

  @TempDir
  static Path serverDir;

  static S3Server server;

  @TempDir
  Path tmp;

  String src;
  String key;
  String pub;
  String url;
  static int buckets;

  @BeforeAll
  static void startServer() throws Exception {
    server = S3Server.start(serverDir.resolve("s3"), "bkt1", "bkt2", "bkt3", "bkt4", "bkt5", "bkt6", "bkt7", "bkt8");
    server.useFromThisJvm();
  }

  @AfterAll
  static void stopServer() throws Exception {
    server.close();
  }

  @BeforeEach
  void setUp() throws Exception {
    url = "s3://bkt" + (++buckets) + "/vol1";
    src = tmp.resolve("src").toString();
    key = tmp.resolve("site") + ".key";
    pub = tmp.resolve("site") + ".pub";
    Cli.ok("keygen", "--output", tmp.resolve("site").toString());
    Cli.ok("init", src, "--size", "4M", "--chunk-size", "64K");
    Cli.ok(TEXT, "write", src, "--offset", "0");
    Cli.ok("snapshot", "create", src, "--name", "one");
    Cli.ok(Cli.random(9000, 2), "write", src, "--offset", "700000");
    Cli.ok("snapshot", "create", src, "--name", "two");
    Cli.ok(Cli.random(70000, 3), "write", src, "--offset", "3000000");
    Cli.ok("snapshot", "create", src, "--name", "three");
  }

  Cli.Result send(String... more) {
    List<String> a = new ArrayList<>(List.of("send", src, "--key", key, "--to", url, "--s3-endpoint", server.endpoint()));
    a.addAll(Arrays.asList(more));
    return Cli.ok(a.toArray(String[]::new));
  }

  String list() {
    return Cli.ok("snapshot", "list", url, "--json", "--s3-endpoint", server.endpoint()).out();
  }

  /** The delta object a listing names, as S3Proxy keeps it on disk. */
  Path object(String listing, long id) {
    String marker = "\"id\": " + id + ",";
    String rest = listing.substring(listing.indexOf(marker));
    String o = rest.substring(rest.indexOf("\"object\": \"") + 11);
    return server.file(url.substring(5, url.indexOf('/', 5)), "vol1/" + o.substring(0, o.indexOf('"')));
  }

  @Test
  void aFullThenIncrementsWithoutBaseListAndApplyAsTheSourceReadsThem() throws Exception {
    String first = send("--snapshot", "1", "--json").out();
    assertTrue(first.contains("\"base\": null") && first.contains("\"manifestSeq\": 1"), first);
    String second = send("--snapshot", "2", "--json").out();
    assertTrue(second.contains("\"base\": 1,") && second.contains("\"manifestSeq\": 2"), second);
    String third = send("--snapshot", "3").out();
    assertTrue(third.startsWith("sent snapshot 3 from base 2 to " + url), third);
    String listing = list();
    assertTrue(listing.contains("\"name\": \"one\"") && listing.contains("\"name\": \"three\""), listing);
    assertEquals(3, listing.split("\"id\": ", -1).length - 1, listing);
    String rep = tmp.resolve("rep").toString();
    for (long id = 1; id <= 3; id++) {
      Cli.ok("delta", "apply", rep, object(listing, id).toString(), "--trust", pub);
      assertArrayEquals(Cli.ok("read", src, "--snapshot", Long.toString(id)).stdout(),
          Cli.ok("read", rep, "--snapshot", Long.toString(id)).stdout(), "snapshot " + id);
    }
    String text = Cli.ok("snapshot", "list", url, "--s3-endpoint", server.endpoint(), "--since", "1", "--limit", "1").out();
    assertTrue(text.contains("two") && !text.contains("three") && !text.contains(" one"), text);
  }

  @Test
  void anEncryptedSendLeavesNoPlaintextInTheBucket() throws Exception {
    Cli.ok("keygen", "--encryption", "--output", tmp.resolve("r").toString());
    String recipients = tmp.resolve("recipients").toString();
    Cli.writeTrustFile(Path.of(recipients), Files.readString(tmp.resolve("r.recipient")));
    send("--snapshot", "1", "--encrypt-to", recipients);
    String listing = list();
    assertTrue(listing.contains("\"encrypted\": true"), listing);
    byte[] stored = Files.readAllBytes(object(listing, 1));
    assertFalse(new String(stored, StandardCharsets.ISO_8859_1).contains("this sentence must not"), "no plaintext in the bucket");
    String rep = tmp.resolve("rep").toString();
    Cli.ok("delta", "apply", rep, object(listing, 1).toString(), "--trust", pub, "--decrypt-key", tmp.resolve("r.secret").toString());
    assertArrayEquals(Cli.ok("read", src, "--snapshot", "1").stdout(), Cli.ok("read", rep, "--snapshot", "1").stdout());
  }

  @Test
  void badSendsAreRefusedAndLeaveTheBucketAsItWas() throws Exception {
    send("--snapshot", "1");
    String before = list();
    String ep = server.endpoint();
    assertTrue(Cli.refused("send", src, "--key", key, "--to", url, "--s3-endpoint", ep, "--snapshot", "3", "--base", "2")
        .stderr().contains("does not hold base snapshot 2"));
    assertTrue(Cli.refused("send", src, "--key", key, "--to", url, "--s3-endpoint", ep, "--snapshot", "1")
        .stderr().contains("already holds snapshot 1"));
    assertTrue(Cli.refused("send", src, "--key", key, "--to", url, "--s3-endpoint", ep, "--snapshot", "9")
        .stderr().contains("no snapshot 9"));
    Cli.ok("keygen", "--output", tmp.resolve("other").toString());
    String other = Cli.refused("send", src, "--key", tmp.resolve("other") + ".key", "--to", url, "--s3-endpoint", ep,
        "--snapshot", "2").stderr();
    assertTrue(other.contains("which the trust file does not list"), other);
    assertTrue(Cli.refused("send", src, "--key", key, "--to", "s3://Bad_Bucket/x", "--s3-endpoint", ep, "--snapshot", "2")
        .stderr().contains("is not a bucket name"));
    assertEquals(before, list());
  }

  /** Start-up of other commands is unaffected: the SDK's classes load only for an s3:// URL. */
  @Test
  void onlyAnS3UrlLoadsTheAwsSdk() throws Exception {
    assertFalse(classesLoaded("snapshot", "list", src).contains("software.amazon.awssdk"));
    assertFalse(classesLoaded("send", src, "--snapshot", "1", "--base", "0", "--dry-run", "--to", "127.0.0.1:9").contains(
        "io.deltasnap.objectstore"));
    assertTrue(classesLoaded("snapshot", "list", url, "--s3-endpoint", server.endpoint()).contains("software.amazon.awssdk.services.s3"));
  }

  private String classesLoaded(String... args) throws Exception {
    String jvm = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd = new ArrayList<>(List.of(jvm, "-Xlog:class+load=info", "-cp", System.getProperty("java.class.path"),
        "io.deltasnap.cli.Main"));
    cmd.addAll(Arrays.asList(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().putAll(server.environment());
    Process p = pb.start();
    byte[] out = p.getInputStream().readAllBytes();
    assertTrue(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS));
    String text = new String(out, StandardCharsets.UTF_8);
    assertEquals(0, p.exitValue(), text.lines().filter(l -> !l.contains("[class,load]")).toList().toString());
    assertTrue(text.contains("io.deltasnap.cli.Main source:"), "class loading is logged");
    return text;
  }
}
