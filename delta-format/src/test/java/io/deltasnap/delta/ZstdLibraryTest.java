package io.deltasnap.delta;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * zstd's native library still loads, and a delta still round-trips, when the temporary directory
 * will not do (here it does not exist; a {@code noexec} {@code /tmp} fails the same way): the
 * library comes from the cache directory instead. Runs in a fresh JVM, since a JVM loads the
 * library once.
 */
class ZstdLibraryTest {
    @TempDir
    Path tmp;

    /** The child JVM: writes and reads back a compressible delta, prints "ok". */
    public static void main(String[] args) throws Exception {
        byte[] volume = new byte[256 * 1024];
        for (int i = 0; i < volume.length; i++) {
            volume[i] = (byte) ("abcabcabd".charAt(i % 9));
        }
        byte[] delta = Fixtures.write(Fixtures.full(4096, volume.length), w -> w.writeData(0, volume));
        assertTrue(delta.length < volume.length / 4, "compressed: " + delta.length);
        assertArrayEquals(volume, Fixtures.apply(new byte[volume.length], Fixtures.readAll(delta, null)));
        System.out.println("ok");
    }

    @Test
    void loadsFromTheCacheDirectoryWhenTheTemporaryDirectoryWillNotDo() throws IOException, InterruptedException {
        Path cache = tmp.resolve("cache");
        String out = child(tmp.resolve("no-such-tmp"), cache);
        assertEquals("ok", out.strip());
        assertTrue(Files.isDirectory(cache.resolve("deltasnap")), "unpacked under " + cache);
    }

    @Test
    void loadsFromTheTemporaryDirectoryWhenItWorks() throws IOException, InterruptedException {
        Path temp = Files.createDirectory(tmp.resolve("tmp"));
        Path cache = tmp.resolve("cache");
        assertEquals("ok", child(temp, cache).strip());
        assertFalse(Files.exists(cache), "the cache directory is only the fallback");
    }

    private static String child(Path javaTmp, Path cache) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djava.io.tmpdir=" + javaTmp, "-cp", System.getProperty("java.class.path"), ZstdLibraryTest.class.getName());
        pb.environment().put("XDG_CACHE_HOME", cache.toString());
        pb.redirectErrorStream(true);
        Process p = pb.start();
        byte[] output = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "child JVM did not finish");
        String text = new String(output, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), text);
        return text;
    }
}
