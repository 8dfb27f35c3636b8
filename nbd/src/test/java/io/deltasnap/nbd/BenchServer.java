package io.deltasnap.nbd;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;

/**
 * Serves every regular file of a directory as a writable export named after the file, for
 * {@code nbd/bench.sh} (like {@code nbdkit file dir=DIR}). All connections to one export share
 * one file channel, so exports are multi-conn safe. Prints {@code PORT n} once listening and runs
 * until killed.
 *
 * <p>Usage: {@code BenchServer DIR [PORT]}; {@code -Dnbd.ioThreads=N} sets the I/O thread count.
 */
public final class BenchServer {
    private BenchServer() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: BenchServer DIR [PORT]");
            System.exit(2);
        }
        Path dir = Path.of(args[0]);
        int port = args.length > 1 ? Integer.parseInt(args[1]) : 0;
        Map<String, FileBlockDevice> open = new ConcurrentHashMap<>();
        ExportProvider provider = new ExportProvider() {
            @Override
            public List<ExportInfo> list() throws IOException {
                List<ExportInfo> out = new ArrayList<>();
                try (Stream<Path> files = Files.list(dir)) {
                    files.filter(Files::isRegularFile).forEach(f -> out.add(new ExportInfo(f.getFileName().toString(), "file " + f)));
                }
                return out;
            }

            @Override
            public BlockDevice open(String name) throws IOException {
                Path f = dir.resolve(name).normalize();
                if (name.isEmpty() || !f.getParent().equals(dir.normalize()) || !Files.isRegularFile(f)) {
                    throw new NoSuchExportException(name);
                }
                synchronized (open) {
                    FileBlockDevice base = open.get(name);
                    if (base == null) {
                        base = FileBlockDevice.open(f, false);
                        open.put(name, base); // kept open for the life of the process
                    }
                    return base.shared();
                }
            }
        };
        NbdServer.Options d = NbdServer.Options.defaults();
        int ioThreads = Integer.getInteger("nbd.ioThreads", d.ioThreads());
        NbdServer.Options options = new NbdServer.Options(ioThreads, d.maxRequestsInFlight(), d.maxBytesInFlight(), d.negotiationTimeout());
        NbdServer server = NbdServer.start(new InetSocketAddress("127.0.0.1", port), provider, Optional.empty(), options);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }));
        System.out.println("PORT " + server.port());
        System.out.flush();
        stopped.await();
    }
}
