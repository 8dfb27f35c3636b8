package io.deltasnap.cli.job;

import io.deltasnap.delta.DeltaHeader;
import io.deltasnap.delta.DeltaInspector;
import io.deltasnap.delta.Recipients;
import io.deltasnap.delta.WriterOptions;
import io.deltasnap.engine.SnapshotInfo;
import io.deltasnap.engine.Volume;
import io.deltasnap.sender.DeltaProducer;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;

/**
 * A directory of delta files ({@code deltas:} in a job file): offline replication to removable or
 * untrusted media. Each send writes {@code full-B.delta} or {@code A-B.delta} (a temporary file
 * renamed when complete), encrypted to {@code encrypt_to:} recipients when the job file names
 * them. The snapshots it holds are the targets of the chain of files that starts at a full delta,
 * read from the files' headers; {@code delta apply} of the files in that order rebuilds them.
 *
 * <p>Files are never deleted: retention is refused for this target (a later delta needs every
 * earlier one), and a missing directory means "target unavailable", as for a local replica.
 */
public final class DeltaFilesTarget implements ReplicationTarget {
  private static final Pattern FILE = Pattern.compile("(full|[0-9]+)-([0-9]+)\\.delta");

  private final String name;
  private final Path dir;
  private final UUID volume;
  private final Recipients encryptTo;

  /** @param encryptTo recipients of every delta written, or null for plain (signed only) deltas */
  public DeltaFilesTarget(String name, Path dir, UUID volume, Recipients encryptTo) {
    this.name = name;
    this.dir = dir;
    this.volume = volume;
    this.encryptTo = encryptTo;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public String where() {
    return dir.toString();
  }

  private void requireDir() throws IOException {
    if (!Files.isDirectory(dir)) {
      throw new IOException("delta directory " + dir + " is missing (not mounted?)");
    }
  }

  /** File name of the delta base → target ({@link Volume#ORIGIN}: a full delta). */
  static String fileName(long base, long target) {
    return (base == Volume.ORIGIN ? "full" : Long.toString(base)) + "-" + target + ".delta";
  }

  @Override
  public List<SnapshotInfo> snapshots() throws IOException {
    requireDir();
    Map<Long, DeltaHeader> byBase = new HashMap<>(); // base id (0: full) → the delta from it
    List<Path> files;
    try (var s = Files.list(dir)) {
      files = s.filter(p -> FILE.matcher(p.getFileName().toString()).matches()).sorted().toList();
    }
    for (Path p : files) {
      Matcher m = FILE.matcher(p.getFileName().toString());
      m.matches();
      DeltaHeader h;
      try (InputStream in = new BufferedInputStream(Files.newInputStream(p), 8192)) {
        h = DeltaInspector.header(in);
      }
      if (!h.volume().equals(volume)) {
        throw new IOException(p + " is a delta of volume " + h.volume() + ", not of " + volume
            + ": give each volume its own deltas: directory");
      }
      long base = h.isFull() ? Volume.ORIGIN : h.base().id();
      if (!m.group(1).equals(h.isFull() ? "full" : Long.toString(base)) || Long.parseLong(m.group(2)) != h.target().id()) {
        throw new IOException(p + " holds the delta " + fileName(base, h.target().id()) + ": its name was changed");
      }
      DeltaHeader newer = byBase.get(base);
      if (newer == null || h.target().id() > newer.target().id()) {
        byBase.put(base, h);
      }
    }
    List<SnapshotInfo> held = new ArrayList<>();
    for (DeltaHeader h = byBase.get(Volume.ORIGIN); h != null; h = byBase.get(h.target().id())) {
      var t = h.target();
      held.add(new SnapshotInfo(t.id(), t.uuid(), t.name(), t.createdMillis(), 0, t.writable(), SnapshotInfo.LIVE));
    }
    held.sort(Comparator.comparingLong(SnapshotInfo::id));
    return held;
  }

  @Override
  public Sent send(Volume source, long base, long target, Ed25519PrivateKeyParameters key, Volume.Progress progress)
      throws IOException {
    requireDir();
    Path out = dir.resolve(fileName(base, target));
    Path tmp = Files.createTempFile(dir, "." + out.getFileName() + ".", ".part");
    try {
      DeltaProducer.Result r;
      try (OutputStream o = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 20)) {
        r = DeltaProducer.write(source, base, target, key, o,
            new DeltaProducer.Options(true, WriterOptions.defaults().encryptedTo(encryptTo)), progress);
      }
      try (var ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
        ch.force(true); // on the medium before it has a name: the next pass counts on this file
      }
      Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      tmp = null;
      try (var d = java.nio.channels.FileChannel.open(dir, java.nio.file.StandardOpenOption.READ)) {
        d.force(true); // the new name too
      }
      return new Sent(r.summary().streamBytes(), r.records());
    } finally {
      if (tmp != null) {
        Files.deleteIfExists(tmp);
      }
    }
  }

  @Override
  public void delete(Collection<Long> ids) throws IOException {
    throw new IOException("a deltas: target keeps every file (each later delta needs the earlier ones)");
  }
}
