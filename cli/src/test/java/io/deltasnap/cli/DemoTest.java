package io.deltasnap.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The demo runs end to end and verifies what it did. */
class DemoTest {
  @Test
  void theDemoReplicatesRestoresAndVerifies(@TempDir Path tmp) {
    Cli.Result r = Cli.run("demo", "--dir", tmp.resolve("d").toString(), "--size", "16M", "--json");
    assertEquals(0, r.exit(), r.stderr());
    assertTrue(r.out().contains("\"verified\": true"), r.out());
    assertTrue(r.out().contains("\"incremental\""), r.out());
    assertTrue(r.out().contains("\"verifiedWithoutKey\": true"), r.out());
    Cli.Result text = Cli.run("demo", "--size", "8M");
    assertEquals(0, text.exit(), text.stderr());
    assertTrue(text.out().contains("8. verified byte for byte"), text.out());
    assertEquals(1, Cli.run("demo", "--dir", tmp.resolve("d").toString(), "--size", "16M").exit(), "refuses to reuse a demo dir");
  }
}
