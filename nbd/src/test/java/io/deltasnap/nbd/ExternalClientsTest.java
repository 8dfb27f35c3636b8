package io.deltasnap.nbd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The server as real NBD clients see it: libnbd's nbdinfo, nbdcopy and nbdsh, and qemu-img. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ExternalClientsTest {
    private static final int DISK_SIZE = 8 << 20;
    private static final int RO_SIZE = 4 << 20;
    private static final int FILE_SIZE = 16 << 20;

    @TempDir
    Path dir;

    private MemoryBlockDevice disk;
    private MemoryBlockDevice readOnly;
    private Path backingFile;
    private MapExportProvider provider;
    private NbdServer server;

    @BeforeEach
    void start() throws Exception {
        disk = new MemoryBlockDevice(DISK_SIZE, false, 512, 4096, 1 << 20).fillPattern(1);
        readOnly = new MemoryBlockDevice(RO_SIZE, true).fillPattern(2);
        backingFile = dir.resolve("backing.img");
        byte[] fileBytes = new byte[FILE_SIZE];
        new Random(3).nextBytes(fileBytes);
        Files.write(backingFile, fileBytes);
        provider = new MapExportProvider()
                .add("disk", "writable memory disk", disk)
                .add("ro", "read-only memory disk", readOnly)
                .add("file", "file-backed disk", () -> FileBlockDevice.open(backingFile, false));
        server = NbdServer.start(new InetSocketAddress("127.0.0.1", 0), provider, Optional.empty());
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private String uri(String export) {
        return "nbd://127.0.0.1:" + server.port() + "/" + export;
    }

    @Test
    void nbdinfoListShowsEveryExportWithItsSize() throws Exception {
        Tools.assumeInstalled("nbdinfo");
        Tools.Result r = Tools.runOk(List.of("nbdinfo", "--list", "nbd://127.0.0.1:" + server.port()));
        String out = r.stdout();
        for (String name : List.of("disk", "ro", "file")) {
            assertTrue(out.contains("export=\"" + name + "\""), "missing export " + name + " in:\n" + out);
        }
        assertTrue(out.contains("export-size: " + DISK_SIZE), out);
        assertTrue(out.contains("export-size: " + RO_SIZE), out);
        assertTrue(out.contains("export-size: " + FILE_SIZE), out);
        assertTrue(out.contains("writable memory disk"), "description missing:\n" + out);
    }

    @Test
    void nbdinfoShowsBlockSizesAndFlagsOfOneExport() throws Exception {
        Tools.assumeInstalled("nbdinfo");
        String out = Tools.runOk(List.of("nbdinfo", uri("disk"))).stdout();
        assertTrue(out.contains("export-size: " + DISK_SIZE), out);
        assertTrue(out.contains("block_size_minimum: 512"), out);
        assertTrue(out.contains("block_size_preferred: 4096"), out);
        assertTrue(out.contains("block_size_maximum: " + (1 << 20)), out);
        assertTrue(out.contains("is_read_only: false"), out);
        assertTrue(out.contains("can_flush: true"), out);
        assertTrue(out.contains("can_fua: true"), out);
        assertTrue(out.contains("can_trim: true"), out);
        assertTrue(out.contains("can_zero: true"), out);
        assertTrue(out.contains("can_multi_conn: false"), out);

        String ro = Tools.runOk(List.of("nbdinfo", uri("ro"))).stdout();
        assertTrue(ro.contains("is_read_only: true"), ro);
        assertTrue(ro.contains("can_multi_conn: true"), ro);
    }

    @Test
    void nbdcopyReadsAnExportIntoAFileByteForByte() throws Exception {
        Tools.assumeInstalled("nbdcopy");
        Path out = dir.resolve("copy.img");
        Files.createFile(out);
        Tools.runOk(List.of("nbdcopy", uri("ro"), out.toString()));
        assertArrayEquals(readOnly.snapshot(), Files.readAllBytes(out));
    }

    @Test
    void nbdcopyWritesAFileIntoAWritableExport() throws Exception {
        Tools.assumeInstalled("nbdcopy");
        byte[] source = new byte[DISK_SIZE];
        new Random(42).nextBytes(source);
        Arrays.fill(source, 1 << 20, 3 << 20, (byte) 0); // a zero run, which nbdcopy may send as zeroing
        Path in = dir.resolve("source.img");
        Files.write(in, source);
        Tools.runOk(List.of("nbdcopy", "--flush", in.toString(), uri("disk")));
        assertArrayEquals(source, disk.snapshot());
        assertTrue(disk.flushes.get() > 0, "nbdcopy --flush should have flushed");
    }

    @Test
    void nbdcopyRoundTripsThroughAFileBackedExport() throws Exception {
        Tools.assumeInstalled("nbdcopy");
        byte[] source = new byte[FILE_SIZE];
        new Random(7).nextBytes(source);
        Path in = dir.resolve("in.img");
        Files.write(in, source);
        Tools.runOk(List.of("nbdcopy", "--flush", in.toString(), uri("file")));
        assertArrayEquals(source, Files.readAllBytes(backingFile));
        Path back = dir.resolve("back.img");
        Files.createFile(back);
        Tools.runOk(List.of("nbdcopy", uri("file"), back.toString()));
        assertArrayEquals(source, Files.readAllBytes(back));
    }

    @Test
    void nbdshTrimZeroAndFlushReachTheDevice() throws Exception {
        Tools.assumeNbdsh();
        byte[] before = disk.snapshot();
        Tools.runOk(List.of("nbdsh", "-u", uri("disk"), "-c",
                "h.trim(65536, 0)\n"
                + "h.zero(8192, 1048576)\n"
                + "h.zero(4096, 2097152, nbd.CMD_FLAG_NO_HOLE)\n"
                + "assert h.pread(8192, 1048576) == bytearray(8192)\n"
                + "h.pwrite(b'\\x5a' * 4096, 4096, nbd.CMD_FLAG_FUA)\n"
                + "h.flush()\n"));
        assertTrue(disk.calls.contains("trim 0 65536"), disk.calls.toString());
        assertTrue(disk.calls.contains("zero 1048576 8192"), disk.calls.toString());
        assertTrue(disk.calls.contains("zero 2097152 4096 nohole"), disk.calls.toString());
        assertTrue(disk.flushes.get() >= 2, "FUA write and flush should each flush: " + disk.calls);
        byte[] after = disk.snapshot();
        byte[] expect = before.clone();
        Arrays.fill(expect, 0, 65536, (byte) 0);            // this device zeroes on trim
        Arrays.fill(expect, 1048576, 1048576 + 8192, (byte) 0);
        Arrays.fill(expect, 2097152, 2097152 + 4096, (byte) 0);
        Arrays.fill(expect, 4096, 8192, (byte) 0x5a);
        assertArrayEquals(expect, after);
    }

    @Test
    void qemuImgConvertCopiesTheExportAndCompareAgrees() throws Exception {
        Tools.assumeInstalled("qemu-img");
        Path out = dir.resolve("qemu.raw");
        Tools.runOk(List.of("qemu-img", "convert", "-f", "raw", "-O", "raw", uri("ro"), out.toString()));
        assertArrayEquals(readOnly.snapshot(), Files.readAllBytes(out));
        Tools.Result same = Tools.run(List.of("qemu-img", "compare", "-f", "raw", "-F", "raw", uri("ro"), out.toString()));
        assertEquals(0, same.exit(), same.all());
        byte[] changed = Files.readAllBytes(out);
        changed[12345] ^= 1;
        Files.write(out, changed);
        Tools.Result differ = Tools.run(List.of("qemu-img", "compare", "-f", "raw", "-F", "raw", uri("ro"), out.toString()));
        assertEquals(1, differ.exit(), differ.all());
    }

    @Test
    void qemuImgConvertWritesIntoAWritableExport() throws Exception {
        Tools.assumeInstalled("qemu-img");
        byte[] source = new byte[DISK_SIZE];
        new Random(9).nextBytes(source);
        Path in = dir.resolve("in.raw");
        Files.write(in, source);
        Tools.runOk(List.of("qemu-img", "convert", "-n", "-f", "raw", "-O", "raw", in.toString(), uri("disk")));
        assertArrayEquals(source, disk.snapshot());
        Tools.Result same = Tools.run(List.of("qemu-img", "compare", "-f", "raw", "-F", "raw", in.toString(), uri("disk")));
        assertEquals(0, same.exit(), same.all());
    }

    @Test
    void writesToAReadOnlyExportFailWithEpermAndChangeNothing() throws Exception {
        Tools.assumeNbdsh();
        byte[] before = readOnly.snapshot();
        // Strict mode 0 makes libnbd send the commands instead of refusing them itself.
        Tools.Result r = Tools.runOk(List.of("nbdsh", "-u", uri("ro"), "-c",
                "h.set_strict_mode(0)\n"
                + "for f in (lambda: h.pwrite(b'x' * 4096, 0), lambda: h.trim(4096, 0), lambda: h.zero(4096, 0)):\n"
                + "    try:\n"
                + "        f()\n"
                + "        print('SUCCEEDED')\n"
                + "    except nbd.Error as e:\n"
                + "        print('ERRNO', e.errno)\n"));
        assertEquals("ERRNO EPERM\nERRNO EPERM\nERRNO EPERM\n", r.stdout(), r.all());
        assertArrayEquals(before, readOnly.snapshot());
        assertTrue(readOnly.calls.stream().noneMatch(c -> !c.startsWith("read")), readOnly.calls.toString());
    }

    @Test
    void exportsAddedOrRemovedWhileServingShowInTheNextNegotiation() throws Exception {
        Tools.assumeInstalled("nbdinfo");
        Tools.Result missing = Tools.run(List.of("nbdinfo", uri("later")));
        assertNotEquals(0, missing.exit());
        provider.add("later", "added while serving", new MemoryBlockDevice(1 << 20, true));
        assertTrue(Tools.runOk(List.of("nbdinfo", uri("later"))).stdout().contains("export-size: " + (1 << 20)));
        provider.remove("later");
        assertNotEquals(0, Tools.run(List.of("nbdinfo", uri("later"))).exit());
    }
}
