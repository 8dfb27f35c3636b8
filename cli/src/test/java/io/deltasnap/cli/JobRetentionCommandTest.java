package io.deltasnap.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code job retention JOBFILE --simulate SPAN} through the real command line. */
class JobRetentionCommandTest {
  @TempDir
  Path tmp;

  Path job() throws Exception {
    Path f = tmp.resolve("vol.yaml");
    Files.writeString(f, "volume: vol\nschedule: 1h\nkey: k.key\nretention: {last: 2, daily: 3}\n"
        + "targets:\n  - {name: disk, path: disk, retention: {hourly: 4}}\n");
    return f;
  }

  @Test
  void itPrintsWhatEachSideKeepsAndWhyAndTouchesNothing() throws Exception {
    Path f = job();
    Cli.Result r = Cli.ok("job", "retention", f.toString(), "--simulate", "3d", "--from", "2026-12-01T00:00:00Z");
    String out = r.out();
    assertTrue(out.contains("73 passes from 2026-12-01T00:00:00Z to 2026-12-04T00:00:00Z"), out);
    assertTrue(out.contains("source (" + tmp.resolve("vol") + "), retention last 2, daily 3: keeps 3, pruned 70"), out);
    assertTrue(out.contains("keep 2026-12-02T23:00:00Z vol-20261202T230000Z: daily 2026-12-02 (3 of 3)"), out);
    assertTrue(out.contains("target disk (" + tmp.resolve("disk") + "), retention last 1, hourly 4: keeps 4, pruned 69"), out);
    Cli.Result j = Cli.ok("job", "retention", f.toString(), "--simulate", "3d", "--from", "2026-12-01T00:00:00Z", "--json");
    JsonDoc.parse(j.out());
    assertTrue(j.out().contains("\"passes\": 73"), j.out());
    assertTrue(j.out().contains("\"newest\"") && j.out().contains("\"pruned\": 70"), j.out());
    assertFalse(Files.exists(tmp.resolve("vol")), "no volume was made");
    assertFalse(Files.exists(tmp.resolve("vol.yaml.state")), "no state file was written");
  }

  @Test
  void badSpansAndTimesAreRefusedInOneLine() throws Exception {
    Path f = job();
    assertTrue(Cli.refused("job", "retention", f.toString(), "--simulate", "soon").stderr().contains("--simulate"));
    assertTrue(Cli.refused("job", "retention", f.toString(), "--simulate", "1d", "--from", "yesterday").stderr()
        .contains("--from"));
    assertTrue(Cli.refused("job", "retention", tmp.resolve("none.yaml").toString(), "--simulate", "1d").stderr()
        .contains("no job file"));
    assertEquals(2, Cli.run("job", "retention", f.toString()).exit(), "--simulate is required");
  }
}
