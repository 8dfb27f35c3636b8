package io.deltasnap.cli.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.deltasnap.engine.DirectoryStorage;
import io.deltasnap.engine.Volume;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A local target resumes: {@code job run} killed with SIGKILL in the middle of applying its first
 * full delta leaves the target's staged transfer; the next pass (which takes a snapshot of its
 * own) first finishes that delta from where the target's durable part ends, then sends the
 * increment, and the replica holds both snapshots byte for byte.
 */
@Timeout(120)
class LocalResumeTest {
  static final int SIZE = 64 << 20;

  @TempDir
  Path tmp;

  /** The stream offset the target's staged transfer durably holds, or -1 (layout: StagedTransfer). */
  static long stagedOffset(Path replica) {
    try {
      ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(replica.resolve("receive-staged"))).order(ByteOrder.LITTLE_ENDIAN);
      return b.capacity() > 16 ? b.getLong(12 + b.getInt(8) + 40) : -1;
    } catch (IOException | IndexOutOfBoundsException e) {
      return -1; // not there yet, or being replaced
    }
  }

  @Test
  void aJobKilledMidApplyToALocalTargetResumesThereOnTheNextPass() throws Exception {
    Path disk = tmp.resolve("disk");
    Files.createDirectories(disk);
    long full;
    try (StallSource s = new StallSource(tmp, SIZE)) {
      s.job("targets:\n  - {name: disk, path: disk}\n");
    }
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"), "io.deltasnap.cli.Main",
        "job", "run", tmp.resolve("job.yaml").toString()));
    Process job = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(tmp.resolve("run.log").toFile()).start();
    try {
      long staged = -1;
      while (job.isAlive() && (staged = stagedOffset(disk)) < (1 << 20)) {
        Thread.sleep(2);
      }
      job.destroyForcibly(); // kill -9, mid-apply
      assertTrue(job.waitFor(30, TimeUnit.SECONDS));
      assertTrue(staged >= (1 << 20), "the job was killed after a checkpoint, before it finished: "
          + Files.readString(tmp.resolve("run.log")));
    } finally {
      job.destroyForcibly();
    }
    assertTrue(Files.exists(disk.resolve("receive-staged")), "the target holds the staged transfer");

    try (StallSource s = StallSource.reopen(tmp, SIZE)) {
      JobSpec spec = JobFile.load(tmp.resolve("job.yaml"));
      try (Volume v = Volume.open(new DirectoryStorage(disk))) {
        assertTrue(v.snapshots().isEmpty(), "the interrupted full delta published nothing");
      }
      // a minute on, so that this pass's snapshot name differs from the killed one's even within a second
      JobRunner r = new JobRunner(spec, s.src, JobRunner.targets(spec, s.key, s.src), s.key,
          Clock.offset(Clock.systemUTC(), Duration.ofMinutes(1)), JobRunner.Hook.NONE);
      PassReport p = r.run(true, false, () -> false);
      assertTrue(p.ok(), p.failures());
      List<PassReport.Send> sends = p.targets().get(0).sends();
      assertEquals(2, sends.size(), "the interrupted full delta, then the increment to this pass's snapshot: " + sends);
      PassReport.Send first = sends.get(0);
      assertEquals(null, first.base());
      assertEquals(1, first.snapshot().id(), "the snapshot the killed pass was sending");
      full = s.fullDeltaBytes(1);
      assertEquals(full, first.resumedFrom() + first.bytes(), "the rest of the stream: " + first);
      assertTrue(first.resumedFrom() >= (1 << 20), "resumed where the checkpoint was: " + first);
      assertTrue(first.bytes() < full - (1 << 20), "not the whole delta again: " + first + " of " + full);
      assertEquals(1, sends.get(1).base().id());
      assertFalse(Files.exists(disk.resolve("receive-staged")), "nothing staged once applied");
      try (Volume v = Volume.open(new DirectoryStorage(disk))) {
        s.assertSame(v, 1);
        s.assertSame(v, sends.get(1).snapshot().id());
      }
    }
  }
}
