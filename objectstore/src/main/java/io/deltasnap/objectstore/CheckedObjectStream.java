package io.deltasnap.objectstore;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * A delta object as it is read, held to what the manifest says of it: more bytes than listed, or
 * at the end fewer or another SHA-256, is {@link ObjectStoreException.Corrupt} naming the object.
 * The delta reader checks its own hash chain and signature besides; this catches an object
 * replaced by another validly signed delta.
 */
final class CheckedObjectStream extends FilterInputStream {
  private final ManifestEntry entry;
  private final String where;
  private final MessageDigest sha256;
  private long read;
  private boolean checked;

  CheckedObjectStream(InputStream in, ManifestEntry entry, String where) {
    super(in);
    this.entry = entry;
    this.where = where;
    try {
      this.sha256 = MessageDigest.getInstance("SHA-256");
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public int read() throws IOException {
    byte[] b = new byte[1];
    int n = read(b, 0, 1);
    return n < 0 ? -1 : b[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    int n = in.read(b, off, len);
    if (n < 0) {
      atEnd();
      return -1;
    }
    sha256.update(b, off, n);
    read += n;
    if (read > entry.bytes()) {
      throw new ObjectStoreException.Corrupt(where + ": longer than the " + entry.bytes() + " bytes the manifest lists");
    }
    if (read == entry.bytes()) {
      atEnd(); // before the reader sees the last bytes: a delta's trailer, which lets it commit
    }
    return n;
  }

  /**
   * Reads to the end (the delta reader may stop before it) and checks size and digest. The last
   * listed byte is handed out only once the digest matched, so a reader that verifies and commits
   * on the trailer never commits a different object than the manifest names.
   */
  void drainAndCheck() throws IOException {
    byte[] b = new byte[8192];
    while (read(b, 0, b.length) >= 0) {
      // counted and hashed by read
    }
  }

  private void atEnd() throws ObjectStoreException {
    if (checked) {
      return;
    }
    checked = true;
    if (read != entry.bytes()) {
      throw new ObjectStoreException.Corrupt(where + ": " + read + " bytes, but the manifest lists " + entry.bytes());
    }
    String got = HexFormat.of().formatHex(sha256.digest());
    if (!got.equals(entry.sha256())) {
      throw new ObjectStoreException.Corrupt(where + ": SHA-256 " + got + ", but the manifest lists " + entry.sha256());
    }
  }

  @Override
  public long skip(long n) throws IOException {
    throw new IOException("skip is not supported on a checked object stream");
  }

  @Override
  public boolean markSupported() {
    return false;
  }
}
