package io.deltasnap.cli.job;

import java.time.Instant;
import java.util.UUID;

/**
 * A snapshot as a job sees it, on the source or on a target. {@code time} is the time in its
 * name when the name matches the job's template (the job owns it and may prune it), else null.
 * A snapshot the pass plans to take (dry run) has ID {@link #PLANNED} and no UUID.
 */
public record Snap(long id, UUID uuid, String name, Instant time) {
  public static final long PLANNED = Long.MAX_VALUE;

  public boolean owned() {
    return time != null;
  }

  /** Same snapshot on both sides: same ID and UUID (a replica keeps both). */
  public boolean sameAs(Snap o) {
    return id == o.id && uuid != null && uuid.equals(o.uuid);
  }

  public String label() {
    return id == PLANNED ? "(new) " + name : id + " " + name;
  }
}
