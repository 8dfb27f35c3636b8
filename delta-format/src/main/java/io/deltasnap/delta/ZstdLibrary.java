package io.deltasnap.delta;

import com.github.luben.zstd.util.Native;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Loads zstd's native library once, before any zstd class needs it. zstd-jni unpacks the library
 * into the temporary directory and loads it from there; where that directory is mounted
 * {@code noexec} (a common hardening of {@code /tmp}) or cannot be written, the load fails, and it
 * would fail for good inside a zstd class's static initializer. So the classes that use zstd load
 * it through here first, and a failed load is tried again from the user's cache directory
 * ({@code $XDG_CACHE_HOME/deltasnap}, else {@code ~/.cache/deltasnap}).
 */
public final class ZstdLibrary {
    private static boolean loaded;

    private ZstdLibrary() {}

    /** Loads the library if it is not yet; throws {@link UnsatisfiedLinkError} saying where both tries failed. */
    public static synchronized void load() {
        if (loaded) {
            return;
        }
        try {
            Native.load();
        } catch (LinkageError inTemp) { // UnsatisfiedLinkError (noexec), ExceptionInInitializerError (cannot unpack)
            Path dir = cacheDir();
            try {
                Files.createDirectories(dir);
                Native.load(dir.toFile());
            } catch (IOException | LinkageError inCache) {
                UnsatisfiedLinkError e = new UnsatisfiedLinkError("cannot load zstd's native library, neither from the "
                        + "temporary directory " + System.getProperty("java.io.tmpdir") + " (" + inTemp.getMessage()
                        + ") nor from " + dir + " (" + inCache.getMessage() + ")");
                e.addSuppressed(inTemp);
                e.addSuppressed(inCache);
                throw e;
            }
        }
        loaded = true;
    }

    /** Where the library is unpacked when the temporary directory will not do. */
    static Path cacheDir() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("deltasnap");
    }
}
