package io.deltasnap.nbd;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs external NBD tools for tests, each bounded in time; skips tests whose tool is missing. */
final class Tools {
    private Tools() {}

    record Result(int exit, String stdout, String stderr) {
        String all() {
            return stdout + stderr;
        }
    }

    static boolean installed(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    static void assumeInstalled(String tool) {
        assumeTrue(installed(tool), tool + " is not installed (Debian: libnbd-bin / qemu-utils / nbdkit); skipping");
    }

    static Result run(List<String> command) throws IOException, InterruptedException {
        return run(command, 60);
    }

    /**
     * nbdsh is a shell script running {@code python3 -m nbd}; the Debian module lives in the
     * system Python, so the system directories go first on PATH (a pyenv or venv python3 would
     * not find it).
     */
    static void assumeNbdsh() throws IOException, InterruptedException {
        assumeInstalled("nbdsh");
        Result r = run(List.of("nbdsh", "--version"), 30);
        assumeTrue(r.exit() == 0, "nbdsh does not run (Debian: python3-libnbd): " + r.all());
    }

    static Result run(List<String> command, int timeoutSeconds) throws IOException, InterruptedException {
        Path outFile = Files.createTempFile("nbd-tool", ".out");
        Path errFile = Files.createTempFile("nbd-tool", ".err");
        try {
            ProcessBuilder pb = new ProcessBuilder(command);
            pb.environment().put("PATH", "/usr/bin:/bin:" + System.getenv().getOrDefault("PATH", ""));
            Process p = pb
                    .redirectOutput(outFile.toFile())
                    .redirectError(errFile.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                throw new AssertionError(command + " did not finish within " + timeoutSeconds + " s; stderr: "
                        + Files.readString(errFile, StandardCharsets.UTF_8));
            }
            return new Result(p.exitValue(), Files.readString(outFile, StandardCharsets.UTF_8),
                    Files.readString(errFile, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(outFile);
            Files.deleteIfExists(errFile);
        }
    }

    static Result runOk(List<String> command) throws IOException, InterruptedException {
        Result r = run(command);
        if (r.exit() != 0) {
            throw new AssertionError(command + " exited " + r.exit() + "\nstdout: " + r.stdout() + "\nstderr: " + r.stderr());
        }
        return r;
    }
}
