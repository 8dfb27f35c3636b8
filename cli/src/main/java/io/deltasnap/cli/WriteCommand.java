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
    long total = input != null ? Files.size(input) : -1;
    try (VolumeHandle h = open(dir);
        InputStream in = input != null ? Files.newInputStream(input) : System.in;
        ProgressBar bar = new ProgressBar("write", common.showProgress())) {
      io.deltasnap.engine.Volume v = h.volume();
      if (offset > v.size()) {
        throw new Main.UserError("offset " + offset + " is past the end of the volume (" + v.size() + " bytes)");
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
          throw new Main.UserError("input runs past the end of the volume at byte " + v.size()
              + (pos > offset ? " (" + (pos - offset) + " bytes before that were written)" : "; nothing was written"));
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
    return 0;
  }
}
