package io.deltasnap.nbd;

import java.io.IOException;

/**
 * A device refused a write because it is (or became) read-only; the client sees NBD_EPERM.
 * Writes to a device whose {@link BlockDevice#readOnly()} is true are refused by the server
 * itself and never reach the device.
 */
public class ReadOnlyExportException extends IOException {
    public ReadOnlyExportException(String message) {
        super(message);
    }
}
