package io.deltasnap.engine.pdata;

import io.deltasnap.engine.CorruptionException;
import io.deltasnap.engine.io.BlockFile;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * The exception store seen as an array of 4 KiB pages. Page 0 and 1 are the two superblocks;
 * everything else (tree nodes, free-list pages, preserved chunk copies) is allocated in pages by
 * the {@link SpaceMap}. All multi-byte fields on disk are little-endian.
 */
public final class Pages {
  /** Bytes in one page: the unit of allocation and the size of every metadata block. */
  public static final int PAGE_SIZE = 4096;
  /** The first page that can be allocated: 0 and 1 hold the superblocks. */
  public static final long FIRST_DATA_PAGE = 2;

  private final BlockFile file;
  private final String name;

  public Pages(BlockFile file, String name) {
    this.file = file;
    this.name = name;
  }

  public BlockFile file() {
    return file;
  }

  public String name() {
    return name;
  }

  public static ByteBuffer newPage() {
    return ByteBuffer.allocate(PAGE_SIZE).order(ByteOrder.LITTLE_ENDIAN);
  }

  public static long pagesFor(long bytes) {
    return (bytes + PAGE_SIZE - 1) / PAGE_SIZE;
  }

  /** Reads one metadata page; a short read is corruption (the page should exist). */
  public ByteBuffer readPage(long page) throws IOException {
    ByteBuffer buf = newPage();
    read(page, buf, "page");
    return buf.flip().order(ByteOrder.LITTLE_ENDIAN);
  }

  public void writePage(long page, ByteBuffer buf) throws IOException {
    assert buf.remaining() == PAGE_SIZE;
    file.write(page * PAGE_SIZE, buf);
  }

  /** Reads {@code dst.remaining()} bytes of a preserved chunk copy starting at {@code page}. */
  public void readData(long page, ByteBuffer dst) throws IOException {
    read(page, dst, "data page");
  }

  public void writeData(long page, ByteBuffer src) throws IOException {
    file.write(page * PAGE_SIZE, src);
  }

  private void read(long page, ByteBuffer dst, String what) throws IOException {
    try {
      file.read(page * PAGE_SIZE, dst);
    } catch (EOFException e) {
      throw new CorruptionException(name + ": " + what + " " + page + " lies past the end of the store");
    }
  }

  /** CRC32C of {@code len} bytes of {@code buf} starting at absolute index {@code from}. */
  public static int crc(ByteBuffer buf, int from, int len) {
    CRC32C c = new CRC32C();
    ByteBuffer d = buf.duplicate();
    d.limit(from + len).position(from);
    c.update(d);
    return (int) c.getValue();
  }

  public static int crc(byte[] b, int off, int len) {
    CRC32C c = new CRC32C();
    c.update(b, off, len);
    return (int) c.getValue();
  }
}
