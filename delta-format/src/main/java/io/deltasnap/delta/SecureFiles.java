package io.deltasnap.delta;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The checks on every file that decides trust — signing keys, trust files, recipient lists and
 * secret keys — and the one way they are read.
 *
 * <p>Who could have changed the file, after ssh's StrictModes: the file must be owned by the user
 * running the command or by root and be writable by no one else, and so must every directory from
 * the one holding it up to {@code /} (for a symbolic link, both the link's directories and its
 * target's). A directory others may write is accepted only with the sticky bit (as {@code /tmp}):
 * there no one else can remove or rename the file, which is what the check is about. A secret
 * (a private or secret key) must moreover be readable by no one else.
 *
 * <p>Reading: at most a given number of bytes, whatever the file is (a regular file, a device, a
 * pipe): a file with more is refused, never read to its end; the bytes must be UTF-8.
 */
final class SecureFiles {
    private static final int GROUP_OTHER_WRITE = 0022;
    private static final int GROUP_OTHER_ANY = 0077;
    private static final int STICKY = 01000;
    private static final long ROOT = 0;

    private SecureFiles() {}

    /** Refuses {@code path} when anyone but its user (or root) could have changed it; {@code what} names it in errors. */
    static void requireUnmodifiableByOthers(Path path, String what) throws IOException {
        check(path, what, false);
    }

    /** As {@link #requireUnmodifiableByOthers}, and refuses a file that group or others may read. */
    static void requireOwnerOnly(Path path, String what) throws IOException {
        check(path, what, true);
    }

    private static void check(Path path, String what, boolean secret) throws IOException {
        long me = new com.sun.security.auth.module.UnixSystem().getUid();
        Map<String, Object> a = Files.readAttributes(path, "unix:uid,mode");
        long uid = ((Number) a.get("uid")).longValue();
        int mode = ((Number) a.get("mode")).intValue();
        if (uid != me && uid != ROOT) {
            throw new KeyFileException(path, 0, what + " is owned by uid " + uid + ", not by you (uid " + me
                    + ") or root: someone else could change it");
        }
        if (secret && (mode & GROUP_OTHER_ANY) != 0) {
            throw new KeyFileException(path, 0, what + " is accessible by others (" + perms(mode) + "); run chmod 600 on it");
        }
        if ((mode & GROUP_OTHER_WRITE) != 0) {
            throw new KeyFileException(path, 0, what + " is writable by group or others (" + perms(mode)
                    + "); run chmod go-w on it");
        }
        Path linkDir = path.toAbsolutePath().getParent().toRealPath();
        checkDirectories(path, what, linkDir, me);
        Path target;
        try {
            target = path.toRealPath().getParent();
        } catch (NoSuchFileException e) {
            target = linkDir; // a pipe (/dev/fd/N) names no path: its link's directories are all there is
        }
        if (!target.equals(linkDir)) {
            checkDirectories(path, what, target, me);
        }
    }

    private static void checkDirectories(Path path, String what, Path dir, long me) throws IOException {
        for (Path d = dir; d != null; d = d.getParent()) {
            Map<String, Object> a = Files.readAttributes(d, "unix:uid,mode");
            long uid = ((Number) a.get("uid")).longValue();
            int mode = ((Number) a.get("mode")).intValue();
            if (uid != me && uid != ROOT) {
                throw new KeyFileException(path, 0, what + " is in directory " + d + ", owned by uid " + uid
                        + ", not by you or root: someone else could replace the file");
            }
            if ((mode & GROUP_OTHER_WRITE) != 0 && (mode & STICKY) == 0) {
                throw new KeyFileException(path, 0, what + " is in directory " + d + ", which group or others may write ("
                        + perms(mode) + ", no sticky bit): someone else could replace the file; run chmod go-w " + d);
            }
        }
    }

    /**
     * The lines of {@code path}, read to at most {@code maxBytes}.
     *
     * @throws KeyFileException when it holds more, or is not UTF-8
     */
    static List<String> readLines(Path path, long maxBytes) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (InputStream in = Files.newInputStream(path)) {
            byte[] b = new byte[8192];
            int n;
            while ((n = in.read(b, 0, (int) Math.min(b.length, maxBytes + 1 - buf.size()))) > 0) {
                buf.write(b, 0, n);
                if (buf.size() > maxBytes) {
                    throw new KeyFileException(path, 0, "holds more than " + maxBytes + " bytes: not a key or trust file");
                }
            }
        }
        try {
            String text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(buf.toByteArray())).toString();
            return text.lines().toList();
        } catch (CharacterCodingException e) {
            throw new KeyFileException(path, 0, "not valid UTF-8 text");
        }
    }

    /** Mode 600: a private or secret key. */
    static final Set<PosixFilePermission> SECRET = PosixFilePermissions.fromString("rw-------");
    /** Mode 644: a public key or recipient. */
    static final Set<PosixFilePermission> PUBLIC = PosixFilePermissions.fromString("rw-r--r--");

    /**
     * Writes a new file (never replacing one, nor following a link where it would go) with exactly
     * {@code mode}, whatever the umask: the mode given at creation can only have been narrowed by
     * the umask, and is then set as it should be.
     */
    static void createFile(Path path, String content, Set<PosixFilePermission> mode) throws IOException {
        Set<PosixFilePermission> atCreation = EnumSet.copyOf(mode);
        atCreation.retainAll(SECRET); // nothing beyond 600 before the content is there
        try (OutputStream o = Channels.newOutputStream(Files.newByteChannel(path,
                EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                PosixFilePermissions.asFileAttribute(atCreation)))) {
            o.write(content.getBytes(StandardCharsets.UTF_8));
        }
        Files.setPosixFilePermissions(path, mode);
    }

    /** Writes a new secret file and its public companion with {@link #createFile}; neither, if either exists. */
    static void createPair(Path secret, String secretContent, Path pub, String pubContent) throws IOException {
        if (Files.exists(pub, LinkOption.NOFOLLOW_LINKS)) {
            throw new FileAlreadyExistsException(pub.toString());
        }
        createFile(secret, secretContent, SECRET);
        try {
            createFile(pub, pubContent, PUBLIC);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(secret); // ours: made just now, with CREATE_NEW
            throw e;
        }
    }

    private static String perms(int mode) {
        StringBuilder s = new StringBuilder();
        String rwx = "rwxrwxrwx";
        for (int i = 0; i < 9; i++) {
            s.append((mode & (0400 >> i)) != 0 ? rwx.charAt(i) : '-');
        }
        return s.toString();
    }
}
