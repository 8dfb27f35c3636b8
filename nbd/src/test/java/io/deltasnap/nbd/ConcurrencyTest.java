package io.deltasnap.nbd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Several clients, many requests in flight, and the limits that keep them bounded. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ConcurrencyTest {
    @TempDir
    Path dir;

    @Test
    void severalClientsAtOnceEachSeeTheirOwnWrites() throws Exception {
        int clients = 8;
        int region = 256 << 10;
        MemoryBlockDevice disk = new MemoryBlockDevice(clients * region, false);
        try (NbdServer server = NbdServer.start(new InetSocketAddress("127.0.0.1", 0),
                new MapExportProvider().add("disk", "", disk), Optional.empty())) {
            ExecutorService pool = Executors.newFixedThreadPool(clients);
            try {
                List<Future<byte[]>> done = new ArrayList<>();
                for (int i = 0; i < clients; i++) {
                    int id = i;
                    done.add(pool.submit(() -> {
                        Random rnd = new Random(id);
                        byte[] mine = new byte[region];
                        try (TestNbdClient c = new TestNbdClient(server.port()).handshake()) {
                            c.go("disk", id % 2 == 0);
                            for (int round = 0; round < 50; round++) {
                                int off = rnd.nextInt(region - 8192);
                                byte[] data = new byte[1 + rnd.nextInt(8192)];
                                rnd.nextBytes(data);
                                System.arraycopy(data, 0, mine, off, data.length);
                                c.write(round, (long) id * region + off, data, 0);
                                assertEquals(0, c.readReply().error());
                                c.read(1000 + round, (long) id * region, region);
                                TestNbdClient.Reply r = c.readReply();
                                assertEquals(0, r.error());
                                assertArrayEquals(mine, r.data(), "client " + id + " round " + round);
                            }
                        }
                        return mine;
                    }));
                }
                byte[] all = disk.snapshot();
                for (int i = 0; i < clients; i++) {
                    byte[] mine = done.get(i).get(60, TimeUnit.SECONDS);
                    all = disk.snapshot();
                    assertArrayEquals(mine, Arrays.copyOfRange(all, i * region, (i + 1) * region));
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void pipelinedRequestsAreAllAnsweredAndMatchedByHandle() throws Exception {
        MemoryBlockDevice disk = new MemoryBlockDevice(4 << 20, false).fillPattern(3);
        disk.delayMillis = 5;
        try (NbdServer server = NbdServer.start(new InetSocketAddress("127.0.0.1", 0),
                new MapExportProvider().add("disk", "", disk), Optional.empty());
             TestNbdClient c = new TestNbdClient(server.port()).handshake()) {
            c.go("disk", true);
            int n = 200;
            for (int i = 0; i < n; i++) {
                c.read(i, (i % 64) * 65536L, 65536);
            }
            byte[] image = disk.snapshot();
            Set<Long> seen = new HashSet<>();
            for (int i = 0; i < n; i++) {
                TestNbdClient.Reply r = c.readReply();
                assertEquals(0, r.error());
                int h = (int) r.handle();
                assertTrue(seen.add(r.handle()), "handle answered twice: " + h);
                int off = (h % 64) * 65536;
                assertArrayEquals(Arrays.copyOfRange(image, off, off + 65536), r.data(), "handle " + h);
            }
            assertTrue(disk.maxRunning.get() > 1, "requests of one connection should run concurrently");
        }
    }

    @Test
    void backPressureBoundsTheRequestsRunningAtOnce() throws Exception {
        MemoryBlockDevice disk = new MemoryBlockDevice(1 << 20, false);
        disk.delayMillis = 10;
        NbdServer.Options options = new NbdServer.Options(16, 3, 64L << 20, Duration.ofSeconds(30));
        try (NbdServer server = NbdServer.start(new InetSocketAddress("127.0.0.1", 0),
                new MapExportProvider().add("disk", "", disk), Optional.empty(), options);
             TestNbdClient c = new TestNbdClient(server.port()).handshake()) {
            c.go("disk", false);
            int n = 150;
            for (int i = 0; i < n; i++) {
                c.write(i, (i % 256) * 4096L, new byte[4096], 0);
            }
            for (int i = 0; i < n; i++) {
                assertEquals(0, c.readReply().error());
            }
            assertTrue(disk.maxRunning.get() <= 3, "at most 3 requests may run at once, saw " + disk.maxRunning.get());
            assertEquals(3, disk.maxRunning.get());
        }
    }

    @Test
    void concurrentNbdcopyClientsReadAndWriteDifferentExports() throws Exception {
        Tools.assumeInstalled("nbdcopy");
        int size = 8 << 20;
        MemoryBlockDevice source = new MemoryBlockDevice(size, true).fillPattern(21);
        Path shared = dir.resolve("shared.img");
        Files.write(shared, new byte[size]);
        FileBlockDevice sharedDevice = FileBlockDevice.open(shared, false);
        MapExportProvider provider = new MapExportProvider().add("src", "", source);
        for (int i = 0; i < 3; i++) {
            provider.add("dst" + i, "", new MemoryBlockDevice(size, false));
        }
        // One FileChannel for all connections: CAN_MULTI_CONN, so nbdcopy opens several.
        provider.add("multi", "", sharedDevice::shared);
        try (NbdServer server = NbdServer.start(new InetSocketAddress("127.0.0.1", 0), provider, Optional.empty())) {
            String base = "nbd://127.0.0.1:" + server.port() + "/";
            byte[] payload = new byte[size];
            new Random(77).nextBytes(payload);
            Path in = dir.resolve("in.img");
            Files.write(in, payload);
            List<Process> running = new ArrayList<>();
            List<Path> outs = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                Path out = dir.resolve("out" + i + ".img");
                Files.createFile(out);
                outs.add(out);
                running.add(new ProcessBuilder("nbdcopy", base + "src", out.toString()).inheritIO().start());
                running.add(new ProcessBuilder("nbdcopy", "--flush", in.toString(), base + "dst" + i).inheritIO().start());
            }
            running.add(new ProcessBuilder("nbdcopy", "--flush", "--connections=4", in.toString(), base + "multi").inheritIO().start());
            for (Process p : running) {
                assertTrue(p.waitFor(60, TimeUnit.SECONDS), "nbdcopy hung");
                assertEquals(0, p.exitValue());
            }
            for (Path out : outs) {
                assertArrayEquals(source.snapshot(), Files.readAllBytes(out));
            }
            assertArrayEquals(payload, Files.readAllBytes(shared));
        } finally {
            sharedDevice.close();
        }
    }
}
