package io.deltasnap.delta;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The recipients a delta is encrypted to: a file of {@code deltasnap-x25519 <base64 key> [comment]}
 * lines (the format of a .recipient file), one a line; blank lines and lines starting with
 * {@code #} are ignored, as in a trust file. At least one and at most {@value #MAX} recipients;
 * the same key twice is refused.
 */
public final class Recipients {
    /** Recipients one delta can name: {@value} stanzas of 88 bytes fit the 4096-byte header. */
    public static final int MAX = 32;

    private final List<Recipient> list;

    private Recipients(List<Recipient> list) {
        if (list.isEmpty() || list.size() > MAX) {
            throw new IllegalArgumentException("a delta is encrypted to 1.." + MAX + " recipients, got " + list.size());
        }
        for (int i = 0; i < list.size(); i++) {
            for (int j = 0; j < i; j++) {
                if (list.get(i).keyId().equals(list.get(j).keyId())) {
                    throw new IllegalArgumentException("recipient " + list.get(i).keyId() + " is listed twice");
                }
            }
        }
        this.list = List.copyOf(list);
    }

    /**
     * Reads a recipients file.
     *
     * @throws KeyFileException naming the line of the first malformed entry, or the file when it
     *                          lists no recipient, too many, or one twice
     */
    public static Recipients load(Path path) throws IOException {
        SecureFiles.requireUnmodifiableByOthers(path, "recipients file");
        List<String> lines = SecureFiles.readLines(path, Keys.MAX_TRUST_FILE_BYTES);
        List<Recipient> keys = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (!line.isEmpty() && !line.startsWith("#")) {
                Recipient r = EncryptionKeys.parseRecipientLine(line, path, i + 1);
                if (keys.stream().anyMatch(k -> k.keyId().equals(r.keyId()))) {
                    throw new KeyFileException(path, i + 1, "recipient " + r.keyId() + " is listed twice");
                }
                keys.add(r);
            }
        }
        if (keys.isEmpty()) {
            throw new KeyFileException(path, 0, "lists no recipient ('" + EncryptionKeys.RECIPIENT_TYPE
                    + " <base64 key> [comment]' lines)");
        }
        if (keys.size() > MAX) {
            throw new KeyFileException(path, 0, "lists " + keys.size() + " recipients, at most " + MAX);
        }
        return new Recipients(keys);
    }

    public static Recipients of(Recipient... keys) {
        return new Recipients(List.of(keys));
    }

    public List<Recipient> list() {
        return list;
    }

    @Override
    public String toString() {
        return "Recipients" + list;
    }
}
