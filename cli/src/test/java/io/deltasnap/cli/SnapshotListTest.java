package io.deltasnap.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.deltasnap.engine.DirectoryStorage;
import io.deltasnap.engine.SnapshotInfo;
import io.deltasnap.engine.Volume;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code snapshot list}: streamed output, and --since, --limit and --name picking part of it. */
class SnapshotListTest {
  @TempDir
  Path tmp;

  private String vol() {
    return tmp.resolve("vol").toString();
  }

  /** Snapshots 1..6: daily-1, weekly-1, daily-2, daily-3 (deleted: 4), weekly-2, daily-10. */
  private void sixSnapshotsOneDeleted() {
    Cli.ok("init", vol(), "--size", "1M");
    for (String n : new String[] {"daily-1", "weekly-1", "daily-2", "daily-3", "weekly-2", "daily-10"}) {
      Cli.ok("snapshot", "create", vol(), "--name", n);
    }
    Cli.ok("snapshot", "delete", vol(), "4");
  }

  /** The IDs a text listing shows, after checking its header. */
  static List<Long> textIds(String out) {
    List<String> lines = out.lines().toList();
    assertTrue(lines.get(0).startsWith("ID "), out);
    List<Long> ids = new ArrayList<>();
    for (String l : lines.subList(1, lines.size())) {
      ids.add(Long.parseLong(l.substring(0, l.indexOf(' '))));
    }
    return ids;
  }

  /** The IDs of a JSON listing, which must be one valid JSON array of snapshot objects. */
  static List<Long> jsonIds(String out) {
    Object doc = JsonDoc.parse(out);
    assertTrue(doc instanceof List<?>, out);
    List<Long> ids = new ArrayList<>();
    for (Object o : (List<?>) doc) {
      Map<?, ?> m = (Map<?, ?>) o;
      assertEquals(List.of("id", "uuid", "name", "created", "writable"), List.copyOf(m.keySet()), out);
      ids.add((Long) m.get("id"));
    }
    return ids;
  }

  private List<Long> both(String... options) {
    List<String> args = new ArrayList<>(List.of("snapshot", "list", vol()));
    args.addAll(List.of(options));
    List<Long> text = textIds(Cli.ok(args.toArray(String[]::new)).out());
    args.add("--json");
    assertEquals(text, jsonIds(Cli.ok(args.toArray(String[]::new)).out()), "text and JSON agree: " + args);
    return text;
  }

  @Test
  void sinceLimitAndNameSelectTheSameSnapshotsInTextAndJson() {
    sixSnapshotsOneDeleted();
    assertEquals(List.of(1L, 2L, 3L, 5L, 6L), both());
    assertEquals(List.of(3L, 5L, 6L), both("--since", "2"), "--since is exclusive");
    assertEquals(List.of(5L, 6L), both("--since", "3"), "a deleted ID is skipped");
    assertEquals(List.of(), both("--since", "6"));
    assertEquals(List.of(1L, 2L), both("--limit", "2"));
    assertEquals(List.of(), both("--limit", "0"));
    assertEquals(List.of(3L, 5L), both("--since", "2", "--limit", "2"));
    assertEquals(List.of(1L, 3L, 6L), both("--name", "daily-*"));
    assertEquals(List.of(1L, 3L), both("--name", "daily-?"));
    assertEquals(List.of(3L, 6L), both("--name", "daily-*", "--since", "1"));
    assertEquals(List.of(3L), both("--name", "daily-*", "--since", "1", "--limit", "1"),
        "--limit counts the snapshots that pass the name filter");
    assertEquals(List.of(2L), both("--name", "weekly-1"), "a glob is matched against the whole name");
    assertEquals(List.of(), both("--name", "daily"));
    assertEquals(List.of(), both("--name", "daily-\\*"), "a backslash makes * literal");
    assertEquals(List.of(), both("--since", "9223372036854775807"));
  }

  @Test
  void unfilteredJsonIsTheDocumentTheWholeListMade() throws Exception {
    Cli.ok("init", vol(), "--size", "1M");
    assertEquals("[]" + System.lineSeparator(), Cli.ok("snapshot", "list", vol(), "--json").out());
    Cli.ok("snapshot", "create", vol(), "--name", "a \"quoted\" \\ name");
    Cli.ok("snapshot", "create", vol(), "--writable");
    String streamed = Cli.ok("snapshot", "list", vol(), "--json").out();
    List<Object> whole = Json.arr();
    try (Volume v = Volume.open(new DirectoryStorage(Path.of(vol())))) {
      for (SnapshotInfo s : v.snapshots()) {
        whole.add(Volumes.json(s));
      }
    }
    assertEquals(Json.write(whole) + System.lineSeparator(), streamed);
    assertEquals("a \"quoted\" \\ name", ((Map<?, ?>) ((List<?>) JsonDoc.parse(streamed)).get(0)).get("name"));
  }

  @Test
  void theArrayWriterWritesWhatJsonWriteWrites() {
    for (int n = 0; n < 4; n++) {
      List<Object> whole = Json.arr();
      StringWriter sw = new StringWriter();
      PrintWriter pw = new PrintWriter(sw);
      Json.ArrayWriter w = new Json.ArrayWriter(pw);
      for (int i = 0; i < n; i++) {
        Map<String, Object> m = Json.obj();
        m.put("i", i);
        m.put("list", List.of(i, "x"));
        m.put("empty", Json.obj());
        whole.add(m);
        w.add(m);
      }
      w.finish();
      pw.flush();
      assertEquals(Json.write(whole) + System.lineSeparator(), sw.toString(), n + " elements");
    }
  }

  @Test
  void badValuesAreOneErrorLine() {
    Cli.ok("init", vol(), "--size", "1M");
    Cli.ok("snapshot", "create", vol());
    Cli.refused("snapshot", "list", vol(), "--limit", "-1");
    Cli.refused("snapshot", "list", vol(), "--limit", "five", "--json");
    Cli.refused("snapshot", "list", vol(), "--limit", "");
    Cli.refused("snapshot", "list", vol(), "--limit", "+5");
    Cli.refused("snapshot", "list", vol(), "--limit", "99999999999999999999");
    Cli.refused("snapshot", "list", vol(), "--since", "-3");
    Cli.refused("snapshot", "list", vol(), "--since", "1.5");
    Cli.refused("snapshot", "list", vol(), "--since", "0x10");
    Cli.refused("snapshot", "list", vol(), "--name", "trailing\\");
    Cli.Result r = Cli.refused("snapshot", "list", vol(), "--limit", "-1", "--json");
    assertEquals("", r.out(), "nothing on stdout after a refused option");
  }

  @Test
  @Timeout(300)
  void thousandsOfSnapshotsListedWithALimitOfFive() throws Exception {
    // Enough snapshots to cross several of the engine's 1,024-entry batches; kept this size so the
    // default test run stays short (each create is a durable commit).
    Cli.ok("init", vol(), "--size", "1M");
    int n = 3_000;
    try (Volume v = Volume.open(new DirectoryStorage(Path.of(vol())))) {
      for (int i = 1; i <= n; i++) {
        v.createSnapshot("s-" + i, i % 2 == 0);
      }
      v.deleteSnapshot(2_998);
    }
    assertEquals(List.of(1L, 2L, 3L, 4L, 5L), both("--limit", "5"));
    assertEquals(List.of(2_996L, 2_997L, 2_999L, 3_000L), both("--since", "2995", "--limit", "5"));
    assertEquals(List.of(2_046L, 2_047L, 2_048L, 2_049L, 2_050L), both("--since", "2045", "--limit", "5"));
    assertEquals(List.of(2_990L, 2_991L, 2_992L, 2_993L, 2_994L), both("--name", "s-299?", "--limit", "5"));
    String page = Cli.ok("snapshot", "list", vol(), "--since", "1023", "--limit", "1", "--json").out();
    Map<?, ?> s = (Map<?, ?>) ((List<?>) JsonDoc.parse(page)).get(0);
    assertEquals(1024L, s.get("id"));
    assertEquals("s-1024", s.get("name"));
    assertEquals(true, s.get("writable"));
    assertEquals(n - 1, textIds(Cli.ok("snapshot", "list", vol()).out()).size());
    assertEquals(n - 1, jsonIds(Cli.ok("snapshot", "list", vol(), "--json").out()).size());
  }

  @Test
  @Timeout(120)
  void theOptionsWorkOnAVolumeAServerHolds() throws Exception {
    sixSnapshotsOneDeleted();
    Process server = ServeTest.serve(Path.of(vol()));
    try {
      ServeTest.port(server);
      assertTrue(Files.exists(ControlSocket.path(Path.of(vol()))));
      assertEquals(List.of(1L, 2L, 3L, 5L, 6L), both());
      assertEquals(List.of(3L, 6L), both("--name", "daily-*", "--since", "1", "--limit", "2"));
      Cli.refused("snapshot", "list", vol(), "--limit", "-1");
    } finally {
      server.destroy();
      assertTrue(server.waitFor(30, TimeUnit.SECONDS), "serve did not stop on SIGTERM");
    }
  }
}
