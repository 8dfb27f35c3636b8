package io.deltasnap.cli.job;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.deltasnap.delta.Keys;
import io.deltasnap.engine.CreateOptions;
import io.deltasnap.engine.DirectoryStorage;
import io.deltasnap.engine.SnapshotInfo;
import io.deltasnap.engine.Volume;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;

/**
 * A source volume, a key, target directories and a job file in a temporary directory, driven by a
 * simulated clock. Remembers a hash of every snapshot it saw taken, so replicas can be checked
 * byte for byte even after the source pruned a snapshot.
 */
final class JobFixture implements AutoCloseable {
  static final int SIZE = 256 * 1024;
  static final int CHUNK = 4096;

  final Path dir;
  final SimClock clock;
  final Ed25519PrivateKeyParameters key = Keys.generate();
  final Volume src;
  final JobSpec spec;
  final Random rnd = new Random(7);
  /** Every snapshot the job took: ID → time and content hash. */
  final Map<Long, Snap> taken = new HashMap<>();
  final Map<Long, String> hashes = new HashMap<>();

  JobFixture(Path dir, Instant start, String jobYaml, String... targetDirs) throws IOException {
    this.dir = dir;
    this.clock = new SimClock(start);
    Keys.writeKeyPair(dir.resolve("job"), key, "test");
    src = Volume.create(new DirectoryStorage(dir.resolve("src")), CreateOptions.of(SIZE).withChunkSize(CHUNK));
    for (String t : targetDirs) {
      Files.createDirectories(dir.resolve(t));
    }
    Path file = dir.resolve("job.yaml");
    Files.writeString(file, "volume: src\nkey: job.key\n" + jobYaml);
    spec = JobFile.load(file);
  }

  JobRunner runner(JobRunner.Hook hook) throws IOException {
    return new JobRunner(spec, src, JobRunner.targets(spec, key, src), key, clock, hook);
  }

  /** Changes a few chunks of the origin, as a live system would between snapshots. */
  void change() throws IOException {
    for (int i = 0; i < 3; i++) {
      byte[] b = new byte[1 + rnd.nextInt(6000)];
      rnd.nextBytes(b);
      src.write(Volume.ORIGIN, rnd.nextInt(SIZE - b.length), ByteBuffer.wrap(b));
    }
  }

  /** One pass at the clock's time; records the snapshot it took. */
  PassReport pass(JobRunner r) throws IOException {
    PassReport p = r.run(true, false, () -> false);
    if (p.snapshot() != null) {
      record(p.snapshot());
    }
    return p;
  }

  void record(Snap s) throws IOException {
    taken.put(s.id(), s);
    hashes.put(s.id(), hash(src, s.id()));
  }

  static String hash(Volume v, long snap) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(v.size() > Integer.MAX_VALUE ? 0 : (int) v.size());
    v.read(snap, 0, b);
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b.array()));
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  Path target(String name) {
    return spec.targets().stream().filter(t -> t.name().equals(name)).findFirst().orElseThrow().path();
  }

  static TreeSet<Long> ids(List<SnapshotInfo> l) {
    return l.stream().map(SnapshotInfo::id).collect(Collectors.toCollection(TreeSet::new));
  }

  TreeSet<Long> sourceIds() throws IOException {
    return ids(src.snapshots());
  }

  List<SnapshotInfo> targetSnaps(String name) throws IOException {
    Path p = target(name);
    if (!Files.exists(p.resolve("store"))) {
      return List.of();
    }
    try (Volume v = Volume.open(new DirectoryStorage(p))) {
      return v.snapshots();
    }
  }

  TreeSet<Long> targetIds(String name) throws IOException {
    return ids(targetSnaps(name));
  }

  /** Every snapshot on the target has the source's UUID, name and bytes. */
  void assertReplicaExact(String name) throws IOException {
    try (Volume v = Volume.open(new DirectoryStorage(target(name)))) {
      for (SnapshotInfo s : v.snapshots()) {
        Snap t = taken.get(s.id());
        assertEquals(t.name(), s.name(), "name of " + s.id() + " on " + name);
        assertEquals(t.uuid(), s.uuid(), "uuid of " + s.id() + " on " + name);
        assertEquals(hashes.get(s.id()), hash(v, s.id()), "bytes of snapshot " + s.id() + " on " + name);
      }
    }
  }

  /** What the policy keeps of the snapshots in {@code ids}, computed by the reference model. */
  TreeSet<Long> expected(RetentionPolicy r, java.util.Collection<Long> ids) {
    List<Snap> l = new ArrayList<>();
    for (long id : ids) {
      l.add(taken.get(id));
    }
    return new TreeSet<>(ReferenceRetention.keep(r, l, clock.instant(), spec.zone()));
  }

  @Override
  public void close() throws IOException {
    src.close();
  }
}
