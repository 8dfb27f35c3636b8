package io.deltasnap.delta;

import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.UUID;

/**
 * The snapshot a delta produces on the receiver.
 *
 * @param id            snapshot ID, 0..2^63-1
 * @param uuid          snapshot UUID
 * @param name          snapshot name, at most {@value #MAX_NAME_BYTES} bytes of UTF-8
 * @param createdMillis creation time on the sender, milliseconds since the epoch
 * @param writable      whether the snapshot accepts writes
 */
public record TargetSnapshot(long id, UUID uuid, String name, long createdMillis, boolean writable) {
    /** Longest name, in UTF-8 bytes. */
    public static final int MAX_NAME_BYTES = 255;

    public TargetSnapshot {
        if (id < 0) {
            throw new IllegalArgumentException("snapshot id must be 0..2^63-1, got " + id);
        }
        Objects.requireNonNull(uuid, "uuid");
        int n = utf8(name).length;
        if (n > MAX_NAME_BYTES) {
            throw new IllegalArgumentException("snapshot name is " + n + " UTF-8 bytes, at most " + MAX_NAME_BYTES + " allowed");
        }
    }

    /** The name's UTF-8 bytes; refuses strings that are not valid Unicode (unpaired surrogates). */
    static byte[] utf8(String name) {
        Objects.requireNonNull(name, "name");
        try {
            var buf = StandardCharsets.UTF_8.newEncoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .encode(java.nio.CharBuffer.wrap(name));
            byte[] out = new byte[buf.remaining()];
            buf.get(out);
            return out;
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("snapshot name is not valid Unicode: " + e.getMessage(), e);
        }
    }
}
