package io.deltasnap.cli;

import io.deltasnap.engine.DirectoryStorage;
import io.deltasnap.engine.Volume;
import io.deltasnap.receiver.Replica;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The checks and the publishing step for a file a command writes. An output is never one of a
 * volume's own files (its store, origin, lock or control socket: compared as files, so a link or
 * another path to them counts; nor any name the volume or a receiver keeps in its directory, such
 * as a staged transfer, whether or not it exists now), never one of the command's inputs, and replaces an existing file
 * only with {@code --force}. Files written whole (deltas) are written to a temporary file in the
 * same directory and renamed at the end, so a failure leaves no half file.
 */
final class OutputFile {
  private OutputFile() {}

  /** Refuses {@code out} when it is one of the files of the volume {@code v} open from {@code dir}. */
  static void refuseVolumeFile(Path out, Path dir, Volume v) throws IOException {
    List<Path> own = new ArrayList<>(List.of(dir.resolve(DirectoryStorage.STORE), dir.resolve(DirectoryStorage.LOCK),
        dir.resolve(ControlSocket.NAME), dir.resolve(DirectoryStorage.ORIGIN)));
    for (String name : Replica.OWN_FILES) {
      own.add(dir.resolve(name));
    }
    if (!v.originPath().isEmpty()) {
      own.add(Path.of(v.originPath()));
    }
    for (Path p : own) {
      if (same(out, p) || sameName(out, p)) {
        throw new Main.UserError("output " + out + " is " + p + ", a file of volume " + dir
            + "; writing it would destroy the volume");
      }
    }
  }

  /** Refuses {@code out} when it is the same file as one of {@code inputs}, with or without --force. */
  static void refuseInput(Path out, List<Path> inputs) throws IOException {
    for (Path in : inputs) {
      if (same(out, in)) {
        throw new Main.UserError("output " + out + " is also an input (" + in + "); write it elsewhere");
      }
    }
  }

  /** Refuses an existing {@code out} unless {@code force}. */
  static void refuseExisting(Path out, boolean force) {
    if (!force && Files.exists(out, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      throw new Main.UserError(out + " exists; give --force to replace it");
    }
    if (Files.isDirectory(out)) {
      throw new Main.UserError(out + " is a directory");
    }
  }

  /** A temporary file next to {@code out}, for {@link #publish}. */
  static Path temporary(Path out) throws IOException {
    return Files.createTempFile(out.toAbsolutePath().getParent(), "." + out.getFileName() + ".", ".part");
  }

  /**
   * Renames the complete {@code tmp} to {@code out}. Without {@code force} an {@code out} that
   * appeared meanwhile is not replaced (a hard link publishes without replacing where the file
   * system has them).
   */
  static void publish(Path tmp, Path out, boolean force) throws IOException {
    if (force) {
      Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      return;
    }
    try {
      Files.createLink(out, tmp);
      Files.delete(tmp);
    } catch (FileAlreadyExistsException e) {
      throw new Main.UserError(out + " exists; give --force to replace it");
    } catch (UnsupportedOperationException | FileSystemException e) {
      refuseExisting(out, false); // no hard links here: check, then rename
      Files.move(tmp, out, StandardCopyOption.ATOMIC_MOVE);
    }
  }

  /** {@code a} names the path {@code b} in the same directory, whether or not either exists yet. */
  private static boolean sameName(Path a, Path b) throws IOException {
    Path da = a.toAbsolutePath().normalize().getParent();
    Path db = b.toAbsolutePath().normalize().getParent();
    return da != null && db != null && a.getFileName().equals(b.getFileName()) && Files.isDirectory(da)
        && Files.isDirectory(db) && Files.isSameFile(da, db);
  }

  private static boolean same(Path a, Path b) throws IOException {
    return Files.exists(a) && Files.exists(b) && Files.isSameFile(a, b);
  }
}
