package io.deltasnap.engine;

import java.util.UUID;

/** What {@code status} reports. Sizes in bytes. */
public record VolumeStatus(UUID uuid, long size, int chunkSize, String origin, int snapshots,
    int pendingDeletions, long exceptions, int treeHeight, long storeBytes, long freeBytes, long commitSeq,
    long cacheHits, long cacheMisses, long cacheBytes, long cacheBudget, boolean dropOldest) {}
