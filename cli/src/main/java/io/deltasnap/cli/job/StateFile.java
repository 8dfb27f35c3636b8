package io.deltasnap.cli.job;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.snakeyaml.engine.v2.api.Dump;
import org.snakeyaml.engine.v2.api.DumpSettings;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.common.FlowStyle;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;

/**
 * The state file of a job: YAML, replaced atomically (write a temporary file beside it, fsync,
 * rename over, fsync the directory), so a crash leaves the old state or the new one, never a mix.
 * Beside it, {@code STATE.lock} keeps two passes of one job from running at once.
 *
 * <p>A damaged file (not UTF-8, not YAML, a field of the wrong kind) never blocks the job: a pass
 * sets it aside as {@code STATE.damaged}, starts from an empty state and writes a good one, and
 * reports the damage as a failure of that pass, once. {@code job status} refuses it, saying so.
 */
public final class StateFile {
  private final Path path;
  private String damage;

  public StateFile(Path path) {
    this.path = path;
  }

  public Path path() {
    return path;
  }

  /** A state file larger than this is damaged (a job's state is a few KiB). */
  static final int MAX_BYTES = 1 << 20;

  /** The state file exists but cannot be read as a job state; the message says why, and what to do. */
  public static final class DamagedException extends IOException {
    private static final long serialVersionUID = 1L;

    DamagedException(Path path, String why) {
      super("state file " + path + " is damaged (" + why + ")");
    }
  }

  /**
   * The state; empty when there is no file yet.
   *
   * @throws DamagedException when the file is not a job state (not UTF-8, not YAML, a bad field)
   */
  public JobState load() throws IOException {
    if (!Files.exists(path)) {
      return JobState.empty();
    }
    Object doc;
    try {
      doc = new Load(LoadSettings.builder().build()).loadFromString(text());
    } catch (YamlEngineException | ClassCastException e) {
      throw new DamagedException(path, "not YAML: " + e.getMessage().replace('\n', ' '));
    }
    if (!(doc instanceof Map<?, ?> m)) {
      throw new DamagedException(path, "not a mapping");
    }
    try {
      return parse(m);
    } catch (RuntimeException e) {
      throw new DamagedException(path, "a bad field: " + e.getMessage());
    }
  }

  /**
   * The state for a pass: as {@link #load}, except that a damaged file is renamed to
   * {@code STATE.damaged} (kept for the operator, replacing an older one) and the pass starts
   * from an empty state, which its end writes anew; {@link #damage()} then says what was found.
   */
  public JobState loadForPass() throws IOException {
    try {
      return load();
    } catch (DamagedException e) {
      Path aside = path.resolveSibling(path.getFileName() + ".damaged");
      Files.move(path, aside, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      damage = e.getMessage() + ": kept it as " + aside + " and started afresh";
      return JobState.empty();
    }
  }

  /** What {@link #loadForPass} set aside, until {@link #clearDamage}; null if nothing. */
  public String damage() {
    return damage;
  }

  /** A pass after the recovery has reported it and written a good state. */
  void clearDamage() {
    damage = null;
  }

  private String text() throws IOException {
    byte[] b;
    try (var in = Files.newInputStream(path)) {
      b = in.readNBytes(MAX_BYTES + 1);
    }
    if (b.length > MAX_BYTES) {
      throw new DamagedException(path, "more than " + MAX_BYTES + " bytes");
    }
    try {
      return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b)).toString();
    } catch (CharacterCodingException e) {
      throw new DamagedException(path, "not valid UTF-8 text");
    }
  }

  private static JobState parse(Map<?, ?> m) {
    Map<String, JobState.Target> targets = new LinkedHashMap<>();
    if (m.get("targets") instanceof Map<?, ?> tm) {
      for (Map.Entry<?, ?> e : tm.entrySet()) {
        Map<?, ?> t = (Map<?, ?>) e.getValue();
        Snap base = null;
        if (t.get("baseId") != null) {
          base = new Snap(num(t.get("baseId")), JobState.uuid(t.get("baseUuid")), str(t.get("baseName")),
              time(t.get("baseTime")));
        }
        targets.put(e.getKey().toString(), new JobState.Target(time(t.get("lastAttempt")), time(t.get("lastSuccess")),
            str(t.get("lastError")), (int) num(t.get("failures")), num(t.get("bytesSent")), num(t.get("lastBytes")),
            base, time(t.get("baseTime")), t.get("lagSnapshots") == null ? -1 : num(t.get("lagSnapshots"))));
      }
    }
    return new JobState(time(m.get("lastPass")), time(m.get("lastSuccess")), str(m.get("lastError")),
        (int) num(m.get("failures")), str(m.get("lastSnapshot")), time(m.get("nextRun")), time(m.get("retryAt")),
        targets);
  }

  public void save(JobState s) throws IOException {
    Map<String, Object> m = new LinkedHashMap<>();
    put(m, "lastPass", s.lastPass());
    put(m, "lastSuccess", s.lastSuccess());
    put(m, "lastError", s.lastError());
    m.put("failures", s.failures());
    put(m, "lastSnapshot", s.lastSnapshot());
    put(m, "nextRun", s.nextRun());
    put(m, "retryAt", s.retryAt());
    Map<String, Object> tm = new TreeMap<>();
    for (Map.Entry<String, JobState.Target> e : s.targets().entrySet()) {
      JobState.Target t = e.getValue();
      Map<String, Object> x = new LinkedHashMap<>();
      put(x, "lastAttempt", t.lastAttempt());
      put(x, "lastSuccess", t.lastSuccess());
      put(x, "lastError", t.lastError());
      x.put("failures", t.failures());
      x.put("bytesSent", t.bytesSent());
      x.put("lastBytes", t.lastBytes());
      if (t.base() != null) {
        x.put("baseId", t.base().id());
        put(x, "baseUuid", t.base().uuid());
        put(x, "baseName", t.base().name());
      }
      put(x, "baseTime", t.baseTime());
      if (t.lagSnapshots() >= 0) {
        x.put("lagSnapshots", t.lagSnapshots());
      }
      tm.put(e.getKey(), x);
    }
    m.put("targets", tm);
    String text = "# deltasnap job state: written by the job, replaced atomically; safe to delete\n"
        + new Dump(DumpSettings.builder().setDefaultFlowStyle(FlowStyle.BLOCK).build()).dumpToString(m);
    Path dir = path.toAbsolutePath().getParent();
    Path tmp = Files.createTempFile(dir, "." + path.getFileName() + ".", ".tmp");
    try {
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
        ByteBuffer b = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
        while (b.hasRemaining()) {
          ch.write(b);
        }
        ch.force(true);
      }
      Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      tmp = null;
      try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
        d.force(true); // the rename itself survives a crash
      } catch (IOException e) {
        // some file systems cannot sync a directory; the rename is still atomic
      }
    } finally {
      if (tmp != null) {
        Files.deleteIfExists(tmp);
      }
    }
  }

  /** The job's lock, held until closed. */
  public interface Lock extends AutoCloseable {
    @Override
    void close() throws IOException;
  }

  /** Takes the job's lock; null if another pass of this job (in this process or another) holds it. */
  public Lock tryLock() throws IOException {
    Path p = path.resolveSibling(path.getFileName() + ".lock");
    FileChannel ch = FileChannel.open(p, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    FileLock l;
    try {
      l = ch.tryLock();
    } catch (OverlappingFileLockException e) {
      l = null;
    }
    if (l == null) {
      ch.close();
      return null;
    }
    FileLock held = l;
    return () -> {
      held.release();
      ch.close();
    };
  }

  private static void put(Map<String, Object> m, String k, Object v) {
    if (v != null) {
      m.put(k, v.toString());
    }
  }

  private static String str(Object o) {
    return o == null ? null : o.toString();
  }

  private static long num(Object o) {
    return o == null ? 0 : ((Number) o).longValue();
  }

  private static Instant time(Object o) {
    return o == null ? null : Instant.parse(o.toString());
  }
}
