package io.deltasnap.cli;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** Runs the real command line in process, capturing stdout and stderr. */
final class Cli {
  record Result(int exit, byte[] stdout, String stderr) {
    String out() {
      return new String(stdout, StandardCharsets.UTF_8);
    }
  }

  static synchronized Result run(byte[] stdin, String... args) {
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    InputStream oldIn = System.in;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      System.setIn(new ByteArrayInputStream(stdin == null ? new byte[0] : stdin));
      int code = Main.run(args);
      System.out.flush();
      return new Result(code, out.toByteArray(), err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
      System.setIn(oldIn);
    }
  }

  static Result run(String... args) {
    return run(null, args);
  }

  /** Runs a command that must succeed (exit 0). */
  static Result ok(byte[] stdin, String... args) {
    Result r = run(stdin, args);
    org.junit.jupiter.api.Assertions.assertEquals(0, r.exit(), () -> String.join(" ", args) + " failed: " + r.stderr());
    return r;
  }

  static Result ok(String... args) {
    return ok(null, args);
  }

  /** Bad input: exit 1, one line on stderr starting "deltasnap: ", no stack trace. */
  static Result refused(String... args) {
    Result r = run(args);
    org.junit.jupiter.api.Assertions.assertEquals(1, r.exit(), () -> String.join(" ", args) + " should fail: " + r.stderr());
    org.junit.jupiter.api.Assertions.assertTrue(r.stderr().startsWith("deltasnap: "), r.stderr());
    org.junit.jupiter.api.Assertions.assertEquals(1, r.stderr().strip().lines().count(), "one line: " + r.stderr());
    org.junit.jupiter.api.Assertions.assertFalse(r.stderr().contains("\tat "), "no stack trace: " + r.stderr());
    return r;
  }

  /** Writes a trust or recipients file with mode 644 whatever the umask: one others may write is refused. */
  static void writeTrustFile(java.nio.file.Path p, String text) throws java.io.IOException {
    java.nio.file.Files.writeString(p, text);
    java.nio.file.Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
  }

  /** Reproducible random bytes. */
  static byte[] random(int n, long seed) {
    byte[] b = new byte[n];
    new java.util.Random(seed).nextBytes(b);
    return b;
  }
}
