package io.deltasnap.cli;

import io.deltasnap.cli.job.Durations;
import io.deltasnap.cli.job.JobSpec;
import io.deltasnap.cli.job.RetentionSimulator;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code job retention JOBFILE --simulate SPAN}: what the schedule and the retention keep over time. */
@Command(name = "retention", mixinStandardHelpOptions = true,
    description = {"Simulate the job's schedule and retention: a snapshot at every scheduled time from --from "
        + "(default: now) for --simulate, each side pruned by its own retention after each one, as passes that "
        + "all succeed would do; print what each side keeps at the end, and why.",
        "Reads the job file only: touches no volume, state file or target."})
final class JobRetentionCommand extends VolumeCommand {
  @Parameters(index = "0", paramLabel = "JOBFILE", description = "The job file (YAML; see docs/jobs.md).")
  Path file;

  @Option(names = "--simulate", required = true, paramLabel = "SPAN",
      description = "How long to simulate: 30d, 12w, 1h30m, ... (at most 100 years and "
          + RetentionSimulator.MAX_PASSES + " passes).")
  String span;

  @Option(names = "--from", paramLabel = "TIME", description = "When the first simulated pass runs, as "
      + "2026-12-01T00:00:00Z (default: now).")
  String from;

  /** For tests: what "now" is. */
  Clock clock = Clock.systemUTC();

  @Override
  public Integer call() throws Exception {
    Duration d = Durations.parse(span);
    if (d == null) {
      throw new Main.UserError("--simulate: \"" + span + "\" is not a duration of at most 100 years (say 30d, 12w, 6h)");
    }
    Instant start;
    try {
      start = from == null ? clock.instant() : Instant.parse(from);
    } catch (DateTimeParseException e) {
      throw new Main.UserError("--from: \"" + from + "\" is not a UTC time like 2026-12-01T00:00:00Z");
    }
    JobSpec job = JobCommand.load(file);
    RetentionSimulator.Result r;
    try {
      r = RetentionSimulator.simulate(job, start, d);
    } catch (IllegalArgumentException e) {
      throw new Main.UserError("job " + job.name() + ": " + e.getMessage());
    }
    if (common.json) {
      out().println(Json.write(json(job, r)));
      return 0;
    }
    out().println("job " + job.name() + " (simulated: nothing changed): " + job.schedule().describe() + ", "
        + r.passes() + " passes from " + r.from() + " to " + r.until());
    for (RetentionSimulator.Side s : r.sides()) {
      out().println("  " + (s.name().equals("source") ? "source " : "target " + s.name() + " ") + "(" + s.where()
          + "), retention " + s.retention().describe() + ": keeps " + s.kept().size() + ", pruned " + s.pruned());
      for (RetentionSimulator.Kept k : s.kept()) {
        out().println("    keep " + k.snap().time() + " " + k.snap().name() + ": " + String.join("; ", k.why()));
      }
    }
    return 0;
  }

  private static Map<String, Object> json(JobSpec job, RetentionSimulator.Result r) {
    Map<String, Object> m = Json.obj();
    m.put("job", job.name());
    m.put("simulated", true);
    m.put("from", r.from().toString());
    m.put("until", r.until().toString());
    m.put("schedule", job.schedule().describe());
    m.put("passes", r.passes());
    List<Object> sides = Json.arr();
    for (RetentionSimulator.Side s : r.sides()) {
      Map<String, Object> x = Json.obj();
      x.put("side", s.name().equals("source") ? "source" : "target");
      x.put("name", s.name());
      x.put("where", s.where());
      x.put("retention", s.retention().describe());
      x.put("pruned", s.pruned());
      List<Object> kept = Json.arr();
      for (RetentionSimulator.Kept k : s.kept()) {
        Map<String, Object> e = Json.obj();
        e.put("id", k.snap().id());
        e.put("name", k.snap().name());
        e.put("time", k.snap().time().toString());
        List<Object> why = Json.arr();
        why.addAll(k.why());
        e.put("why", why);
        kept.add(e);
      }
      x.put("keep", kept);
      sides.add(x);
    }
    m.put("sides", sides);
    return m;
  }
}
