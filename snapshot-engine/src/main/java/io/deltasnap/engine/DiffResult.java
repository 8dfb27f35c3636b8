package io.deltasnap.engine;

import java.util.List;

/**
 * The extents that differ between two snapshots, and what finding them cost.
 *
 * @param nodesVisited tree nodes the walk read (subtrees older than the base are skipped)
 * @param candidates   exception entries born after the base, examined
 * @param changedChunks chunks whose contents may differ
 */
public record DiffResult(List<Extent> extents, long nodesVisited, long candidates, long changedChunks,
    long changedBytes) {}
