package io.deltasnap.nbd;

import io.netty.handler.ssl.SslContext;
import java.util.Optional;
import java.util.concurrent.ExecutorService;

/** What every connection of one server shares: exports, TLS policy, the I/O pool, limits and the write budget. */
record ServerContext(ExportProvider provider, Optional<SslContext> tls, ExecutorService io, NbdServer.Options options,
        WriteBudget writes) {}
