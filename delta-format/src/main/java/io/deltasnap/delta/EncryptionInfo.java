package io.deltasnap.delta;

import java.util.List;

/**
 * How a version 2 delta is encrypted, as its header says (readable without any key).
 *
 * @param aead             the record cipher, {@code AES-256-GCM}
 * @param recipientKeyIds  the key ID of each recipient the data key is wrapped for, in header order
 */
public record EncryptionInfo(String aead, List<String> recipientKeyIds) {
    public EncryptionInfo {
        recipientKeyIds = List.copyOf(recipientKeyIds);
    }

    public int recipients() {
        return recipientKeyIds.size();
    }
}
