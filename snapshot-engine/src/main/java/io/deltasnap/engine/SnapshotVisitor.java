package io.deltasnap.engine;

import java.io.IOException;

/**
 * Receives snapshots one at a time from {@link Volume#visitSnapshots}, in ascending ID order.
 * Returning false stops the walk; an exception thrown here ends it and reaches the caller.
 */
@FunctionalInterface
public interface SnapshotVisitor {
  /** Takes one snapshot; returns whether to go on to the next. */
  boolean visit(SnapshotInfo snapshot) throws IOException;
}
