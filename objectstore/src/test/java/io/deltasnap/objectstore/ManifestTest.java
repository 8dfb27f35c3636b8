package io.deltasnap.objectstore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.deltasnap.delta.Keys;
import io.deltasnap.delta.SignerKey;
import io.deltasnap.delta.TrustedKeys;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.junit.jupiter.api.Test;

/** The manifest's text form: what is written reads back, and no changed byte or foreign signer is believed. */
class ManifestTest {
  static final Ed25519PrivateKeyParameters KEY = Keys.generate();
  static final TrustedKeys TRUST = TrustedKeys.of(new SignerKey(Keys.publicKey(KEY), ""));
  static final UUID VOL = UUID.fromString("0b7c6a1e-4d2f-4c3a-9e8b-1a2b3c4d5e6f");
  static final UUID S1 = UUID.fromString("11111111-2222-4333-8444-555555555555");
  static final UUID S2 = UUID.fromString("66666666-7777-4888-9999-aaaaaaaaaaaa");
  static final String SHA = "ab".repeat(32);

  static Manifest sample() {
    return new Manifest(2, VOL, 65536, 1 << 22, List.of(
        new ManifestEntry("deltas/1-from-full-00.delta", 1, S1, 0, null, 1000, 500, SHA, false, "first one"),
        new ManifestEntry("deltas/2-from-1-01.delta", 2, S2, 1, S1, 2000, 60, SHA, true, "zwei/ü %")));
  }

  @Test
  void aManifestReadsBackAsWritten() throws Exception {
    byte[] b = sample().encode(KEY);
    assertEquals(sample(), Manifest.decode(b, TRUST, "m", 2));
    String text = new String(b, StandardCharsets.UTF_8);
    assertTrue(text.contains("\ndelta 2 " + S2 + " 1 " + S1 + " 2000 60 " + SHA + " encrypted deltas/2-from-1-01.delta zwei%2f%c3%bc%20%25\n"),
        text);
  }

  @Test
  void everyFlippedByteIsRefused() {
    byte[] b = sample().encode(KEY);
    for (int i = 0; i < b.length; i++) {
      byte[] c = b.clone();
      c[i] ^= 0x04;
      assertThrows(ObjectStoreException.Corrupt.class, () -> Manifest.decode(c, TRUST, "m", 2), "byte " + i);
    }
  }

  @Test
  void anotherSignerOrAnotherSequenceIsRefused() {
    byte[] b = sample().encode(Keys.generate());
    assertTrue(assertThrows(ObjectStoreException.Corrupt.class, () -> Manifest.decode(b, TRUST, "m", 2)).getMessage()
        .contains("which the trust file does not list"));
    byte[] ours = sample().encode(KEY);
    assertTrue(assertThrows(ObjectStoreException.Corrupt.class, () -> Manifest.decode(ours, TRUST, "m", 3)).getMessage()
        .contains("says seq 2 but its name says 3"));
  }

  @Test
  void aChainRunsFromItsFullDeltaAndABrokenOneIsNamed() throws Exception {
    assertEquals(List.of(1L, 2L), sample().chain(2, "b").stream().map(ManifestEntry::snapshot).toList());
    Manifest broken = new Manifest(1, VOL, 65536, 1 << 22, List.of(sample().entries().get(1)));
    assertTrue(assertThrows(ObjectStoreException.Corrupt.class, () -> broken.chain(2, "b")).getMessage()
        .contains("needs base snapshot 1"));
  }
}
