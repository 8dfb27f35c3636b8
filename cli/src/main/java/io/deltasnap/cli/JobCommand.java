package io.deltasnap.cli;

import io.deltasnap.cli.job.JobDaemon;
import io.deltasnap.cli.job.JobFile;
import io.deltasnap.cli.job.JobMonitor;
import io.deltasnap.cli.job.JobRunner;
import io.deltasnap.cli.job.JobSpec;
import io.deltasnap.cli.job.JobState;
import io.deltasnap.cli.job.PassReport;
import io.deltasnap.cli.job.Snap;
import io.deltasnap.cli.job.StateFile;
import io.deltasnap.engine.DirectoryStorage;
import io.deltasnap.engine.Volume;
import io.deltasnap.engine.VolumeBusyException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code job run|daemon|status JOBFILE}: scheduled snapshots, replication and retention (see
 * docs/jobs.md). The work is in {@link io.deltasnap.cli.job}; this class opens the volume, prints.
 *
 * <p>A served volume: {@code job run} opens it like {@code snapshot create} does, so when
 * {@code serve} (or a {@code job daemon}) holds it, the whole pass is sent over the control socket
 * and carried out inside that process, against its open volume. {@code job daemon} needs the
 * volume for itself, and serves the control socket in turn.
 */
@Command(name = "job", mixinStandardHelpOptions = true,
    description = "Scheduled snapshots, replication to targets, and retention (docs/jobs.md).",
    subcommands = {JobCommand.Run.class, JobCommand.Daemon.class, JobCommand.Status.class, JobCommand.Prune.class,
        JobRetentionCommand.class})
final class JobCommand implements Runnable {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "say run, daemon, status, prune or retention");
  }

  static JobSpec load(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new Main.UserError("no job file " + file);
    }
    return JobFile.load(file);
  }

  static Ed25519PrivateKeyParameters key(JobSpec job) throws IOException {
    return job.key() == null ? null : DeltaCommand.key(job.key());
  }

  static String when(Instant t) {
    return t == null ? "never" : t.toString();
  }


  static String human(Duration d) {
    long s = Math.max(0, d.toSeconds());
    if (s < 120) {
      return s + "s";
    }
    if (s < 7200) {
      return s / 60 + "m";
    }
    if (s < 172800) {
      return s / 3600 + "h" + (s % 3600 / 60 > 0 ? s % 3600 / 60 + "m" : "");
    }
    return s / 86400 + "d" + (s % 86400 / 3600 > 0 ? s % 86400 / 3600 + "h" : "");
  }

  @Command(name = "run", mixinStandardHelpOptions = true,
      description = {"One pass: take a snapshot, replicate it to every target, prune by retention.",
      "A target that fails delays only itself: the others are done, then the command exits 1."},
      footerHeading = "%nExample:%n",
      footer = "  deltasnap job run /etc/deltasnap/vol.yaml --dry-run")
  static final class Run extends VolumeCommand {
    @Parameters(index = "0", paramLabel = "JOBFILE", description = "The job file (YAML; see docs/jobs.md).")
    Path file;

    @Option(names = "--dry-run", description = "Show what it would create, send and prune; change nothing.")
    boolean dryRun;

    Run() {

      super(true); // forwarded to a server holding the volume

    }

    @Override
    public Integer call() throws Exception {
      JobSpec job = load(file);
      Ed25519PrivateKeyParameters key = key(job);
      VolumeHandle h;
      try {
        h = open(job.volume());
      } catch (ControlSocket.Forward f) {
        return forward(f.dir);
      }
      PassReport r;
      try (h) {
        Volume v = h.volume();
        JobRunner runner = new JobRunner(job, v, JobRunner.targets(job, key, v), key, Clock.systemUTC(),
            JobRunner.Hook.NONE);
        try {
          r = runner.run(true, dryRun, () -> false);
        } catch (JobRunner.BusyException e) {
          throw new Main.UserError(e.getMessage());
        }
        if (h.owned() && !dryRun && !r.sourcePruned().isEmpty()) {
          h.volume().reclaimDeleted(); // no background reclaimer runs after this process
        }
      }
      print(job, r);
      if (!r.ok()) {
        throw new Main.UserError("job " + job.name() + ": " + r.failures());
      }
      return 0;
    }

    /** The volume is served: the server runs the pass (with the job file's absolute path). */
    private int forward(Path dir) throws IOException {
      List<String> args = new ArrayList<>(List.of("job", "run", file.toAbsolutePath().toString()));
      if (dryRun) {
        args.add("--dry-run");
      }
      if (common.json) {
        args.add("--json");
      }
      if (common.debug) {
        args.add("--debug");
      }
      return ControlSocket.forward(dir, args.toArray(String[]::new), out(), err());
    }

    private void print(JobSpec job, PassReport r) {
      if (common.json) {
        out().println(Json.write(json(job, r)));
        return;
      }
      String would = r.dryRun() ? "would " : "";
      out().println("job " + job.name() + (r.dryRun() ? " (dry run: nothing changed)" : "") + " at " + r.started());
      if (r.snapshot() != null) {
        out().println("  snapshot: " + would + (r.dryRun() ? "take " : "took ") + r.snapshot().label());
      }
      for (PassReport.TargetReport t : r.targets()) {
        StringBuilder sb = new StringBuilder("  target " + t.name() + " (" + t.where() + "): ");
        List<String> parts = new ArrayList<>();
        for (PassReport.Send s : t.sends()) {
          parts.add(would + "send " + (s.base() == null ? "full " + s.snapshot().label()
              : s.base().id() + " → " + s.snapshot().label())
              + (r.dryRun() ? "" : " (" + Sizes.human(s.bytes()) + (s.stalls() == 0 ? "" : ", resumed at "
                  + Sizes.human(s.resumedFrom()) + " after " + s.stalls() + (s.stalls() == 1 ? " stall" : " stalls"))
                  + ")"));
        }
        if (!t.pruned().isEmpty()) {
          parts.add(would + "prune " + ids(t.pruned()));
        }
        if (t.error() != null) {
          parts.add("FAILED: " + t.error());
        } else if (parts.isEmpty()) {
          parts.add("up to date");
        }
        sb.append(String.join("; ", parts));
        if (t.base() != null && t.error() == null) {
          sb.append("; base ").append(t.base().label());
        }
        out().println(sb);
      }
      if (!r.sourcePruned().isEmpty()) {
        out().println("  source: " + would + "prune " + ids(r.sourcePruned()));
      }
      if (r.sourceError() != null) {
        out().println("  source: FAILED: " + r.sourceError());
      }
    }

    private static String ids(List<Snap> l) {
      return String.join(", ", l.stream().map(s -> Long.toString(s.id())).toList());
    }

    static Map<String, Object> json(JobSpec job, PassReport r) {
      Map<String, Object> m = Json.obj();
      m.put("job", job.name());
      m.put("dryRun", r.dryRun());
      m.put("time", r.started().toString());
      m.put("ok", r.ok());
      m.put("snapshot", r.snapshot() == null ? null : snap(r.snapshot()));
      List<Object> ts = Json.arr();
      for (PassReport.TargetReport t : r.targets()) {
        Map<String, Object> x = Json.obj();
        x.put("name", t.name());
        x.put("where", t.where());
        List<Object> sends = Json.arr();
        for (PassReport.Send s : t.sends()) {
          Map<String, Object> sm = Json.obj();
          sm.put("base", s.base() == null ? null : s.base().id());
          sm.put("snapshot", snap(s.snapshot()));
          sm.put("bytes", s.bytes());
          sm.put("resumedFrom", s.resumedFrom());
          sm.put("stalls", s.stalls());
          sends.add(sm);
        }
        x.put("sent", sends);
        x.put("pruned", snaps(t.pruned()));
        x.put("base", t.base() == null ? null : snap(t.base()));
        x.put("error", t.error());
        ts.add(x);
      }
      m.put("targets", ts);
      Map<String, Object> src = Json.obj();
      src.put("pruned", snaps(r.sourcePruned()));
      src.put("error", r.sourceError());
      m.put("source", src);
      return m;
    }

    private static List<Object> snaps(List<Snap> l) {
      List<Object> a = Json.arr();
      l.forEach(s -> a.add(snap(s)));
      return a;
    }

    private static Map<String, Object> snap(Snap s) {
      Map<String, Object> m = Json.obj();
      m.put("id", s.id() == Snap.PLANNED ? null : s.id());
      m.put("uuid", s.uuid() == null ? null : s.uuid().toString());
      m.put("name", s.name());
      return m;
    }
  }

  @Command(name = "daemon", mixinStandardHelpOptions = true,
      description = {"Run passes on the job's schedule until stopped (SIGTERM or Ctrl-C stop it "
      + "between steps).", "A failed pass is retried (replication and pruning only) with exponential backoff. It holds "
      + "the volume: 'snapshot list' and the like from other processes go through VOLUME/control.sock."})
  static final class Daemon extends VolumeCommand {
    @Parameters(index = "0", paramLabel = "JOBFILE", description = "The job file (YAML; see docs/jobs.md).")
    Path file;

    @Option(names = "--max-passes", hidden = true, description = "Stop after this many passes (0: never; for tests).")
    long maxPasses;

    @CommandLine.Mixin
    MetricsOption metrics;

    @Override
    public Integer call() throws Exception {
      JobSpec job = load(file);
      Ed25519PrivateKeyParameters key = key(job);
      java.net.InetSocketAddress metricsAt = metrics.address();
      Path dir = job.volume();
      if (!Files.isDirectory(dir)) {
        throw new Main.UserError("no volume at " + dir + " (job file " + job.file() + ")");
      }
      Volume v;
      try {
        v = VolumeSource.reportRepairs(Volume.open(new DirectoryStorage(dir), common.cacheBytes()));
      } catch (VolumeBusyException e) {
        throw new Main.UserError(e.getMessage() + "; a job daemon needs the volume for itself (run 'job run' from a "
            + "timer instead: a serving process carries it out)");
      }
      ControlSocket control = null;
      JobMonitor monitor = new JobMonitor(job, v);
      AutoCloseable metricsServer;
      try {
        VolumeSource lend = VolumeSource.serving(dir, v);
        control = ControlSocket.start(dir, a -> ControlSocket.runCaptured(lend, a));
        metricsServer = MetricsOption.start(metricsAt, new MetricsSources(dir.toString(), () -> v, null, monitor),
            err());
      } catch (IOException | RuntimeException e) {
        ControlSocket.closeQuietly(control, e);
        v.close();
        throw e;
      }
      v.startBackgroundReclaim();
      Clock clock = Clock.systemUTC();
      JobDaemon d = new JobDaemon(job, new JobRunner(job, v, JobRunner.targets(job, key, v), key, clock,
          JobRunner.Hook.NONE, monitor), clock, JobDaemon.realTime(clock), err());
      CountDownLatch done = new CountDownLatch(1);
      Thread hook = new Thread(() -> {
        d.stop();
        try {
          done.await(10, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }, "deltasnap-job-stop");
      Runtime.getRuntime().addShutdownHook(hook);
      err().println("job " + job.name() + ": running on " + dir + ", " + job.schedule().describe() + "; state in "
          + job.state() + "; stop with SIGTERM or Ctrl-C");
      err().flush();
      try {
        d.run(maxPasses);
      } finally {
        try {
          metricsServer.close();
          control.close();
        } finally {
          v.close();
          err().println("job " + job.name() + ": stopped after " + d.passes() + " passes");
          err().flush();
          done.countDown(); // a SIGTERM's hook waits for this: the JVM exits right after
          try {
            Runtime.getRuntime().removeShutdownHook(hook);
          } catch (IllegalStateException e) {
            // shutting down: the hook is running and waits for us
          }
        }
      }
      return 0;
    }
  }

  @Command(name = "status", mixinStandardHelpOptions = true,
      description = "Last pass, last success, lag, bytes sent and next run, per target, from the "
      + "job's state file.")
  static final class Status extends VolumeCommand {
    @Parameters(index = "0", paramLabel = "JOBFILE", description = "The job file (YAML; see docs/jobs.md).")
    Path file;

    @Option(names = "--check", description = {"Monitoring (Nagios-style): one line on stdout, exit 0 OK, 1 WARNING, "
        + "2 CRITICAL, by each target's lag against warn_lag:/crit_lag: in the job file; a target never "
        + "replicated is CRITICAL.", "A bad job or state file is an error as always: a 'deltasnap: ' line on stderr, "
        + "nothing on stdout, exit 1."})
    boolean check;

    /** For tests: the time to measure lag at. */
    Clock clock = Clock.systemUTC();

    @Override
    public Integer call() throws Exception {
      JobSpec job = load(file);
      JobState st;
      try {
        st = new StateFile(job.state()).load();
      } catch (StateFile.DamagedException e) {
        throw new Main.UserError(e.getMessage() + ": the next pass sets it aside as " + job.state().getFileName()
            + ".damaged and starts afresh (or remove it)");
      }
      Instant now = clock.instant();
      if (check) {
        io.deltasnap.cli.job.JobCheck.Result r = io.deltasnap.cli.job.JobCheck.of(job, st, now);
        out().println(r.line());
        return r.exit();
      }
      if (common.json) {
        Map<String, Object> m = Json.obj();
        m.put("job", job.name());
        m.put("volume", job.volume().toString());
        m.put("schedule", job.schedule().describe());
        m.put("state", job.state().toString());
        m.put("lastPass", str(st.lastPass()));
        m.put("lastSuccess", str(st.lastSuccess()));
        m.put("lastError", st.lastError());
        m.put("failures", st.failures());
        m.put("lastSnapshot", st.lastSnapshot());
        m.put("nextRun", str(st.nextRun()));
        m.put("retryAt", str(st.retryAt()));
        List<Object> ts = Json.arr();
        for (JobSpec.TargetSpec t : job.targets()) {
          JobState.Target s = st.target(t.name());
          Map<String, Object> x = Json.obj();
          x.put("name", t.name());
          x.put("where", t.where());
          x.put("lastAttempt", str(s.lastAttempt()));
          x.put("lastSuccess", str(s.lastSuccess()));
          Duration lag = JobState.lag(s, now);
          x.put("lagSeconds", lag == null ? null : lag.toSeconds());
          x.put("lagSnapshots", s.lagSnapshots() < 0 ? null : s.lagSnapshots());
          x.put("bytesSent", s.bytesSent());
          x.put("lastBytes", s.lastBytes());
          if (s.base() == null) {
            x.put("base", null);
          } else {
            Map<String, Object> b = Json.obj();
            b.put("id", s.base().id());
            b.put("uuid", s.base().uuid() == null ? null : s.base().uuid().toString());
            b.put("name", s.base().name());
            x.put("base", b);
          }
          x.put("failures", s.failures());
          x.put("lastError", s.lastError());
          ts.add(x);
        }
        m.put("targets", ts);
        out().println(Json.write(m));
        return 0;
      }
      out().println("job " + job.name() + ": volume " + job.volume() + ", " + job.schedule().describe());
      out().println("  last pass:    " + when(st.lastPass()) + (st.lastPass() == null ? ""
          : st.lastError() == null ? " (ok)" : " (failed " + st.failures() + "x: " + st.lastError() + ")"));
      out().println("  last success: " + when(st.lastSuccess()));
      out().println("  next run:     " + (st.nextRun() == null ? "at the next 'job run' or daemon start" : st.nextRun())
          + (st.retryAt() == null ? "" : " (retry at " + st.retryAt() + ")"));
      out().printf("  %-16s %-22s %-8s %-10s %-8s %s%n", "TARGET", "LAST SUCCESS", "LAG", "SENT", "BASE", "ERROR");
      for (JobSpec.TargetSpec t : job.targets()) {
        JobState.Target s = st.target(t.name());
        Duration lag = JobState.lag(s, now);
        out().printf("  %-16s %-22s %-8s %-10s %-8s %s%n", t.name(),
            s.lastSuccess() == null ? "never" : s.lastSuccess().toString(),
            lag == null ? "-" : human(lag), Sizes.human(s.bytesSent()),
            s.base() == null ? "-" : Long.toString(s.base().id()), s.lastError() == null ? "" : s.lastError());
      }
      return 0;
    }

    private static String str(Instant t) {
      return t == null ? null : t.toString();
    }
  }

  @Command(name = "prune", mixinStandardHelpOptions = true,
      description = {"What retention would delete now, on the source and on each target, and why each snapshot "
      + "that stays is kept (a rule and its period, or a target's base).", "It is what the next pass without a "
      + "new snapshot would prune, after sending what that pass would send. Only --dry-run is supported: "
      + "'job run' prunes."},
      footerHeading = "%nExample:%n",
      footer = "  deltasnap job prune /etc/deltasnap/vol.yaml --dry-run")
  static final class Prune extends VolumeCommand {
    @Parameters(index = "0", paramLabel = "JOBFILE", description = "The job file (YAML; see docs/jobs.md).")
    Path file;

    @Option(names = "--dry-run", description = "List, delete nothing (required).")
    boolean dryRun;

    Prune() {
      super(true); // forwarded to a server holding the volume
    }

    @Override
    public Integer call() throws Exception {
      if (!dryRun) {
        throw new CommandLine.ParameterException(spec.commandLine(), "job prune needs --dry-run ('job run' prunes)");
      }
      JobSpec job = load(file);
      Ed25519PrivateKeyParameters key = key(job);
      VolumeHandle h;
      try {
        h = open(job.volume());
      } catch (ControlSocket.Forward f) {
        List<String> args = new ArrayList<>(List.of("job", "prune", file.toAbsolutePath().toString(), "--dry-run"));
        if (common.json) {
          args.add("--json");
        }
        return ControlSocket.forward(f.dir, args.toArray(String[]::new), out(), err());
      }
      PassReport r;
      try (h) {
        Volume v = h.volume();
        JobRunner runner = new JobRunner(job, v, JobRunner.targets(job, key, v), key, Clock.systemUTC(),
            JobRunner.Hook.NONE);
        r = runner.run(false, true, () -> false); // no snapshot, nothing changed
      }
      if (common.json) {
        out().println(Json.write(json(job, r)));
      } else {
        print(job, r);
      }
      return 0;
    }

    private void print(JobSpec job, PassReport r) {
      out().println("job " + job.name() + " (dry run: nothing deleted) at " + r.started());
      side("source " + job.volume(), job.retention(), r.sourcePruned(), r.sourceKept(), r.sourceError(), List.of());
      for (PassReport.TargetReport t : r.targets()) {
        JobSpec.TargetSpec ts = job.targets().stream().filter(x -> x.name().equals(t.name())).findFirst()
            .orElseThrow();
        side("target " + t.name() + " (" + t.where() + ")", ts.retention(), t.pruned(), t.kept(), t.error(),
            t.sends().stream().map(PassReport.Send::snapshot).toList());
      }
    }

    private void side(String title, io.deltasnap.cli.job.RetentionPolicy p, List<Snap> pruned,
        List<PassReport.Kept> kept, String error, List<Snap> toSend) {
      out().println("  " + title + ", retention " + p.describe() + ":");
      if (error != null) {
        out().println("    not pruned: " + error);
        return;
      }
      for (Snap s : pruned) {
        out().println("    delete " + s.label() + ": no rule keeps it");
      }
      for (PassReport.Kept k : kept) {
        boolean sending = toSend.stream().anyMatch(x -> x.id() == k.snap().id());
        out().println("    keep   " + k.snap().label() + (sending ? " (to be sent)" : "") + ": "
            + String.join("; ", k.why()));
      }
      if (pruned.isEmpty() && kept.isEmpty()) {
        out().println("    no snapshots of the job");
      }
    }

    static Map<String, Object> json(JobSpec job, PassReport r) {
      Map<String, Object> m = Json.obj();
      m.put("job", job.name());
      m.put("dryRun", true);
      m.put("time", r.started().toString());
      m.put("source", side(job.volume().toString(), job.retention(), r.sourcePruned(), r.sourceKept(),
          r.sourceError()));
      List<Object> ts = Json.arr();
      for (PassReport.TargetReport t : r.targets()) {
        JobSpec.TargetSpec spec = job.targets().stream().filter(x -> x.name().equals(t.name())).findFirst()
            .orElseThrow();
        Map<String, Object> x = side(t.where(), spec.retention(), t.pruned(), t.kept(), t.error());
        x.put("name", t.name());
        List<Object> sends = Json.arr();
        t.sends().forEach(sd -> sends.add(sd.snapshot().id()));
        x.put("toSend", sends);
        x.put("base", t.base() == null ? null : t.base().id());
        ts.add(x);
      }
      m.put("targets", ts);
      return m;
    }

    private static Map<String, Object> side(String where, io.deltasnap.cli.job.RetentionPolicy p, List<Snap> pruned,
        List<PassReport.Kept> kept, String error) {
      Map<String, Object> m = Json.obj();
      m.put("where", where);
      m.put("retention", p.describe());
      m.put("error", error);
      List<Object> del = Json.arr();
      for (Snap s : pruned) {
        Map<String, Object> x = Json.obj();
        x.put("id", s.id());
        x.put("name", s.name());
        del.add(x);
      }
      m.put("delete", del);
      List<Object> keep = Json.arr();
      for (PassReport.Kept k : kept) {
        Map<String, Object> x = Json.obj();
        x.put("id", k.snap().id() == Snap.PLANNED ? null : k.snap().id());
        x.put("name", k.snap().name());
        List<Object> why = Json.arr();
        why.addAll(k.why());
        x.put("why", why);
        keep.add(x);
      }
      m.put("keep", keep);
      return m;
    }
  }
}
