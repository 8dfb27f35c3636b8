package io.deltasnap.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * zstd's native library is unpacked into the temporary directory; where that cannot be used (a
 * {@code noexec} {@code /tmp} fails the same way as a missing one, used here), commands fall back
 * to the cache directory, and where neither can, they say so in one line and exit 1.
 */
@Timeout(120)
class NativeLibraryTest {
  @TempDir
  Path tmp;

  @Test
  void aCommandWorksWhenOnlyTheCacheDirectoryCanHoldTheLibrary() throws Exception {
    String vol = volumeWithASnapshot();
    Run r = run(tmp.resolve("no-such-tmp"), tmp.resolve("cache"), "delta", "create", vol, "--snapshot", "1",
        "--key", tmp.resolve("k.key").toString(), "--output", tmp.resolve("d.delta").toString(), "--no-progress");
    assertEquals(0, r.code, r.output);
    assertTrue(Files.size(tmp.resolve("d.delta")) > 0);
  }

  @Test
  void whenNeitherCanHoldItTheCommandSaysSoInOneLine() throws Exception {
    String vol = volumeWithASnapshot();
    Path notADirectory = Files.writeString(tmp.resolve("cache-is-a-file"), "x");
    Run r = run(tmp.resolve("no-such-tmp"), notADirectory, "delta", "create", vol, "--snapshot", "1",
        "--key", tmp.resolve("k.key").toString(), "--output", tmp.resolve("d.delta").toString(), "--no-progress");
    assertEquals(1, r.code, r.output);
    List<String> lines = r.output.lines().toList();
    assertEquals(1, lines.size(), r.output);
    assertTrue(lines.get(0).startsWith("deltasnap: cannot load zstd's native library"), r.output);
    assertTrue(Files.notExists(tmp.resolve("d.delta")) || Files.size(tmp.resolve("d.delta")) == 0, "no delta written");
  }

  private String volumeWithASnapshot() {
    String vol = tmp.resolve("vol").toString();
    Cli.ok("keygen", "--output", tmp.resolve("k").toString());
    Cli.ok("init", vol, "--size", "4M");
    Cli.ok(Cli.random(1 << 20, 3), "write", vol, "--offset", "0");
    Cli.ok("snapshot", "create", vol);
    return vol;
  }

  private record Run(int code, String output) {}

  /** The command in a fresh JVM (one loads the library once), with the given temporary and cache directories. */
  private static Run run(Path javaTmp, Path cache, String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Djava.io.tmpdir=" + javaTmp, "-cp", System.getProperty("java.class.path"), Main.class.getName()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().put("XDG_CACHE_HOME", cache.toString());
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    return new Run(p.exitValue(), out);
  }
}
