package io.deltasnap.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A scrape of a metrics endpoint over HTTP, parsed as Prometheus text exposition (format 0.0.4):
 * the type of each family and every sample with its labels. Lines that fit neither form fail the
 * parse, so malformed output cannot pass unnoticed.
 */
record Exposition(String text, Map<String, String> types, List<Sample> samples) {
  record Sample(String name, Map<String, String> labels, double value) {}

  private static final Pattern TYPE = Pattern.compile("# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|untyped|summary|histogram)");
  private static final Pattern SAMPLE = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)\\})? (\\S+)");
  private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\",?");

  static Exposition scrape(String url) throws IOException, InterruptedException {
    HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url))
        .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), url + ": " + r.body());
    assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"), r.headers().toString());
    return parse(r.body());
  }

  static Exposition parse(String text) {
    Map<String, String> types = new LinkedHashMap<>();
    List<Sample> samples = new ArrayList<>();
    for (String line : text.split("\n")) {
      if (line.isEmpty() || line.startsWith("# HELP ")) {
        continue;
      }
      Matcher t = TYPE.matcher(line);
      if (t.matches()) {
        types.put(t.group(1), t.group(2));
        continue;
      }
      Matcher s = SAMPLE.matcher(line);
      assertTrue(s.matches(), "not exposition text: " + line);
      Map<String, String> labels = new LinkedHashMap<>();
      if (s.group(3) != null) {
        Matcher l = LABEL.matcher(s.group(3));
        int end = 0;
        while (l.find() && l.start() == end) {
          labels.put(l.group(1), l.group(2));
          end = l.end();
        }
        assertEquals(s.group(3).length(), end, "bad labels: " + line);
      }
      samples.add(new Sample(s.group(1), labels, Double.parseDouble(s.group(4))));
    }
    return new Exposition(text, types, samples);
  }

  /** The one sample of {@code name} with these labels (pairs of name, value); fails if absent. */
  double value(String name, String... labels) {
    Map<String, String> want = new LinkedHashMap<>();
    for (int i = 0; i < labels.length; i += 2) {
      want.put(labels[i], labels[i + 1]);
    }
    List<Sample> m = samples.stream().filter(s -> s.name().equals(name)
        && s.labels().entrySet().containsAll(want.entrySet())).toList();
    assertEquals(1, m.size(), () -> name + want + " in:\n" + text);
    return m.get(0).value();
  }

  boolean has(String name) {
    return samples.stream().anyMatch(s -> s.name().equals(name));
  }

  /** Runs {@code promtool check metrics} on the text if promtool is installed; false if it is not. */
  boolean promtoolAccepts() throws IOException, InterruptedException {
    Path promtool = java.util.Arrays.stream(System.getenv("PATH").split(":")).map(d -> Path.of(d, "promtool"))
        .filter(Files::isExecutable).findFirst().orElse(null);
    if (promtool == null) {
      return false;
    }
    Process p = new ProcessBuilder(promtool.toString(), "check", "metrics").redirectErrorStream(true).start();
    p.getOutputStream().write(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertTrue(p.waitFor(30, TimeUnit.SECONDS), "promtool hangs");
    assertEquals(0, p.exitValue(), "promtool check metrics: " + out);
    return true;
  }
}
