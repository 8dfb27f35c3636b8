package io.deltasnap.engine.io;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** {@link BlockFile} over a real file or block device, with positional I/O and fsync. */
public final class FileBlockFile implements BlockFile {
  private final Path path;
  private final FileChannel ch;
  private final long fixedSize; // block devices report size 0 through fstat; we remember theirs

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

  @Override
  public void read(long pos, ByteBuffer dst) throws IOException {
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
    while (src.hasRemaining()) {
      pos += ch.write(src, pos);
    }
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
    ch.close();
  }

  @Override
  public String toString() {
    return path.toString();
  }
}
