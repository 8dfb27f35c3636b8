package io.deltasnap.cli;

import io.deltasnap.engine.InvalidRequestException;
import io.deltasnap.engine.SnapshotInfo;
import io.deltasnap.engine.Volume;
import io.deltasnap.nbd.BlockDevice;
import io.deltasnap.nbd.ExportInfo;
import io.deltasnap.nbd.ExportProvider;
import io.deltasnap.nbd.NoSpaceException;
import io.deltasnap.nbd.NoSuchExportException;
import io.deltasnap.nbd.ReadOnlyExportException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A volume's NBD exports: {@code origin} (read-write) and {@code snapshot-ID} for each live
 * snapshot (read-write when the snapshot is writable). Consulted at every negotiation, so a
 * snapshot taken while serving is exported at once.
 */
final class VolumeExports implements ExportProvider {
  static final String ORIGIN = "origin";
  static final String SNAPSHOT_PREFIX = "snapshot-";
  static final int MAX_PAYLOAD = 8 << 20;

  private final Volume volume;
  private final boolean originReadOnly;

  VolumeExports(Volume volume) {
    this(volume, false);
  }

  /** {@code originReadOnly}: export the origin read-only (a replica holding a staged transfer). */
  VolumeExports(Volume volume, boolean originReadOnly) {
    this.volume = volume;
    this.originReadOnly = originReadOnly;
  }

  @Override
  public List<ExportInfo> list() throws IOException {
    List<ExportInfo> out = new ArrayList<>();
    out.add(new ExportInfo(ORIGIN, "origin of " + volume.name()
        + (originReadOnly ? " (read-only: a transfer is staged)" : " (read-write)")));
    for (SnapshotInfo s : volume.snapshots()) {
      out.add(new ExportInfo(SNAPSHOT_PREFIX + s.id(), (s.name().isEmpty() ? "" : Printable.escape(s.name()) + ", ")
          + "taken " + Instant.ofEpochMilli(s.created()) + (s.writable() ? " (read-write)" : " (read-only)")));
    }
    return out;
  }

  @Override
  public BlockDevice open(String name) throws IOException {
    if (name.isEmpty() || name.equals(ORIGIN)) {
      return new Device(Volume.ORIGIN, originReadOnly);
    }
    if (name.startsWith(SNAPSHOT_PREFIX)) {
      try {
        long id = Long.parseLong(name.substring(SNAPSHOT_PREFIX.length()));
        SnapshotInfo s = volume.snapshot(id);
        if (s != null && s.live()) {
          return new Device(id, !s.writable());
        }
      } catch (NumberFormatException e) {
        // not a snapshot ID: unknown export
      }
    }
    throw new NoSuchExportException(name);
  }

  /** One export: the origin or a snapshot, through the engine. */
  private final class Device implements BlockDevice {
    private final long view;
    private final boolean readOnly;

    Device(long view, boolean readOnly) {
      this.view = view;
      this.readOnly = readOnly;
    }

    @Override
    public long size() {
      return volume.size();
    }

    @Override
    public boolean readOnly() {
      return readOnly;
    }

    @Override
    public int minimumBlockSize() {
      return 1;
    }

    @Override
    public int preferredBlockSize() {
      return 4096;
    }

    @Override
    public int maximumPayload() {
      return MAX_PAYLOAD;
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
      volume.read(view, offset, dst);
    }

    @Override
    public void write(long offset, ByteBuffer src) throws IOException {
      if (readOnly) {
        throw new ReadOnlyExportException("snapshot " + view + " is read-only");
      }
      try {
        volume.write(view, offset, src);
      } catch (io.deltasnap.engine.NoSpaceException e) {
        throw new NoSpaceException(e.getMessage());
      } catch (InvalidRequestException e) {
        throw new ReadOnlyExportException(e.getMessage());
      }
    }

    @Override
    public void flush() throws IOException {
      volume.flush();
    }

    /** Trimmed ranges keep their data; the NBD protocol allows that, and it keeps every snapshot exact. */
    @Override
    public void trim(long offset, long length) {}

    @Override
    public void writeZeroes(long offset, long length, boolean mayDeallocate) throws IOException {
      ByteBuffer zeros = ByteBuffer.allocate((int) Math.min(length, 1 << 20));
      long done = 0;
      while (done < length) {
        int n = (int) Math.min(zeros.capacity(), length - done);
        write(offset + done, zeros.clear().limit(n));
        done += n;
      }
    }

    @Override
    public boolean multiConnSafe() {
      return true; // every connection shares one Volume; a flush commits all of them
    }
  }
}
