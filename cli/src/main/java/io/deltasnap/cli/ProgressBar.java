package io.deltasnap.cli;

import io.deltasnap.engine.Volume;
import java.io.PrintStream;
import java.util.Locale;

/**
 * A progress line on stderr with bytes done, rate and ETA, redrawn at most ten times a second.
 * Silent unless enabled (by default only when stderr is a terminal); never touches stdout.
 */
final class ProgressBar implements Volume.Progress, AutoCloseable {
  private final PrintStream err;
  private final String label;
  private final boolean enabled;
  private final long start = System.nanoTime();
  private long lastDraw;
  private long done;
  private boolean drawn;

  ProgressBar(String label, boolean enabled) {
    this.err = System.err;
    this.label = label;
    this.enabled = enabled;
  }

  @Override
  public void update(long doneBytes, long total) {
    done = doneBytes;
    if (!enabled) {
      return;
    }
    long now = System.nanoTime();
    if (now - lastDraw < 100_000_000L && doneBytes < total) {
      return;
    }
    lastDraw = now;
    double secs = Math.max(1e-3, (now - start) / 1e9);
    double rate = doneBytes / secs;
    StringBuilder sb = new StringBuilder("\r").append(label).append(' ');
    if (total > 0) {
      int pct = (int) Math.min(100, doneBytes * 100 / total);
      int w = 24;
      int fill = pct * w / 100;
      sb.append('[').append("#".repeat(fill)).append(" ".repeat(w - fill)).append("] ")
          .append(String.format(Locale.ROOT, "%3d%% ", pct))
          .append(Sizes.human(doneBytes)).append(" / ").append(Sizes.human(total));
      if (rate > 0 && doneBytes < total) {
        long eta = (long) ((total - doneBytes) / rate);
        sb.append(String.format(Locale.ROOT, "  ETA %d:%02d", eta / 60, eta % 60));
      }
    } else {
      sb.append(Sizes.human(doneBytes));
    }
    sb.append("  ").append(Sizes.human((long) rate)).append("/s   ");
    err.print(sb);
    err.flush();
    drawn = true;
  }

  long done() {
    return done;
  }

  double seconds() {
    return (System.nanoTime() - start) / 1e9;
  }

  @Override
  public void close() {
    if (drawn) {
      err.println();
    }
  }
}
