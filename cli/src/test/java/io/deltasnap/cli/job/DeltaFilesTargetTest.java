package io.deltasnap.cli.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.deltasnap.delta.DeltaFormatException;
import io.deltasnap.delta.EncryptionKeys;
import io.deltasnap.delta.Keys;
import io.deltasnap.delta.RecipientSecret;
import io.deltasnap.delta.SignerKey;
import io.deltasnap.delta.TrustedKeys;
import io.deltasnap.engine.DirectoryStorage;
import io.deltasnap.engine.Volume;
import io.deltasnap.receiver.DeltaApplier;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A {@code deltas:} target with {@code encrypt_to:}: a job writing encrypted delta files for offline media. */
class DeltaFilesTargetTest {
  static final Instant START = Instant.parse("2026-11-23T00:07:00Z");

  @TempDir
  Path tmp;

  @Test
  void aJobWritesAnEncryptedChainOfDeltaFilesThatRebuildsTheSource() throws IOException {
    RecipientSecret secret = EncryptionKeys.generate("offline");
    Files.writeString(tmp.resolve("recipients"), "# the vault\n" + secret.recipient().toLine() + "\n");
    String yaml = """
        schedule: 1h
        retention: {last: 1}
        targets:
          - {name: usb, deltas: usb, encrypt_to: recipients}
        """;
    try (JobFixture f = new JobFixture(tmp, START, yaml, "usb")) {
      JobRunner r = f.runner(JobRunner.Hook.NONE);
      for (int i = 0; i < 3; i++) {
        f.clock.set(START.plus(Duration.ofHours(i)));
        f.change();
        PassReport p = f.pass(r);
        assertTrue(p.ok(), p.failures());
      }
      Path usb = tmp.resolve("usb");
      List<String> names;
      try (var s = Files.list(usb)) {
        names = s.map(p -> p.getFileName().toString()).sorted().toList();
      }
      assertEquals(List.of("1-2.delta", "2-3.delta", "full-1.delta"), names);
      assertEquals(List.of(1L, 2L, 3L), new DeltaFilesTarget("usb", usb, f.src.uuid(), null).snapshots().stream()
          .map(s -> s.id()).toList(), "the chain the files hold");
      assertEquals(List.of(3L), f.sourceIds().stream().toList(), "the source kept only the files' base");
      TrustedKeys trust = TrustedKeys.of(new SignerKey(Keys.publicKey(f.key), "job"));
      Path rep = tmp.resolve("rebuilt");
      for (String n : List.of("full-1.delta", "1-2.delta", "2-3.delta")) {
        byte[] b = Files.readAllBytes(usb.resolve(n));
        assertEquals(2, b[8], n + " is format version 2 (encrypted)");
        try (InputStream in = new BufferedInputStream(Files.newInputStream(usb.resolve(n)))) {
          assertThrows(in, trust);
        }
        try (InputStream in = new BufferedInputStream(Files.newInputStream(usb.resolve(n)))) {
          DeltaApplier.apply(new DirectoryStorage(rep), in, trust, secret, Volume.Progress.NONE);
        }
      }
      try (Volume v = Volume.open(new DirectoryStorage(rep))) {
        for (long id = 1; id <= 3; id++) {
          assertEquals(f.hashes.get(id), JobFixture.hash(v, id), "snapshot " + id);
        }
      }
    }
  }

  private static void assertThrows(InputStream in, TrustedKeys trust) {
    DeltaFormatException e = org.junit.jupiter.api.Assertions.assertThrows(DeltaFormatException.class,
        () -> new io.deltasnap.delta.DeltaReader(in, trust));
    assertEquals(DeltaFormatException.Code.KEY_MISSING, e.code());
  }

  @Test
  void encryptToIsOnlyForDeltaFileTargetsAndTheyKeepEveryFile() throws IOException {
    Path file = tmp.resolve("job.yaml");
    Files.writeString(file, "volume: v\nschedule: 1h\nkey: k\ntargets: [{path: r, encrypt_to: recipients}]\n");
    String e = org.junit.jupiter.api.Assertions.assertThrows(JobFileException.class, () -> JobFile.load(file)).getMessage();
    assertTrue(e.contains("encrypt_to: is for deltas: targets"), e);
    Files.writeString(file, "volume: v\nschedule: 1h\nkey: k\ntargets: [{deltas: d, retention: {last: 2}}]\n");
    e = org.junit.jupiter.api.Assertions.assertThrows(JobFileException.class, () -> JobFile.load(file)).getMessage();
    assertTrue(e.contains("keeps every file"), e);
    Files.writeString(file, "volume: v\nschedule: 1h\nkey: k\ntargets: [{deltas: d, path: r}]\n");
    e = org.junit.jupiter.api.Assertions.assertThrows(JobFileException.class, () -> JobFile.load(file)).getMessage();
    assertTrue(e.contains("exactly one of path:"), e);
    Files.writeString(file, "volume: v\nschedule: 1h\nkey: k\ntargets: [{deltas: d, encrypt_to: recipients}]\n");
    JobSpec.TargetSpec t = JobFile.load(file).targets().get(0);
    assertEquals(tmp.resolve("d"), t.deltas());
    assertEquals(tmp.resolve("recipients"), t.encryptTo());
    assertFalse(t.where().isEmpty());
  }
}
