package io.deltasnap.objectstore;

import io.deltasnap.delta.Keys;
import io.deltasnap.delta.SignerKey;
import io.deltasnap.delta.TrustedKeys;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;

/**
 * A bucket's manifest: the signed list of the deltas it holds, numbered by a sequence that grows
 * by one per change. Object {@code PREFIX/manifest/SEQ} (SEQ: 20 decimal digits), UTF-8 text, one
 * field a line, so {@code aws s3 cp ... -} shows it readably:
 *
 * <table>
 *   <caption>manifest lines, in this order</caption>
 *   <tr><th>line</th><th>meaning</th></tr>
 *   <tr><td>{@code deltasnap-manifest 1}</td><td>magic and format version</td></tr>
 *   <tr><td>{@code seq N}</td><td>this manifest's sequence number, 1 and up; the object's name says the same</td></tr>
 *   <tr><td>{@code volume UUID}</td><td>the source volume</td></tr>
 *   <tr><td>{@code chunk-size N}, {@code volume-size N}</td><td>its geometry, in bytes</td></tr>
 *   <tr><td>{@code delta SNAP UUID BASE BASEUUID CREATED BYTES SHA256 ENC OBJECT NAME}</td><td>one per delta, by
 *     SNAP ascending: BASE and BASEUUID are {@code 0 -} for a full delta, CREATED epoch ms, ENC {@code plain} or
 *     {@code encrypted}, OBJECT the name under the prefix, NAME the snapshot's name percent-encoded (UTF-8 bytes
 *     outside {@code A-Za-z0-9._~-} as {@code %XX}; {@code -} when empty)</td></tr>
 *   <tr><td>{@code signer BASE64}</td><td>the signer's 32-byte Ed25519 public key</td></tr>
 *   <tr><td>{@code signature BASE64}</td><td>Ed25519 over every byte before this line</td></tr>
 * </table>
 *
 * <p>A reader bounds the object ({@link #MAX_BYTES}) and checks the signature against its trust
 * before it believes any line.
 */
public record Manifest(long seq, UUID volume, int chunkSize, long volumeSize, List<ManifestEntry> entries) {
  /** The first line. */
  public static final String MAGIC = "deltasnap-manifest 1";
  /** A manifest object is at most this long (some 250 000 deltas). */
  public static final int MAX_BYTES = 64 << 20;

  public Manifest {
    entries = List.copyOf(entries);
    for (int i = 1; i < entries.size(); i++) {
      if (entries.get(i).snapshot() <= entries.get(i - 1).snapshot()) {
        throw new IllegalArgumentException("manifest entries out of order at snapshot " + entries.get(i).snapshot());
      }
    }
  }

  /** The entry that brings a replica to {@code snapshot}, or null. */
  public ManifestEntry entry(long snapshot) {
    for (ManifestEntry e : entries) {
      if (e.snapshot() == snapshot) {
        return e;
      }
    }
    return null;
  }

  /** The entry of the newest snapshot, or null when there is none. */
  public ManifestEntry newest() {
    return entries.isEmpty() ? null : entries.get(entries.size() - 1);
  }

  /** The next version: this one with {@code e} added, sequence one higher. */
  public Manifest with(ManifestEntry e) {
    List<ManifestEntry> next = new ArrayList<>(entries);
    next.add(e);
    next.sort(java.util.Comparator.comparingLong(ManifestEntry::snapshot));
    return new Manifest(seq + 1, volume, chunkSize, volumeSize, next);
  }

  /**
   * The chain that brings a replica to {@code snapshot}: the full delta first, then each increment
   * in order. A missing link or a base whose UUID is not the one listed is {@link ObjectStoreException.Corrupt}.
   */
  public List<ManifestEntry> chain(long snapshot, String where) throws ObjectStoreException {
    Map<Long, ManifestEntry> by = new HashMap<>();
    for (ManifestEntry e : entries) {
      by.put(e.snapshot(), e);
    }
    List<ManifestEntry> chain = new ArrayList<>();
    ManifestEntry e = by.get(snapshot);
    if (e == null) {
      throw new ObjectStoreException.Missing(where + " holds no snapshot " + snapshot);
    }
    while (true) {
      chain.add(0, e);
      if (e.isFull()) {
        return chain;
      }
      ManifestEntry b = by.get(e.base());
      if (b == null || !b.uuid().equals(e.baseUuid())) {
        throw new ObjectStoreException.Corrupt(where + ": the chain of snapshot " + snapshot + " is broken: " + e.object()
            + " needs base snapshot " + e.base() + " " + e.baseUuid() + ", which the manifest does not list");
      }
      e = b;
    }
  }

  /** The manifest as its signed object. */
  public byte[] encode(Ed25519PrivateKeyParameters key) {
    StringBuilder s = new StringBuilder(256 + 256 * entries.size());
    s.append(MAGIC).append('\n');
    s.append("seq ").append(seq).append('\n');
    s.append("volume ").append(volume).append('\n');
    s.append("chunk-size ").append(chunkSize).append('\n');
    s.append("volume-size ").append(volumeSize).append('\n');
    for (ManifestEntry e : entries) {
      s.append("delta ").append(e.snapshot()).append(' ').append(e.uuid()).append(' ').append(e.base()).append(' ')
          .append(e.isFull() ? "-" : e.baseUuid().toString()).append(' ').append(e.created()).append(' ')
          .append(e.bytes()).append(' ').append(e.sha256()).append(' ').append(e.encrypted() ? "encrypted" : "plain")
          .append(' ').append(e.object()).append(' ').append(e.name().isEmpty() ? "-" : percentEncode(e.name())).append('\n');
    }
    s.append("signer ").append(Base64.getEncoder().encodeToString(Keys.publicKey(key))).append('\n');
    byte[] body = s.toString().getBytes(StandardCharsets.UTF_8);
    Ed25519Signer signer = new Ed25519Signer();
    signer.init(true, key);
    signer.update(body, 0, body.length);
    byte[] sig = signer.generateSignature();
    ByteArrayOutputStream out = new ByteArrayOutputStream(body.length + 100);
    out.writeBytes(body);
    out.writeBytes(("signature " + Base64.getEncoder().encodeToString(sig) + "\n").getBytes(StandardCharsets.US_ASCII));
    return out.toByteArray();
  }

  /**
   * Parses and verifies a manifest object: its signature must verify with a key of {@code trust}
   * (null: with the key it names, which proves integrity only).
   * {@code where} names the object in messages; {@code expectedSeq} is the sequence its name says.
   */
  public static Manifest decode(byte[] bytes, TrustedKeys trust, String where, long expectedSeq) throws ObjectStoreException {
    String text = new String(bytes, StandardCharsets.UTF_8);
    int sigAt = text.lastIndexOf("\nsignature ");
    if (!text.startsWith(MAGIC + "\n") || sigAt < 0 || !text.endsWith("\n")) {
      throw new ObjectStoreException.Corrupt(where + ": not a deltasnap manifest (no '" + MAGIC + "' line or no signature)");
    }
    byte[] body = text.substring(0, sigAt + 1).getBytes(StandardCharsets.UTF_8);
    List<String> lines = List.of(text.substring(0, sigAt).split("\n", -1));
    String signerLine = lines.get(lines.size() - 1);
    if (!signerLine.startsWith("signer ")) {
      throw new ObjectStoreException.Corrupt(where + ": no signer line before the signature");
    }
    byte[] pub = base64(signerLine.substring(7), where, "signer");
    SignerKey known = pub.length != 32 ? null : trust == null ? new SignerKey(pub, "") : trust.find(pub).orElse(null);
    if (known == null) {
      throw new ObjectStoreException.Corrupt(where + ": signed by " + (pub.length == 32 ? Keys.fingerprint(pub) : "a malformed key")
          + ", which the trust file does not list");
    }
    byte[] sig = base64(text.substring(sigAt + 11, text.length() - 1), where, "signature");
    Ed25519Signer v = new Ed25519Signer();
    v.init(false, new Ed25519PublicKeyParameters(pub, 0));
    v.update(body, 0, body.length);
    if (sig.length != 64 || !v.verifySignature(sig)) {
      throw new ObjectStoreException.Corrupt(where + ": the manifest's signature does not verify (changed or damaged)");
    }
    return ManifestText.parse(lines.subList(1, lines.size() - 1), where, expectedSeq);
  }

  private static byte[] base64(String s, String where, String what) throws ObjectStoreException {
    try {
      byte[] b = Base64.getDecoder().decode(s);
      if (!Base64.getEncoder().encodeToString(b).equals(s)) { // canonical only: no two texts for one key or signature
        throw new IllegalArgumentException("not canonical");
      }
      return b;
    } catch (IllegalArgumentException e) {
      throw new ObjectStoreException.Corrupt(where + ": bad base64 in the " + what + " line");
    }
  }

  static String percentEncode(String name) {
    StringBuilder s = new StringBuilder();
    for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
      char c = (char) (b & 0xff);
      if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '~' || c == '-') {
        s.append(c);
      } else {
        s.append('%').append(Character.forDigit((b >> 4) & 0xf, 16)).append(Character.forDigit(b & 0xf, 16));
      }
    }
    return s.toString();
  }
}
