package io.deltasnap.engine;

import java.util.List;

/**
 * What {@code check} found. Damage (a bad checksum, a broken tree, a page claimed twice) means
 * data may be lost; leaks (pages neither free nor referenced) only waste space. {@code superblocks}:
 * each superblock copy as the open found it; {@code repaired}: what the open rewrote (a damaged copy
 * healed from the others is repaired, not damage).
 */
public record CheckReport(long nodes, long exceptions, long copiesVerified, long snapshots, long pagesInStore,
    long freePages, long leakedPages, List<String> damage, List<String> leaks, List<String> superblocks,
    List<String> repaired) {
  public boolean damaged() {
    return !damage.isEmpty();
  }
}
