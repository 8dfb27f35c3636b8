package io.deltasnap.nbd;

import java.io.IOException;

/** A device ran out of space for a write; the client sees NBD_ENOSPC. */
public class NoSpaceException extends IOException {
    public NoSpaceException(String message) {
        super(message);
    }
}
