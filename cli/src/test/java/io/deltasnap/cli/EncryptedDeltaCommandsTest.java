package io.deltasnap.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** keygen --encryption and encrypted deltas through the real command line: create, inspect, verify, apply, merge. */
class EncryptedDeltaCommandsTest {
  static final byte[] TEXT = "the replica must never see this sentence in the clear; ".repeat(2000)
      .getBytes(StandardCharsets.US_ASCII);

  @TempDir
  Path tmp;

  String src;
  String key;
  String pub;
  String recipients;
  String secretB;
  String secretC;

  @BeforeEach
  void setUp() throws Exception {
    src = tmp.resolve("src").toString();
    key = tmp.resolve("site").toString() + ".key";
    pub = tmp.resolve("site").toString() + ".pub";
    Cli.ok("keygen", "--output", tmp.resolve("site").toString());
    Cli.ok("keygen", "--encryption", "--output", tmp.resolve("b").toString(), "--comment", "site b");
    Cli.ok("keygen", "--encryption", "--output", tmp.resolve("c").toString());
    secretB = tmp.resolve("b.secret").toString();
    secretC = tmp.resolve("c.secret").toString();
    recipients = tmp.resolve("recipients").toString();
    Cli.writeTrustFile(Path.of(recipients), "# who may read our deltas\n" + Files.readString(tmp.resolve("b.recipient")));
    Cli.ok("init", src, "--size", "2M", "--chunk-size", "64K");
    Cli.ok(TEXT, "write", src, "--offset", "0");
    Cli.ok("snapshot", "create", src, "--name", "one");
    Cli.ok(Cli.random(5000, 2), "write", src, "--offset", "700000");
    Cli.ok(TEXT, "write", src, "--offset", "1200000");
    Cli.ok("snapshot", "create", src, "--name", "two");
  }

  String create(String name, Long base, long snapshot) {
    String f = tmp.resolve(name).toString();
    List<String> args = new ArrayList<>(List.of("delta", "create", src, "--snapshot", Long.toString(snapshot), "--key", key,
        "--output", f, "--encrypt-to", recipients));
    if (base != null) {
      args.addAll(List.of("--base", base.toString()));
    }
    Cli.ok(args.toArray(String[]::new));
    return f;
  }

  @Test
  void keygenEncryptionWritesAMode600SecretAndNeverOverwrites() throws Exception {
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(Path.of(secretB))));
    assertTrue(Files.readString(tmp.resolve("b.recipient")).startsWith("deltasnap-x25519 "));
    byte[] before = Files.readAllBytes(Path.of(secretB));
    Cli.Result r = Cli.refused("keygen", "--encryption", "--output", tmp.resolve("b").toString());
    assertTrue(r.stderr().contains("exists; not overwriting"), r.stderr());
    assertArrayEquals(before, Files.readAllBytes(Path.of(secretB)));
  }

  @Test
  void anEncryptedDeltaVerifiesWithoutTheKeyAndAppliesWithIt() throws Exception {
    String f1 = create("1.delta", null, 1);
    String f12 = create("1-2.delta", 1L, 2);
    byte[] file = Files.readAllBytes(Path.of(f1));
    assertFalse(indexOf(file, Arrays.copyOf(TEXT, 40)) >= 0, "no plaintext on the medium");
    String info = Cli.ok("delta", "inspect", f1).out();
    assertTrue(info.contains("encrypted  yes, AES-256-GCM to 1 recipient"), info);
    assertTrue(info.contains("sealed (their kinds and contents need --decrypt-key)"), info);
    String json = Cli.ok("delta", "inspect", f1, "--json", "--decrypt-key", secretB).out();
    assertTrue(json.contains("\"recipients\": 1") && json.contains("\"recordsDecrypted\": true") && json.contains("\"dataRecords\""),
        json);
    Cli.Result keyless = Cli.ok("delta", "verify", f12, "--trust", pub);
    assertTrue(keyless.out().contains("signature verified: SHA256:"), keyless.out());
    assertTrue(keyless.out().contains("records not decrypted (no --decrypt-key)"), keyless.out());
    String withKey = Cli.ok("delta", "verify", f12, "--trust", pub, "--decrypt-key", secretB, "--json").out();
    assertTrue(withKey.contains("\"recordsChecked\": true") && withKey.contains("\"verified\": true"), withKey);
    String rep = tmp.resolve("rep").toString();
    Cli.ok("delta", "apply", rep, f1, "--trust", pub, "--decrypt-key", secretB);
    Cli.ok("delta", "apply", rep, f12, "--trust", pub, "--decrypt-key", secretB);
    for (String id : new String[] {"1", "2"}) {
      assertArrayEquals(Cli.ok("read", src, "--snapshot", id).stdout(), Cli.ok("read", rep, "--snapshot", id).stdout(), id);
    }
  }

  @Test
  void plainDeltasStillVerifyAndApplyWithoutAKey() throws Exception {
    String f = tmp.resolve("plain.delta").toString();
    Cli.ok("delta", "create", src, "--snapshot", "1", "--key", key, "--output", f);
    String v = Cli.ok("delta", "verify", f, "--trust", pub).out();
    assertTrue(v.contains("encrypted  no") && v.contains("every record checked"), v);
    Cli.ok("delta", "apply", tmp.resolve("rep").toString(), f, "--trust", pub);
  }

  @Test
  void eachBadInputIsRefusedWithOneLineAndLeavesTheReplicaAsItWas() throws Exception {
    String f1 = create("1.delta", null, 1);
    String f12 = create("1-2.delta", 1L, 2);
    String other12 = create("other-1-2.delta", 1L, 2);
    String rep = tmp.resolve("rep").toString();
    // a full delta refused before the replica exists leaves none behind
    assertTrue(Cli.refused("delta", "apply", rep, f1, "--trust", pub).stderr().contains("needs a decryption key"));
    assertFalse(Files.exists(Path.of(rep)));
    Cli.ok("delta", "apply", rep, f1, "--trust", pub, "--decrypt-key", secretB);
    byte[] store = Files.readAllBytes(Path.of(rep, "store"));
    String snapshots = Cli.ok("snapshot", "list", rep, "--json").out();

    expectRefused(rep, store, snapshots, "needs a decryption key", "delta", "apply", rep, f12, "--trust", pub);
    expectRefused(rep, store, snapshots, "found key type 'deltasnap-ed25519-private'",
        "delta", "apply", rep, f12, "--trust", pub, "--decrypt-key", key);
    expectRefused(rep, store, snapshots, "is not one of its recipients",
        "delta", "apply", rep, f12, "--trust", pub, "--decrypt-key", secretC);

    byte[] good = Files.readAllBytes(Path.of(f12));
    List<Integer> frames = frames(good);
    byte[] spliced = good.clone();
    byte[] foreign = Files.readAllBytes(Path.of(other12));
    assertEquals(frames, frames(foreign), "the same records, another data key");
    System.arraycopy(foreign, frames.get(1), spliced, frames.get(1), frames.get(2) - frames.get(1));
    expectRefused(rep, store, snapshots, "sealed record 1", "delta", "apply", rep, write("spliced", spliced), "--trust", pub,
        "--decrypt-key", secretB);
    expectRefused(rep, store, snapshots, "chain hash", "delta", "verify", write("spliced", spliced), "--trust", pub);

    byte[] wrapped = good.clone();
    int nameLength = u16(wrapped, 106);
    wrapped[144 + nameLength + 4 + 40 + 3] ^= 0x40; // inside the one stanza's wrapped data key
    int headerLength = (int) u32(wrapped, 12);
    CRC32C crc = new CRC32C();
    crc.update(wrapped, 0, headerLength - 4);
    ByteBuffer.wrap(wrapped, headerLength - 4, 4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) crc.getValue());
    expectRefused(rep, store, snapshots, "does not authenticate", "delta", "apply", rep, write("wrapped", wrapped), "--trust", pub,
        "--decrypt-key", secretB);

    expectRefused(rep, store, snapshots, "truncated at byte", "delta", "apply", rep,
        write("cut", Arrays.copyOf(good, good.length - 100)), "--trust", pub, "--decrypt-key", secretB);
    expectRefused(rep, store, snapshots, "truncated at byte", "delta", "verify",
        write("cut", Arrays.copyOf(good, good.length - 100)), "--trust", pub);

    Files.setPosixFilePermissions(Path.of(secretB), PosixFilePermissions.fromString("rw-r--r--"));
    expectRefused(rep, store, snapshots, "secret key is accessible by others",
        "delta", "apply", rep, f12, "--trust", pub, "--decrypt-key", secretB);
    Files.setPosixFilePermissions(Path.of(secretB), PosixFilePermissions.fromString("rw-------"));

    Cli.ok("delta", "apply", rep, f12, "--trust", pub, "--decrypt-key", secretB);
    assertArrayEquals(Cli.ok("read", src, "--snapshot", "2").stdout(), Cli.ok("read", rep, "--snapshot", "2").stdout());
  }

  @Test
  void aRecipientsFileWithABadLineOrAWorldReadableSigningKeyWritesNothing() throws Exception {
    Cli.writeTrustFile(Path.of(recipients), "\n" + Files.readString(tmp.resolve("b.recipient")).strip() + "\ndeltasnap-x25519 AAAA\n");
    String out = tmp.resolve("x.delta").toString();
    Cli.Result r = Cli.refused("delta", "create", src, "--snapshot", "1", "--key", key, "--output", out, "--encrypt-to", recipients);
    assertTrue(r.stderr().contains(recipients + ":3: key is 3 bytes, expected 32"), r.stderr());
    assertFalse(Files.exists(Path.of(out)));
    Cli.writeTrustFile(Path.of(recipients), Files.readString(tmp.resolve("b.recipient")));
    Files.setPosixFilePermissions(Path.of(key), PosixFilePermissions.fromString("rw-rw-r--"));
    r = Cli.refused("delta", "create", src, "--snapshot", "1", "--key", key, "--output", out, "--encrypt-to", recipients);
    assertTrue(r.stderr().contains("private key is accessible by others"), r.stderr());
    assertFalse(Files.exists(Path.of(out)));
    try (var s = Files.list(tmp)) {
      assertFalse(s.anyMatch(p -> p.getFileName().toString().endsWith(".part")), "no partial file left");
    }
  }

  @Test
  void mergingEncryptedDeltasNeedsTheKeyAndRecipients() throws Exception {
    String f1 = create("1.delta", null, 1);
    String f12 = create("1-2.delta", 1L, 2);
    String merged = tmp.resolve("merged.delta").toString();
    Cli.Result r = Cli.refused("delta", "merge", f1, f12, "--output", merged, "--key", key, "--trust", pub);
    assertTrue(r.stderr().contains("needs a decryption key"), r.stderr());
    r = Cli.refused("delta", "merge", f1, f12, "--output", merged, "--key", key, "--trust", pub, "--decrypt-key", secretB);
    assertTrue(r.stderr().contains("--encrypt-to"), r.stderr());
    assertFalse(Files.exists(Path.of(merged)));
    Cli.writeTrustFile(tmp.resolve("to-c"), Files.readString(tmp.resolve("c.recipient")));
    Cli.ok("delta", "merge", f1, f12, "--output", merged, "--key", key, "--trust", pub, "--decrypt-key", secretB,
        "--encrypt-to", tmp.resolve("to-c").toString());
    Cli.refused("delta", "apply", tmp.resolve("rep").toString(), merged, "--trust", pub, "--decrypt-key", secretB);
    Cli.ok("delta", "apply", tmp.resolve("rep").toString(), merged, "--trust", pub, "--decrypt-key", secretC);
    assertArrayEquals(Cli.ok("read", src, "--snapshot", "2").stdout(),
        Cli.ok("read", tmp.resolve("rep").toString(), "--snapshot", "2").stdout());
  }

  void expectRefused(String rep, byte[] store, String snapshots, String message, String... args) throws Exception {
    Cli.Result r = Cli.refused(args);
    assertTrue(r.stderr().contains(message), String.join(" ", args) + ": " + r.stderr());
    assertFalse(r.stderr().contains(Files.readString(Path.of(secretB)).split(" ")[1]), "the secret never shows");
    assertArrayEquals(store, Files.readAllBytes(Path.of(rep, "store")), "replica store unchanged");
    assertEquals(snapshots, Cli.ok("snapshot", "list", rep, "--json").out());
  }

  String write(String name, byte[] bytes) throws Exception {
    Path p = tmp.resolve(name + ".delta");
    Files.write(p, bytes);
    return p.toString();
  }

  /** Stream offsets of a version 2 delta's frames, then of its trailer. */
  static List<Integer> frames(byte[] d) {
    List<Integer> out = new ArrayList<>();
    int p = (int) u32(d, 12);
    while ((d[p] & 0xFF) != 0xFF) {
      out.add(p);
      p += 8 + (int) u32(d, p + 4);
    }
    out.add(p);
    return out;
  }

  static long u32(byte[] b, int at) {
    return ByteBuffer.wrap(b, at, 4).order(ByteOrder.LITTLE_ENDIAN).getInt() & 0xFFFF_FFFFL;
  }

  static int u16(byte[] b, int at) {
    return ByteBuffer.wrap(b, at, 2).order(ByteOrder.LITTLE_ENDIAN).getShort() & 0xFFFF;
  }

  static int indexOf(byte[] hay, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= hay.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
