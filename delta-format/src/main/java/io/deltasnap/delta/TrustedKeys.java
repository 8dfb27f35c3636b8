package io.deltasnap.delta;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The signer keys a receiver accepts deltas from. A trust file holds one
 * {@code deltasnap-ed25519 <base64 key> [comment]} line per key (the format of a .pub file);
 * blank lines and lines starting with {@code #} are ignored, like authorized_keys.
 */
public final class TrustedKeys {
    private final List<SignerKey> keys;

    private TrustedKeys(List<SignerKey> keys) {
        this.keys = List.copyOf(keys);
    }

    /**
     * Reads a trust file.
     *
     * @throws KeyFileException naming the line of the first malformed entry
     */
    public static TrustedKeys load(Path path) throws IOException {
        SecureFiles.requireUnmodifiableByOthers(path, "trust file");
        List<String> lines = SecureFiles.readLines(path, Keys.MAX_TRUST_FILE_BYTES);
        List<SignerKey> keys = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (!line.isEmpty() && !line.startsWith("#")) {
                keys.add(Keys.parsePublicLine(line, path, i + 1));
            }
        }
        return new TrustedKeys(keys);
    }

    public static TrustedKeys of(SignerKey... keys) {
        return new TrustedKeys(List.of(keys));
    }

    /** The trusted entry for a 32-byte public key, if there is one. */
    public Optional<SignerKey> find(byte[] publicKey) {
        return keys.stream().filter(k -> k.matches(publicKey)).findFirst();
    }

    public List<SignerKey> keys() {
        return keys;
    }
}
