package io.deltasnap.cli.job;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;

/**
 * Reads a job file (YAML 1.2; see docs/jobs.md) into a {@link JobSpec}, checking every field:
 * unknown keys are refused (a misspelt {@code retention} must not mean "keep everything"), and
 * errors name the file and the field.
 */
public final class JobFile {
  private static final int MAX_BYTES = 1 << 20;
  private static final Set<String> TOP = Set.of("name", "volume", "schedule", "timezone", "snapshots", "key", "trust",
      "state", "retention", "retry", "targets", "warn_lag", "crit_lag", "stall_timeout",
      "warn_lag_snapshots", "crit_lag_snapshots");
  private static final Set<String> TARGET = Set.of("name", "path", "to", "deltas", "retention", "trust", "encrypt_to", "warn_lag",
      "crit_lag", "stall_timeout", "warn_lag_snapshots", "crit_lag_snapshots");

  private JobFile() {}

  public static JobSpec load(Path file) throws IOException {
    Path abs = file.toAbsolutePath().normalize();
    if (!Files.isRegularFile(abs)) {
      throw new NoSuchFileException(file.toString());
    }
    if (Files.size(abs) > MAX_BYTES) {
      throw new JobFileException(file + ": a job file is at most 1 MiB");
    }
    return parse(Files.readString(abs), abs);
  }

  /** Parses the text of job file {@code file} (used to resolve relative paths and name errors). */
  public static JobSpec parse(String text, Path file) {
    Object doc;
    try {
      doc = new Load(LoadSettings.builder().setLabel(file.toString()).setAllowDuplicateKeys(false).build())
          .loadFromString(text);
    } catch (YamlEngineException e) {
      throw new JobFileException(file + ": not valid YAML: " + e.getMessage().replace('\n', ' '));
    }
    if (!(doc instanceof Map<?, ?> top)) {
      throw new JobFileException(file + ": a job file is a YAML mapping (volume:, schedule:, targets:, ...)");
    }
    Fields f = new Fields(file.toString(), top, TOP);
    Path dir = file.getParent();
    String stem = file.getFileName().toString().replaceFirst("\\.[^.]*$", "");
    String name = f.string("name", stem);
    if (!name.matches("[A-Za-z0-9._-]{1,64}")) {
      throw new JobFileException(file + ": name \"" + name + "\" must be 1-64 of A-Z a-z 0-9 . _ -");
    }
    Path volume = dir.resolve(f.required("volume")).normalize();
    ZoneId zone;
    try {
      zone = ZoneId.of(f.string("timezone", "UTC"));
    } catch (DateTimeException e) {
      throw new JobFileException(file + ": timezone: " + e.getMessage());
    }
    Schedule schedule = Schedule.parse(f.required("schedule"), zone, file + ": schedule");
    try {
      schedule.next(Instant.EPOCH.plus(Duration.ofDays(20000)));
    } catch (IllegalStateException e) {
      throw new JobFileException(file + ": schedule: " + e.getMessage()); // "0 0 31 2 *"
    }
    String template = NameTemplate.DEFAULT;
    Object snaps = f.raw("snapshots");
    if (snaps != null) {
      Fields s = new Fields(file + ": snapshots", asMap(snaps, file + ": snapshots"), Set.of("name"));
      template = s.string("name", template);
    }
    NameTemplate names = NameTemplate.parse(template, name, zone, file + ": snapshots.name");
    Path key = f.path("key", dir);
    Path trust = f.path("trust", dir);
    Path state = f.path("state", dir);
    if (state == null) {
      state = dir.resolve(file.getFileName() + ".state");
    }
    RetentionPolicy retention = retention(f.raw("retention"), file + ": retention");
    Duration retryInitial = Duration.ofMinutes(1);
    Duration retryMax = Duration.ofHours(1);
    Object retry = f.raw("retry");
    if (retry != null) {
      Fields r = new Fields(file + ": retry", asMap(retry, file + ": retry"), Set.of("initial", "max"));
      retryInitial = Durations.parse(r.string("initial", "1m"), file + ": retry.initial");
      retryMax = Durations.parse(r.string("max", "1h"), file + ": retry.max");
      if (retryMax.compareTo(retryInitial) < 0) {
        throw new JobFileException(file + ": retry.max is shorter than retry.initial");
      }
    }
    JobSpec.LagCheck check = lagCheck(f, JobSpec.LagCheck.NONE);
    Duration stall = lag(f, "stall_timeout");
    stall = stall == null ? JobSpec.DEFAULT_STALL : stall;
    List<JobSpec.TargetSpec> targets = new ArrayList<>();
    Object t = f.raw("targets");
    if (t != null) {
      if (!(t instanceof List<?> list)) {
        throw new JobFileException(file + ": targets is a list (- name: ..., path: ...)");
      }
      Set<String> seen = new HashSet<>();
      for (int i = 0; i < list.size(); i++) {
        String w = file + ": targets[" + i + "]";
        Fields tf = new Fields(w, asMap(list.get(i), w), TARGET);
        Path path = tf.path("path", dir);
        String to = tf.string("to", null);
        Path deltas = tf.path("deltas", dir);
        if ((path == null ? 0 : 1) + (to == null ? 0 : 1) + (deltas == null ? 0 : 1) != 1) {
          throw new JobFileException(w + ": give exactly one of path: (a local replica directory), to: (host:port) and "
              + "deltas: (a directory of delta files)");
        }
        Path encryptTo = tf.path("encrypt_to", dir);
        if (encryptTo != null && deltas == null) {
          throw new JobFileException(w + ": encrypt_to: is for deltas: targets (delta files at rest); a replica "
              + "directory or a receiver applies what it receives");
        }
        if (deltas != null && (tf.raw("retention") != null || tf.raw("trust") != null)) {
          throw new JobFileException(w + ": a deltas: target keeps every file (each needs the ones before it): no "
              + "retention: or trust: there");
        }
        RetentionPolicy tr = retention(tf.raw("retention"), w + ": retention");
        if (to != null) {
          String bad = NetworkTarget.checkAddress(to);
          if (bad != null) {
            throw new JobFileException(w + ": to: " + bad);
          }
          if (tf.raw("trust") != null) {
            throw new JobFileException(w + ": trust: is for local targets; a receiver verifies with its own --trust");
          }
        }
        Path local = path != null ? path : deltas;
        String tn = tf.string("name", to != null ? to.replace(':', '_')
            : local.getFileName() == null ? "target" + i : local.getFileName().toString());
        if (!seen.add(tn)) {
          throw new JobFileException(w + ": two targets are named \"" + tn + "\" (give each a name:)");
        }
        if (local != null && local.equals(volume)) {
          throw new JobFileException(w + ": the target is the source volume itself");
        }
        if (tf.raw("stall_timeout") != null && to == null) {
          throw new JobFileException(w + ": stall_timeout: is for network targets (to:)");
        }
        Duration ts = lag(tf, "stall_timeout");
        targets.add(new JobSpec.TargetSpec(tn, path, to, tr, tf.path("trust", dir), deltas, encryptTo,
            lagCheck(tf, check), ts == null ? stall : ts));
      }
    }
    if (!targets.isEmpty() && key == null) {
      throw new JobFileException(file + ": key: (the private key that signs deltas) is required with targets");
    }
    return new JobSpec(name, file, volume, schedule, zone, names, key, trust, state, retention, retryInitial,
        retryMax, List.copyOf(targets), check);
  }

  /** {@code warn_lag:} and {@code crit_lag:} of one mapping, the {@code outer} ones where it gives none. */
  private static JobSpec.LagCheck lagCheck(Fields f, JobSpec.LagCheck outer) {
    Duration warn = lag(f, "warn_lag");
    Duration crit = lag(f, "crit_lag");
    warn = warn != null ? warn : outer.warn();
    crit = crit != null ? crit : outer.crit();
    if (warn != null && crit != null && crit.compareTo(warn) < 0) {
      throw new JobFileException(f.where + ": crit_lag (" + Durations.format(crit) + ") is shorter than warn_lag ("
          + Durations.format(warn) + ")");
    }
    Long warnSnaps = snapshots(f, "warn_lag_snapshots");
    Long critSnaps = snapshots(f, "crit_lag_snapshots");
    warnSnaps = warnSnaps != null ? warnSnaps : outer.warnSnapshots();
    critSnaps = critSnaps != null ? critSnaps : outer.critSnapshots();
    if (warnSnaps != null && critSnaps != null && critSnaps < warnSnaps) {
      throw new JobFileException(f.where + ": crit_lag_snapshots (" + critSnaps + ") is below warn_lag_snapshots ("
          + warnSnaps + ")");
    }
    return new JobSpec.LagCheck(warn, crit, warnSnaps, critSnaps);
  }

  /** A count of snapshots of lag ({@code warn_lag_snapshots:}), at least 1, or null when not given. */
  private static Long snapshots(Fields f, String k) {
    if (f.raw(k) == null) {
      return null;
    }
    int n = f.count(k, 0);
    if (n < 1) {
      throw new JobFileException(f.where + ": " + k + " is a count of snapshots ≥ 1, not \"" + f.raw(k) + "\"");
    }
    return (long) n;
  }

  /** A duration field ({@code warn_lag:}, {@code stall_timeout:}, ...), or null when it is not given. */
  private static Duration lag(Fields f, String k) {
    String v = f.string(k, null);
    if (v == null) {
      return null;
    }
    Duration d = Durations.parse(v);
    if (d == null) {
      throw new JobFileException(f.where + ": " + k + ": \"" + v + "\" is not a duration of at most 100 years (say 30m, "
          + "2h, 1d, 1h30m)");
    }
    return d;
  }

  static RetentionPolicy retention(Object o, String where) {
    if (o == null || "all".equals(o)) {
      return RetentionPolicy.keepAll();
    }
    Set<String> keys = new HashSet<>(Set.of("last"));
    for (RetentionPolicy.Period p : RetentionPolicy.Period.values()) {
      keys.add(p.key());
    }
    Fields f = new Fields(where, asMap(o, where), keys);
    int last = f.count("last", 1);
    Map<RetentionPolicy.Period, Integer> grid = new HashMap<>();
    for (RetentionPolicy.Period p : RetentionPolicy.Period.values()) {
      int n = f.count(p.key(), 0);
      if (n > 0) {
        grid.put(p, n);
      }
    }
    return new RetentionPolicy(last, grid);
  }

  private static Map<?, ?> asMap(Object o, String where) {
    if (!(o instanceof Map<?, ?> m)) {
      throw new JobFileException(where + " is a mapping (key: value lines), not \"" + o + "\"");
    }
    return m;
  }

  /** The fields of one mapping, with unknown keys refused. */
  private static final class Fields {
    final String where;
    final Map<String, Object> map = new LinkedHashMap<>();

    Fields(String where, Map<?, ?> m, Set<String> allowed) {
      this.where = where;
      for (Map.Entry<?, ?> e : m.entrySet()) {
        String k = String.valueOf(e.getKey());
        if (!allowed.contains(k)) {
          throw new JobFileException(where + ": unknown field \"" + k + "\" (known: " + String.join(", ",
              allowed.stream().sorted().toList()) + ")");
        }
        map.put(k, e.getValue());
      }
    }

    Object raw(String k) {
      return map.get(k);
    }

    String string(String k, String dflt) {
      Object v = map.get(k);
      if (v == null) {
        return dflt;
      }
      if (v instanceof Map || v instanceof List) {
        throw new JobFileException(where + ": " + k + " is a single value");
      }
      return v.toString();
    }

    String required(String k) {
      String v = string(k, null);
      if (v == null || v.isBlank()) {
        throw new JobFileException(where + ": " + k + ": is required");
      }
      return v;
    }

    Path path(String k, Path dir) {
      String v = string(k, null);
      return v == null ? null : dir.resolve(v).normalize();
    }

    int count(String k, int dflt) {
      Object v = map.get(k);
      if (v == null) {
        return dflt;
      }
      if (!(v instanceof Integer n) || n < 0) {
        throw new JobFileException(where + ": " + k + " is a count ≥ 0, not \"" + v + "\"");
      }
      return n;
    }
  }
}
