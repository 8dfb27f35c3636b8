package io.deltasnap.cli;

import io.deltasnap.engine.Volume;
import java.io.BufferedOutputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "read", description = "Read the origin or a snapshot (stdout by default; whole volume by default).")
final class ReadCommand extends VolumeCommand {
  @Parameters(index = "0", paramLabel = "VOLUME", description = "Directory of the volume.")
  Path dir;

  @Option(names = "--snapshot", paramLabel = "ID", description = "ID of the snapshot to read instead of the origin.")
  Long snapshot;

  @Option(names = "--offset", converter = Sizes.Converter.class, paramLabel = "OFF", defaultValue = "0",
      description = "Byte offset to start reading at (default: ${DEFAULT-VALUE}).")
  long offset;

  @Option(names = "--length", converter = Sizes.Converter.class, paramLabel = "LEN",
      description = "Bytes to read (default: to the end of the volume).")
  Long length;

  @Option(names = "--output", paramLabel = "FILE", description = "Write to FILE (created or truncated; never one of the volume's own files) instead of stdout.")
  Path output;

  @Override
  public Integer call() throws Exception {
    long view = snapshot == null ? Volume.ORIGIN : snapshot;
    if (snapshot != null && snapshot <= 0) {
      throw new Main.UserError("snapshot IDs start at 1");
    }
    try (VolumeHandle h = open(dir)) {
      io.deltasnap.engine.Volume v = h.volume();
      if (offset > v.size()) {
        throw new Main.UserError("offset " + offset + " is past the end of the volume (" + v.size() + " bytes)");
      }
      long len = length != null ? length : v.size() - offset;
      if (len > v.size() - offset) {
        throw new Main.UserError("range " + offset + "+" + len + " is outside the volume (" + v.size() + " bytes)");
      }
      if (output != null) {
        OutputFile.refuseVolumeFile(output, dir, v);
      }
      if (view != Volume.ORIGIN) {
        v.read(view, 0, ByteBuffer.allocate(0)); // fails early, before any output, if there is no such snapshot
        if (v.snapshot(view) == null || !v.snapshot(view).live()) {
          throw new Main.UserError("no snapshot " + view + " in " + dir);
        }
      }
      try (OutputStream out = output != null ? Files.newOutputStream(output) : new BufferedOutputStream(System.out, 1 << 20);
          ProgressBar bar = new ProgressBar("read", common.showProgress())) {
        byte[] buf = new byte[(int) Math.min(WriteCommand.BUFFER, Math.max(len, 1))];
        long done = 0;
        while (done < len) {
          int n = (int) Math.min(buf.length, len - done);
          v.read(view, offset + done, ByteBuffer.wrap(buf, 0, n));
          out.write(buf, 0, n);
          done += n;
          bar.update(done, len);
        }
        out.flush();
      }
    }
    return 0;
  }
}
