package io.deltasnap.cli;

import io.deltasnap.engine.SnapshotInfo;
import io.deltasnap.engine.Volume;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * While a command writes to a volume set to {@code --on-full drop-oldest}: says on stderr which
 * snapshot each drop deleted, at once, and keeps their IDs for the command's JSON output.
 */
final class DropReport implements AutoCloseable {
  private final List<Long> ids = new CopyOnWriteArrayList<>();
  private final Volume.Subscription subscription;

  DropReport(Volume v, PrintWriter err) {
    subscription = v.onDrop(s -> {
      ids.add(s.id());
      err.println("deltasnap: the store was full: dropped snapshot " + s.id() + describe(s)
          + " to make room (--on-full drop-oldest)");
      err.flush();
    });
  }

  private static String describe(SnapshotInfo s) {
    return s.name().isEmpty() ? "" : " (\"" + Printable.escape(s.name()) + "\")";
  }

  /** IDs of the snapshots dropped so far, oldest first. */
  List<Long> ids() {
    return List.copyOf(ids);
  }

  @Override
  public void close() {
    subscription.close();
  }
}
