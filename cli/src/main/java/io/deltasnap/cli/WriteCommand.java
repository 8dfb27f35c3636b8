package io.deltasnap.cli;

import io.deltasnap.engine.Volume;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "write", description = "Write bytes (stdin by default) into the origin or a writable snapshot.")
final class WriteCommand extends VolumeCommand {
  static final int BUFFER = 32 << 20;

  @Parameters(index = "0", paramLabel = "VOLUME", description = "Directory of the volume.")
  Path dir;

  @Option(names = "--offset", required = true, converter = Sizes.Converter.class, paramLabel = "OFF",
      description = "Byte offset to write at, in bytes or with a suffix (64K, 4M, 1G).")
  long offset;

  @Option(names = "--snapshot", paramLabel = "ID", description = "ID of a writable snapshot to write into instead of the origin.")
  Long snapshot;

  @Option(names = "--input", paramLabel = "FILE", description = "Read the bytes from FILE instead of stdin.")
  Path input;

  @Override
  public Integer call() throws Exception {
    long target = snapshot == null ? Volume.ORIGIN : snapshot;
    if (snapshot != null && snapshot <= 0) {
      throw new Main.UserError("snapshot IDs start at 1");
    }
    if (snapshot == null) {
      refuseIfStaged(dir, "writing its origin");
    }
    Path spool = null;
    try (VolumeHandle h = open(dir)) {
      io.deltasnap.engine.Volume v = h.volume();
      if (offset > v.size()) {
        throw new Main.UserError("offset " + offset + " is past the end of the volume (" + v.size() + " bytes)");
      }
      Path from = input;
      if (from == null) {
        // stdin's length is known only at its end: hold it aside first, so that input running past
        // the end of the volume is refused before anything is written
        spool = Files.createTempFile(dir, ".write-", ".stdin");
        long held;
        try (java.io.OutputStream o = Files.newOutputStream(spool)) {
          held = System.in.transferTo(new LimitedOutput(o, v.size() - offset + 1));
        }
        if (held > v.size() - offset) {
          throw new Main.UserError("input runs past the end of the volume (" + Sizes.human(v.size()) + " from offset "
              + offset + "); nothing was written");
        }
        from = spool;
      }
      write(v, target, from);
    } finally {
      if (spool != null) {
        Files.deleteIfExists(spool);
      }
    }
    return 0;
  }

  /** Passes bytes on until {@code limit} have passed, then counts the rest without keeping it. */
  private static final class LimitedOutput extends java.io.FilterOutputStream {
    private long room;

    LimitedOutput(java.io.OutputStream out, long limit) {
      super(out);
      this.room = limit;
    }

    @Override
    public void write(byte[] b, int off, int len) throws java.io.IOException {
      if (room > 0) {
        out.write(b, off, (int) Math.min(len, room));
      }
      room -= len;
    }

    @Override
    public void write(int b) throws java.io.IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }
  }

  private void write(io.deltasnap.engine.Volume v, long target, Path from) throws Exception {
    long total = Files.size(from);
    if (total > v.size() - offset) {
      throw new Main.UserError(Sizes.human(total) + " at offset " + offset + " does not fit the volume ("
          + Sizes.human(v.size()) + ")");
    }
    try (InputStream in = Files.newInputStream(from); ProgressBar bar = new ProgressBar("write", common.showProgress())) {
      byte[] buf = new byte[BUFFER];
      long pos = offset;
      while (true) {
        int n = in.readNBytes(buf, 0, buf.length);
        if (n <= 0) {
          break;
        }
        if (n > v.size() - pos) { // the file grew while we wrote it
          throw new Main.UserError("input grew past the end of the volume at byte " + v.size() + " while it was written");
        }
        v.write(target, pos, ByteBuffer.wrap(buf, 0, n));
        pos += n;
        bar.update(pos - offset, total);
      }
      v.flush();
      if (common.json) {
        Map<String, Object> m = Json.obj();
        m.put("offset", offset);
        m.put("bytes", pos - offset);
        out().println(Json.write(m));
      }
    }
  }
}
