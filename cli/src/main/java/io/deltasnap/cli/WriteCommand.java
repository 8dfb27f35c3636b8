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
  /** stdin up to this long is checked against the volume end before anything is written. */
  static final int LOOKAHEAD = 64 << 20;

  @Parameters(index = "0", paramLabel = "VOLUME", description = "Directory of the volume.")
  Path dir;

  @Option(names = "--offset", required = true, converter = Sizes.Converter.class, paramLabel = "OFF",
      description = "Byte offset to write at, in bytes or with a suffix (64K, 4M, 1G).")
  long offset;

  @Option(names = "--snapshot", paramLabel = "ID", description = "ID of a writable snapshot to write into instead of the origin.")
  Long snapshot;

  @Option(names = "--input", paramLabel = "FILE", description = "Read the bytes from FILE instead of stdin; "
      + "its size is checked first, so a write that does not fit writes nothing (stdin: only up to 64 MiB).")
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
    long total = input != null ? Files.size(input) : -1;
    try (VolumeHandle h = open(dir);
        InputStream file = input != null ? Files.newInputStream(input) : null;
        ProgressBar bar = new ProgressBar("write", common.showProgress());
        DropReport dropped = new DropReport(h.volume(), err())) {
      io.deltasnap.engine.Volume v = h.volume();
      if (offset > v.size()) {
        throw new Main.UserError("offset " + offset + " is past the end of the volume (" + v.size() + " bytes)");
      }
      InputStream in = file;
      if (in == null) {
        // stdin's length is known only at its end: read up to LOOKAHEAD first, so that input of
        // that size which does not fit is refused before anything is written
        byte[] head = System.in.readNBytes((int) Math.min(v.size() - offset + 1, LOOKAHEAD));
        if (head.length > v.size() - offset) {
          throw new Main.UserError("input runs past the end of the volume (" + Sizes.human(v.size() - offset)
              + " fit from offset " + offset + "); nothing was written");
        }
        if (head.length < LOOKAHEAD) {
          total = head.length;
        }
        in = new java.io.SequenceInputStream(new java.io.ByteArrayInputStream(head), System.in);
      }
      if (total >= 0 && total > v.size() - offset) {
        throw new Main.UserError(Sizes.human(total) + " at offset " + offset + " does not fit the volume ("
            + Sizes.human(v.size()) + ")");
      }
      byte[] buf = new byte[BUFFER];
      long pos = offset;
      while (true) {
        int n = in.readNBytes(buf, 0, buf.length);
        if (n <= 0) {
          break;
        }
        if (n > v.size() - pos) {
          throw new Main.UserError("input runs past the end of the volume at byte " + v.size() + " ("
              + (pos - offset) + " bytes before that were written; --input FILE writes all or nothing)");
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
        m.put("droppedSnapshots", dropped.ids());
        out().println(Json.write(m));
      }
    }
    return 0;
  }
}
