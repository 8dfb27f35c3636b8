package io.deltasnap.nbd;

import java.io.IOException;
import java.util.List;

/**
 * The set of exports a server offers. It is consulted on every negotiation, so exports can
 * appear and disappear while the server runs; a connection already in transmission keeps the
 * {@link BlockDevice} it opened.
 *
 * <p>Both methods are called on an I/O worker thread, never on a Netty event loop, and may be
 * called concurrently for different connections.
 */
public interface ExportProvider {
    /** Exports to show to {@code NBD_OPT_LIST}; also the source of {@code NBD_INFO_DESCRIPTION}. */
    List<ExportInfo> list() throws IOException;

    /**
     * Opens the export called {@code name} ({@code ""} is the client's default export). The
     * server calls {@link BlockDevice#close()} when done with it.
     *
     * @throws NoSuchExportException if there is no such export ({@code NBD_REP_ERR_UNKNOWN})
     * @throws IOException if it exists but cannot be opened ({@code NBD_REP_ERR_PLATFORM})
     */
    BlockDevice open(String name) throws IOException;
}
