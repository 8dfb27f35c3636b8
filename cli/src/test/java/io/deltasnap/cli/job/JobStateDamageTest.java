package io.deltasnap.cli.job;

import static io.deltasnap.cli.job.JobCommandTest.cli;
import static io.deltasnap.cli.job.JobCommandTest.ok;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A damaged job state file never blocks the job: a pass sets it aside, does its work, writes a
 * good state and reports the damage once; {@code job status} says what is wrong and what to do.
 */
class JobStateDamageTest {
  @TempDir
  Path tmp;

  Path job;
  Path state;

  @BeforeEach
  void setUp() throws Exception {
    String src = tmp.resolve("src").toString();
    ok("keygen", "--output", tmp.resolve("site").toString());
    ok("init", src, "--size", "1M", "--chunk-size", "16K");
    Files.createDirectories(tmp.resolve("a"));
    job = tmp.resolve("nightly.yaml");
    Files.writeString(job, """
        volume: src
        schedule: 1h
        key: site.key
        trust: site.pub
        retention: {last: 2}
        targets:
          - {name: a, path: a}
        """);
    state = tmp.resolve("nightly.yaml.state");
  }

  @Test
  void aStateFileOfInvalidUtf8IsSetAsideReportedOnceAndRewritten() throws Exception {
    ok("job", "run", job.toString());
    byte[] damaged = {'l', 'a', 's', 't', (byte) 0xff, (byte) 0xfe, ':', ' ', '1', '\n'};
    Files.write(state, damaged);
    String st = cli(null, "job", "status", job.toString()).err();
    assertTrue(st.startsWith("deltasnap: ") && st.contains("not valid UTF-8") && st.contains("next pass sets it aside"), st);
    JobCommandTest.Result r = cli(null, "job", "run", job.toString());
    assertEquals(1, r.exit(), r.err());
    assertTrue(r.err().contains("is damaged (not valid UTF-8 text)") && r.err().contains("kept it as " + state + ".damaged"),
        r.err());
    assertEquals(1, r.err().strip().lines().count(), r.err());
    assertArrayEquals(damaged, Files.readAllBytes(Path.of(state + ".damaged")), "kept for the operator");
    ok("job", "status", job.toString()); // rewritten whole
    JobCommandTest.nextSecond();
    ok("job", "run", job.toString()); // and the next pass is clean
    String newest = newestId(ok("snapshot", "list", tmp.resolve("src").toString(), "--json").out());
    assertEquals(newest, newestId(ok("snapshot", "list", tmp.resolve("a").toString(), "--json").out()),
        "the target is up to date");
  }

  private static String newestId(String json) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"id\": (\\d+)").matcher(json);
    String last = null;
    while (m.find()) {
      last = m.group(1);
    }
    return last;
  }

  @Test
  void aStateFileThatIsNotAJobStateIsTreatedTheSame() throws Exception {
    for (String text : new String[] {"[unclosed\n", "just a string\n", "failures: many\n"}) {
      Files.writeString(state, text);
      JobCommandTest.Result r = cli(null, "job", "run", job.toString());
      assertEquals(1, r.exit(), r.err());
      assertTrue(r.err().contains("is damaged"), r.err());
      ok("job", "status", job.toString());
      JobCommandTest.nextSecond();
    }
  }
}
