package io.deltasnap.cli;

import io.deltasnap.engine.DirectoryStorage;
import java.io.Closeable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The claim that {@code init --origin PATH} makes on an existing file or block device, so that
 * two volumes never share an origin. Without a label on the origin (its contents are the user's,
 * all of them), three checks stand in for one:
 *
 * <ul>
 *   <li>the path is not a volume's own file: not a deltasnap store (by its superblock magic, under
 *       any name or link), and not a file named {@code origin} or {@code store} in a directory
 *       that holds a volume;
 *   <li>no open volume uses it: an open volume holds an {@code fcntl} lock on its origin
 *       ({@link DirectoryStorage#openOrigin}), also while it is served;
 *   <li>no volume recorded it: for a regular file, a claim file {@code .NAME.deltasnap-origin}
 *       beside it names the volume that adopted it. It is made with {@code O_EXCL} before the
 *       volume, so of two inits on one file one wins; and a claim whose volume is gone (its
 *       directory holds no store) is stale and taken over.
 * </ul>
 *
 * <p>A block device gets no claim file (a directory such as {@code /dev} does not survive a
 * reboot, and the device's contents are not ours to mark): the first two checks are what protect
 * it, so a device adopted by a volume that is closed now is not recognized. See docs/cli.md.
 */
final class OriginClaim implements Closeable {
  static final String SUFFIX = ".deltasnap-origin";

  private final Path claim; // null for a block device
  private boolean keep;

  private OriginClaim(Path claim) {
    this.claim = claim;
  }

  /**
   * Checks {@code origin} for the volume to be made in {@code volumeDir}, and claims it.
   *
   * @throws Main.UserError naming the volume that owns it, when one does
   */
  static OriginClaim claim(Path origin, Path volumeDir) throws IOException {
    Path real = origin.toRealPath();
    if (!Files.isRegularFile(real) && !isBlockDevice(real)) {
      throw new Main.UserError("origin " + origin + " is neither a regular file nor a block device");
    }
    Path parent = real.getParent();
    String name = real.getFileName().toString();
    if ((name.equals(DirectoryStorage.ORIGIN) || name.equals(DirectoryStorage.STORE))
        && Files.isRegularFile(parent.resolve(DirectoryStorage.STORE), LinkOption.NOFOLLOW_LINKS)) {
      throw new Main.UserError("origin " + origin + " is the " + name + " of volume " + parent
          + "; two volumes on one origin would destroy each other's data");
    }
    if (DirectoryStorage.looksLikeStore(real)) {
      throw new Main.UserError("origin " + origin + " holds a deltasnap store (a volume's store file, or a copy of one)");
    }
    if (DirectoryStorage.originInUse(real)) {
      throw new Main.UserError("origin " + origin + " is in use by an open volume (a served or running one)");
    }
    if (!Files.isRegularFile(real)) {
      return new OriginClaim(null);
    }
    Path claim = parent.resolve("." + name + SUFFIX);
    String record = "volume " + volumeDir.toAbsolutePath().normalize() + "\n";
    for (int attempt = 0; attempt < 2; attempt++) {
      try {
        Files.writeString(claim, record, StandardCharsets.UTF_8, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        return new OriginClaim(claim);
      } catch (FileAlreadyExistsException e) {
        Path owner = owner(claim);
        if (owner != null && Files.isRegularFile(owner.resolve(DirectoryStorage.STORE))) {
          throw new Main.UserError("origin " + origin + " belongs to volume " + owner + " (recorded in " + claim
              + "); two volumes on one origin would destroy each other's data");
        }
        Files.deleteIfExists(claim); // stale: the volume that made it is gone
      }
    }
    throw new Main.UserError("origin " + origin + " is being claimed by another init at the same time");
  }

  /** The volume a claim file names, or null if it names none. */
  private static Path owner(Path claim) throws IOException {
    String text;
    try (var in = Files.newInputStream(claim)) {
      text = new String(in.readNBytes(8192), StandardCharsets.UTF_8).strip();
    }
    return text.startsWith("volume ") ? Path.of(text.substring("volume ".length())) : null;
  }

  private static boolean isBlockDevice(Path p) throws IOException {
    Object mode = Files.getAttribute(p, "unix:mode");
    return (((Integer) mode) & 0170000) == 0060000;
  }

  /** The volume is made: the claim stays. */
  void keep() {
    keep = true;
  }

  /** Withdraws the claim unless kept. */
  @Override
  public void close() throws IOException {
    if (!keep && claim != null) {
      Files.deleteIfExists(claim);
    }
  }
}
