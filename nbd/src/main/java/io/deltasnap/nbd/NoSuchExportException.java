package io.deltasnap.nbd;

import java.io.IOException;

/** {@link ExportProvider#open} found no export of that name; the client sees NBD_REP_ERR_UNKNOWN. */
public final class NoSuchExportException extends IOException {
    public NoSuchExportException(String name) {
        super("no export named '" + name + "'");
    }
}
