package io.deltasnap.delta;

import java.util.Objects;
import java.util.UUID;

/**
 * A snapshot named by its 64-bit ID and its UUID, as the base of an incremental delta.
 *
 * @param id   snapshot ID, 0..2^63-1
 * @param uuid snapshot UUID
 */
public record SnapshotRef(long id, UUID uuid) {
    public SnapshotRef {
        if (id < 0) {
            throw new IllegalArgumentException("snapshot id must be 0..2^63-1, got " + id);
        }
        Objects.requireNonNull(uuid, "uuid");
    }
}
