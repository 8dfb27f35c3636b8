package io.deltasnap.objectstore;

import java.util.UUID;

/**
 * One delta of a bucket's chain, as its manifest lists it: the object that holds it, the
 * snapshot it brings a replica to and the base it needs (none for a full delta), and what the
 * object must be (its size and SHA-256), so a substituted or damaged object is caught before
 * it is applied.
 *
 * @param object     the delta object's name under the prefix ({@code deltas/...})
 * @param snapshot   the target snapshot's ID
 * @param uuid       the target snapshot's UUID
 * @param base       the base snapshot's ID, or 0 for a full delta
 * @param baseUuid   the base snapshot's UUID, or null for a full delta
 * @param created    the target snapshot's creation time, epoch milliseconds
 * @param bytes      the object's size
 * @param sha256     the object's SHA-256, 64 lower-case hex digits
 * @param encrypted  whether the delta is encrypted (to recipients the manifest does not name)
 * @param name       the target snapshot's name (may be empty)
 */
public record ManifestEntry(String object, long snapshot, UUID uuid, long base, UUID baseUuid, long created, long bytes,
    String sha256, boolean encrypted, String name) {
  public ManifestEntry {
    if (!object.matches("deltas/[A-Za-z0-9._-]{1,200}")) {
      throw new IllegalArgumentException("bad delta object name '" + object + "'");
    }
    if (snapshot <= 0 || base < 0 || base >= snapshot) {
      throw new IllegalArgumentException("bad snapshot " + snapshot + " from base " + base + " for " + object);
    }
    if ((base == 0) != (baseUuid == null)) {
      throw new IllegalArgumentException("base " + base + " and its UUID disagree for " + object);
    }
    if (bytes < 0 || !sha256.matches("[0-9a-f]{64}")) {
      throw new IllegalArgumentException("bad size or SHA-256 for " + object);
    }
  }

  /** Whether this is a full delta (needs no base). */
  public boolean isFull() {
    return base == 0;
  }
}
