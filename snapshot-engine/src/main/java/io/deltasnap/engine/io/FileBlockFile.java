package io.deltasnap.engine.io;

import com.sun.nio.file.ExtendedOpenOption;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * {@link BlockFile} over a real file or block device, with positional I/O and fsync.
 *
 * <p><b>Bulk transfers bypass the page cache.</b> A read or write of at least {@link #DIRECT_MIN}
 * bytes whose buffer comes from {@link #allocateAligned} (direct, aligned) at an aligned position
 * goes through a second descriptor opened with O_DIRECT: streaming a whole volume out (send) or in
 * (receive) then costs no page-cache copies and does not evict the cache of everyone else. Linux
 * keeps the two descriptors coherent (a direct read first writes back dirty cached pages of its
 * range; a direct write drops them), and {@link #sync()} on either flushes the file, so callers see
 * no difference but speed. Anything else, or a file system without O_DIRECT, uses the page cache.
 * {@code -Ddeltasnap.directIo=false} turns bulk direct I/O off.
 */
public final class FileBlockFile implements BlockFile {
  /** Alignment of buffers, positions and lengths for direct I/O (a multiple of every block size in use). */
  public static final int DIRECT_ALIGN = 4096;
  /** Transfers shorter than this always use the page cache. */
  static final int DIRECT_MIN = 64 << 10;
  private static final boolean DIRECT_IO = !"false".equals(System.getProperty("deltasnap.directIo"));

  private final Path path;
  private final FileChannel ch;
  private final long fixedSize; // block devices report size 0 through fstat; we remember theirs
  private final Object directLock = new Object();
  private FileChannel direct;        // opened on first bulk transfer (guarded by directLock)
  private volatile boolean noDirect; // unsupported here, or closed
  private final java.util.concurrent.atomic.LongAdder directBytes = new java.util.concurrent.atomic.LongAdder();

  private FileBlockFile(Path path, FileChannel ch, long fixedSize) {
    this.path = path;
    this.ch = ch;
    this.fixedSize = fixedSize;
  }

  public static FileBlockFile open(Path path, boolean create) throws IOException {
    FileChannel ch = create
        ? FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE, StandardOpenOption.CREATE)
        : FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
    return new FileBlockFile(path, ch, blockDeviceSize(path));
  }

  /**
   * Takes an exclusive {@code fcntl} lock on the file, held until {@link #close()}: an origin is
   * locked while its volume is open, so that no other volume is made on it meanwhile.
   *
   * @return false when another process (or another channel of this one) holds a lock on it
   */
  public boolean tryLock() throws IOException {
    try {
      return ch.tryLock() != null;
    } catch (java.nio.channels.OverlappingFileLockException e) {
      return false;
    }
  }

  /** The size of a block device from sysfs, or -1 for a regular file. */
  static long blockDeviceSize(Path path) throws IOException {
    if (Files.isRegularFile(path)) {
      return -1;
    }
    Path real = path.toRealPath();
    Path sys = Path.of("/sys/class/block", real.getFileName().toString(), "size");
    if (Files.exists(sys)) {
      return Long.parseLong(Files.readString(sys).trim()) * 512L;
    }
    return -1;
  }

  /** A direct buffer of {@code bytes} aligned for bulk (O_DIRECT) transfers. */
  public static ByteBuffer allocateAligned(int bytes) {
    // alignedSlice rounds the capacity down to whole units: allocate whole units plus the slack
    int units = Math.toIntExact(((long) bytes + DIRECT_ALIGN - 1) / DIRECT_ALIGN * DIRECT_ALIGN);
    return ByteBuffer.allocateDirect(units + DIRECT_ALIGN).alignedSlice(DIRECT_ALIGN).limit(bytes);
  }

  /** The O_DIRECT channel when {@code b} at {@code pos} qualifies for a bulk transfer, else null. */
  private FileChannel directFor(long pos, ByteBuffer b) {
    if (!DIRECT_IO || noDirect || !b.isDirect() || b.remaining() < DIRECT_MIN
        || ((pos | b.remaining()) & (DIRECT_ALIGN - 1)) != 0 || b.alignmentOffset(b.position(), DIRECT_ALIGN) != 0) {
      return null;
    }
    synchronized (directLock) {
      if (direct == null && !noDirect) {
        try {
          if (Files.getFileStore(path).getBlockSize() > DIRECT_ALIGN) {
            noDirect = true;
            return null;
          }
          direct = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE, ExtendedOpenOption.DIRECT);
        } catch (IOException | UnsupportedOperationException e) {
          noDirect = true; // a file system without O_DIRECT (tmpfs before Linux 6.6): the page cache it is
        }
      }
      return direct;
    }
  }

  @Override
  public void read(long pos, ByteBuffer dst) throws IOException {
    FileChannel d = directFor(pos, dst);
    try {
      while (d != null && dst.hasRemaining() && (dst.remaining() & (DIRECT_ALIGN - 1)) == 0) {
        int n = d.read(dst, pos);
        if (n <= 0) {
          break; // end of file: the page-cache path below reports it
        }
        pos += n;
        directBytes.add(n);
      }
    } catch (IOException e) {
      directRefused(e); // the page cache does the rest
    }
    while (dst.hasRemaining()) {
      int n = ch.read(dst, pos);
      if (n < 0) {
        throw new EOFException(path + ": read past end at byte " + pos);
      }
      pos += n;
    }
  }

  @Override
  public void write(long pos, ByteBuffer src) throws IOException {
    FileChannel d = directFor(pos, src);
    try {
      while (d != null && src.hasRemaining() && (src.remaining() & (DIRECT_ALIGN - 1)) == 0) {
        int n = d.write(src, pos);
        pos += n;
        directBytes.add(n);
      }
    } catch (IOException e) {
      directRefused(e); // the page cache does the rest
    }
    while (src.hasRemaining()) {
      pos += ch.write(src, pos);
    }
  }

  /**
   * A direct transfer failed. EINVAL means this file (a FUSE or network file system, say) accepts
   * O_DIRECT at open but not for these transfers: direct I/O stops for it and the caller goes on
   * through the page cache from where the direct transfer stopped. Anything else is a real error.
   */
  private void directRefused(IOException e) throws IOException {
    if (!String.valueOf(e.getMessage()).contains("Invalid argument")) {
      throw e;
    }
    noDirect = true;
  }

  /** Bytes moved through the O_DIRECT descriptor so far. */
  long directBytes() {
    return directBytes.sum();
  }

  @Override
  public void sync() throws IOException {
    ch.force(false);
  }

  @Override
  public long size() throws IOException {
    return fixedSize >= 0 ? fixedSize : ch.size();
  }

  @Override
  public void truncate(long size) throws IOException {
    if (fixedSize >= 0) {
      return;
    }
    if (size < ch.size()) {
      ch.truncate(size);
    } else if (size > ch.size()) {
      ch.write(ByteBuffer.allocate(1), size - 1);
    }
  }

  @Override
  public void close() throws IOException {
    synchronized (directLock) {
      noDirect = true;
      if (direct != null) {
        direct.close();
      }
    }
    ch.close();
  }

  @Override
  public String toString() {
    return path.toString();
  }
}
