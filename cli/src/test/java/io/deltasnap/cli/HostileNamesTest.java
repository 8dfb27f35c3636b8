package io.deltasnap.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.deltasnap.delta.DeltaHeader;
import io.deltasnap.delta.DeltaWriter;
import io.deltasnap.delta.Keys;
import io.deltasnap.delta.TargetSnapshot;
import io.deltasnap.delta.WriterOptions;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Snapshot names from outside: `snapshot create` refuses names that are not printable UTF-8 of at
 * most 255 bytes; a signed delta carrying such a name cannot forge lines of `delta inspect`, is
 * refused by `delta apply`, and leaves `snapshot list` one line per snapshot.
 */
class HostileNamesTest {
  static final String FORGED = "x\nsignature  verified (trusted signer)\u001b[2K\r";

  @TempDir
  Path tmp;
  Ed25519PrivateKeyParameters key;
  Path pub;

  @BeforeEach
  void keys() throws Exception {
    key = Keys.generate();
    Keys.writeKeyPair(tmp.resolve("site"), key, "site");
    pub = tmp.resolve("site.pub");
  }

  /** A correctly signed full delta of a 1 MiB volume whose target snapshot has the given ID and name. */
  Path delta(String file, UUID volume, long id, String name) throws Exception {
    DeltaHeader h = new DeltaHeader(volume, 64 * 1024, 1 << 20, null,
        new TargetSnapshot(id, UUID.randomUUID(), name, 0, false), 1, Keys.publicKey(key));
    Path p = tmp.resolve(file);
    try (OutputStream out = Files.newOutputStream(p); DeltaWriter w = new DeltaWriter(out, h, key, WriterOptions.defaults())) {
      w.writeData(0, new byte[64 * 1024]);
      w.finish();
    }
    return p;
  }

  @Test
  void snapshotCreateRefusesNamesThatAreNotPrintableOrTooLong() {
    String vol = tmp.resolve("v").toString();
    Cli.ok("init", vol, "--size", "1M", "--chunk-size", "64K");
    for (String bad : List.of("a\nb", "\u001b[31mred", "bidi\u202e", "bad\uFFFD", "n".repeat(256))) {
      Cli.Result r = Cli.refused("snapshot", "create", vol, "--name", bad);
      assertTrue(r.stderr().contains("snapshot name refused"), r.stderr());
      assertFalse(r.stderr().contains("\u001b") || r.stderr().contains("\u202e"), "the error escapes the name: " + r.stderr());
    }
    assertFalse(Cli.ok("snapshot", "list", vol, "--json").out().contains("\"id\""), "no refused name made a snapshot");
    Cli.ok("snapshot", "create", vol, "--name", "lundi 日本");
    assertTrue(Cli.ok("snapshot", "list", vol).out().contains("lundi 日本"));
  }

  @Test
  void aDeltaNamedToForgeOutputIsShownEscapedAndRefusedOnApply() throws Exception {
    UUID volume = UUID.randomUUID();
    Path hostile = delta("hostile.delta", volume, 2, FORGED);
    String out = Cli.ok("delta", "inspect", hostile.toString(), "--trust", pub.toString()).out();
    List<String> signatureLines = out.lines().filter(l -> l.startsWith("signature")).toList();
    assertEquals(1, signatureLines.size(), "one signature line, the real one:\n" + out);
    assertTrue(out.contains("\"x\\nsignature  verified (trusted signer)\\x1b[2K\\r\""), out);
    assertFalse(out.contains("\u001b") || out.contains("\r"), out);
    String json = Cli.ok("delta", "inspect", hostile.toString(), "--json").out();
    assertTrue(json.contains("\"name\": \"x\\nsignature  verified (trusted signer)\\u001b[2K\\r\""),
        "JSON escapes the name itself: " + json);
    assertFalse(json.contains("\u001b") || json.contains("\r"), json);

    String replica = tmp.resolve("replica").toString();
    Cli.ok("delta", "apply", replica, delta("good.delta", volume, 1, "good").toString(), "--trust", pub.toString());
    Cli.Result refused = Cli.refused("delta", "apply", replica, hostile.toString(), "--trust", pub.toString());
    assertTrue(refused.stderr().contains("snapshot name refused"), refused.stderr());
    List<String> listed = Cli.ok("snapshot", "list", replica).out().strip().lines().toList();
    assertEquals(2, listed.size(), "a heading and snapshot 1: " + listed);
    assertTrue(listed.get(1).startsWith("1 ") && listed.get(1).endsWith("good"), listed.toString());
  }

  @Test
  void aDeltaWithTheTopSnapshotIdIsRefusedAndTheReplicaKeepsCounting() throws Exception {
    UUID volume = UUID.randomUUID();
    String replica = tmp.resolve("replica").toString();
    Cli.ok("delta", "apply", replica, delta("one.delta", volume, 1, "one").toString(), "--trust", pub.toString());
    Cli.Result top = Cli.refused("delta", "apply", replica, delta("top.delta", volume, Long.MAX_VALUE, "top").toString(),
        "--trust", pub.toString());
    assertTrue(top.stderr().contains("top of the ID range"), top.stderr());
    Cli.ok("delta", "apply", replica, delta("high.delta", volume, Long.MAX_VALUE - 1, "high").toString(), "--trust",
        pub.toString());
    Cli.Result next = Cli.refused("snapshot", "create", replica);
    assertTrue(next.stderr().contains("used every snapshot ID"), next.stderr());
    String listed = Cli.ok("snapshot", "list", replica).out();
    assertTrue(listed.contains(Long.toString(Long.MAX_VALUE - 1)) && !listed.contains(Long.toString(Long.MAX_VALUE)),
        listed);
  }
}
