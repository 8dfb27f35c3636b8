package io.deltasnap.delta;

import java.util.Objects;
import org.bouncycastle.crypto.params.X25519PrivateKeyParameters;

/**
 * The X25519 secret key of a {@link Recipient}: what opens a delta encrypted to it. It never
 * shows its bytes: {@link #toString()} names the key ID only, so it cannot leak into a log or
 * a message by accident.
 */
public final class RecipientSecret {
    private final X25519PrivateKeyParameters key;
    private final Recipient recipient;

    RecipientSecret(X25519PrivateKeyParameters key, String comment) {
        this.key = Objects.requireNonNull(key, "key");
        this.recipient = new Recipient(key.generatePublicKey().getEncoded(), comment == null ? "" : comment);
    }

    /** The public half: the line to put in the senders' recipients files. */
    public Recipient recipient() {
        return recipient;
    }

    public String keyId() {
        return recipient.keyId();
    }

    X25519PrivateKeyParameters key() {
        return key;
    }

    /** The 32 secret bytes, for writing the key file only. */
    byte[] encoded() {
        return key.getEncoded();
    }

    @Override
    public String toString() {
        return "RecipientSecret[" + keyId() + "]";
    }
}
