package io.deltasnap.receiver;

import io.deltasnap.delta.DeltaFormatException;
import io.deltasnap.delta.DeltaHeader;
import io.deltasnap.delta.DeltaLayout;
import io.deltasnap.delta.HashChain;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * The durable resume state of the one transfer a replica has staged: file
 * {@value #FILE} in the replica directory. It names the transfer by its whole delta header (volume,
 * base ID+UUID, target ID+UUID, name, signer key), so a resume can only continue the very stream it
 * was saved for; it holds the verification state at the last record whose data is durable in the
 * replica's origin. It is written after the origin was flushed and committed, by write-to-temp,
 * fsync, rename, fsync of the directory, so a crash leaves the old or the new state, never a torn one.
 *
 * <pre>
 * | offset | size | type  | field                                                           |
 * |--------|------|-------|-----------------------------------------------------------------|
 * | 0      | 8    | bytes | magic "DSSTAGE1"                                                |
 * | 8      | 4    | u32   | header length n (148..4096)                                     |
 * | 12     | n    | bytes | the delta header, as offered                                    |
 * | 12+n   | 100  | bytes | HashChain state (docs/delta-format.md, "Resume state")          |
 * | 112+n  | 8    | i64   | updated, ms since the epoch (for --stale-after)                 |
 * | 120+n  | 1    | u8    | flags: bit 0 the replica was created empty for this transfer    |
 * | 121+n  | 8    | u64   | the replica's newest snapshot when staging began (0: none)     |
 * | 129+n  | 4    | u32   | CRC32C of bytes 0..128+n                                        |
 * </pre>
 * Integers are little-endian, as in the delta format.
 */
record StagedTransfer(byte[] header, HashChain chain, long updatedMillis, boolean fresh, long newest) {
  static final String FILE = "receive-staged";
  static final String TMP_SUFFIX = ".tmp";
  private static final byte[] MAGIC = {'D', 'S', 'S', 'T', 'A', 'G', 'E', '1'};
  /** Bytes of the file around the header: magic, length, chain state, time, flags, newest, CRC. */
  private static final int FIXED_BYTES = 8 + 4 + HashChain.SERIALIZED_BYTES + 8 + 1 + 8 + 4;

  boolean stale(Duration after, long nowMillis) {
    return nowMillis - updatedMillis > after.toMillis();
  }

  /** The signer key inside the staged header. */
  byte[] signerKey() {
    return Arrays.copyOfRange(header, DeltaLayout.SIGNER_KEY_OFFSET, DeltaLayout.SIGNER_KEY_OFFSET + DeltaHeader.KEY_BYTES);
  }

  byte[] encode() {
    int n = header.length;
    ByteBuffer b = ByteBuffer.allocate(FIXED_BYTES + n).order(ByteOrder.LITTLE_ENDIAN);
    b.put(MAGIC).putInt(n).put(header).put(chain.toBytes()).putLong(updatedMillis).put((byte) (fresh ? 1 : 0))
        .putLong(newest);
    CRC32C crc = new CRC32C();
    crc.update(b.array(), 0, b.position());
    b.putInt((int) crc.getValue());
    return b.array();
  }

  static StagedTransfer decode(byte[] a) throws IOException {
    if (a.length < FIXED_BYTES + DeltaLayout.MIN_HEADER_BYTES || !Arrays.equals(a, 0, 8, MAGIC, 0, 8)) {
      throw new IOException("not a staged-transfer file");
    }
    ByteBuffer b = ByteBuffer.wrap(a).order(ByteOrder.LITTLE_ENDIAN);
    b.position(8);
    int n = b.getInt();
    if (n < DeltaLayout.MIN_HEADER_BYTES || n > DeltaLayout.MAX_HEADER_BYTES || a.length != FIXED_BYTES + n) {
      throw new IOException("staged-transfer header length " + n + " in a file of " + a.length + " bytes");
    }
    CRC32C crc = new CRC32C();
    crc.update(a, 0, a.length - 4);
    if ((int) crc.getValue() != b.getInt(a.length - 4)) {
      throw new IOException("staged-transfer checksum mismatch");
    }
    byte[] header = new byte[n];
    b.get(header);
    byte[] chain = new byte[HashChain.SERIALIZED_BYTES];
    b.get(chain);
    HashChain c;
    try {
      c = HashChain.fromBytes(chain);
    } catch (DeltaFormatException e) {
      throw new IOException("staged-transfer hash chain: " + e.getMessage(), e);
    }
    long updated = b.getLong();
    boolean fresh = (b.get() & 1) != 0;
    long newest = b.getLong();
    return new StagedTransfer(header, c, updated, fresh, newest);
  }

  /** The staged state in {@code dir}, or null when there is none (a damaged file counts as none). */
  static StagedTransfer load(Path dir) throws IOException {
    byte[] a;
    try {
      a = Files.readAllBytes(dir.resolve(FILE));
    } catch (NoSuchFileException e) {
      return null;
    }
    try {
      return decode(a);
    } catch (IOException e) {
      // unusable: the transfer starts over (its prefix is verified again anyway)
      System.err.println("deltasnap: ignoring damaged " + dir.resolve(FILE) + ": " + e.getMessage());
      return null;
    }
  }

  void save(Path dir) throws IOException {
    Path tmp = dir.resolve(FILE + TMP_SUFFIX);
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      ByteBuffer b = ByteBuffer.wrap(encode());
      while (b.hasRemaining()) {
        ch.write(b);
      }
      ch.force(true);
    }
    try {
      Files.move(tmp, dir.resolve(FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, dir.resolve(FILE), StandardCopyOption.REPLACE_EXISTING);
    }
    syncDir(dir);
  }

  static void delete(Path dir) throws IOException {
    if (Files.deleteIfExists(dir.resolve(FILE))) {
      syncDir(dir);
    }
  }

  private static void syncDir(Path dir) {
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    } catch (IOException e) {
      // some file systems cannot sync a directory; the rename is then as durable as they make it
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof StagedTransfer s && Arrays.equals(header, s.header) && chain.equals(s.chain)
        && updatedMillis == s.updatedMillis && fresh == s.fresh && newest == s.newest;
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(header) ^ chain.hashCode();
  }
}
