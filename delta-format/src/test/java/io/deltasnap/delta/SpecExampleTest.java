package io.deltasnap.delta;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The example stream of docs/delta-format.md ("Example"): the same hex is embedded here. */
class SpecExampleTest {
    static final long VOLUME_SIZE = 8208;
    static final TrustedKeys TRUST = Fixtures.trust(Fixtures.KEY);

    /** Keep identical to the block in docs/delta-format.md. */
    static final String HEX = """
000000  89 44 53 44 45 4c 54 0a                          header: magic "\\x89DSDELT\\n"
000008  01 00                                            u16 major version = 1
000010  00 00                                            u16 minor version = 0
000012  9b 00 00 00                                      u32 header length = 155
000016  00 00 00 00                                      u32 flags = 0x0 (full delta, target read-only)
000020  00 10 00 00                                      u32 chunk size = 4096
000024  10 20 00 00 00 00 00 00                          u64 volume size = 8208
000032  11 11 11 11 22 22 33 33 44 44 55 55 55 55 55 55  uuid volume = 11111111-2222-3333-4444-555555555555
000048  00 00 00 00 00 00 00 00                          u64 base id = 0 (no base)
000056  00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00  uuid base = 00000000-0000-0000-0000-000000000000 (no base)
000072  07 00 00 00 00 00 00 00                          u64 target id = 7
000080  aa aa aa aa bb bb cc cc dd dd 00 00 00 00 00 02  uuid target = aaaaaaaa-bbbb-cccc-dddd-000000000002
000096  00 7c 29 1f 94 01 00 00                          i64 target created = 1735689600000 ms (2025-01-01T00:00:00Z)
000104  01                                               u8 codec = 1 (zstd)
000105  00                                               u8 reserved
000106  07 00                                            u16 name length = 7
000108  03 00 00 00                                      i32 zstd level = 3
000112  03 a1 07 bf f3 ce 10 be 1d 70 dd 18 e7 4b c0 99  signer Ed25519 public key
000128  67 e4 d6 30 9b a5 0d 5f 1d dc 86 64 12 55 31 b8
000144  65 78 61 6d 70 6c 65                             target name = "example"
000151  b5 a1 e1 23                                      u32 header CRC32C of bytes 0..150 = 0x23e1a1b5
000155  01                                               record at 155: u8 kind = 1 (DATA)
000156  01                                               u8 flags = 0x1 (COMPRESSED)
000157  00 00                                            u16 reserved
000159  24 00 00 00                                      u32 stored length = 36
000163  00 00 00 00 00 00 00 00                          u64 volume offset = 0
000171  00 10 00 00 00 00 00 00                          u64 length = 4096
000179  0a ef 4a 3d                                      u32 content CRC32C = 0x3d4aef0a
000183  fb f9 43 0b                                      u32 payload CRC32C = 0x0b43f9fb
000187  57 66 8d 6f                                      u32 header CRC32C of bytes 155..186 = 0x6f8d6657
000191  28 b5 2f fd 60 00 0f d5 00 00 90 64 65 6c 74 61  payload: zstd frame, 36 bytes
000207  73 6e 61 70 20 65 78 61 6d 70 6c 65 0a 01 00 d6
000223  5f fe 0c 03
000227  02                                               record at 227: u8 kind = 2 (ZERO)
000228  00                                               u8 flags = 0x0
000229  00 00                                            u16 reserved
000231  00 00 00 00                                      u32 stored length = 0
000235  00 10 00 00 00 00 00 00                          u64 volume offset = 4096
000243  00 10 00 00 00 00 00 00                          u64 length = 4096
000251  00 00 00 00                                      u32 content CRC32C = 0x00000000
000255  00 00 00 00                                      u32 payload CRC32C = 0x00000000
000259  5d 32 e0 d1                                      u32 header CRC32C of bytes 227..258 = 0xd1e0325d
000263  01                                               record at 263: u8 kind = 1 (DATA)
000264  00                                               u8 flags = 0x0
000265  00 00                                            u16 reserved
000267  10 00 00 00                                      u32 stored length = 16
000271  00 20 00 00 00 00 00 00                          u64 volume offset = 8192
000279  10 00 00 00 00 00 00 00                          u64 length = 16
000287  eb 08 c9 d9                                      u32 content CRC32C = 0xd9c908eb
000291  eb 08 c9 d9                                      u32 payload CRC32C = 0xd9c908eb
000295  4e c9 5f cc                                      u32 header CRC32C of bytes 263..294 = 0xcc5fc94e
000299  00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f  payload: raw content
000315  ff                                               trailer at 315: u8 kind = 0xff
000316  00 00 00 00 00 00 00                             reserved
000323  02 00 00 00 00 00 00 00                          u64 DATA records = 2
000331  01 00 00 00 00 00 00 00                          u64 ZERO records = 1
000339  00 00 00 00 00 00 00 00                          u64 PATCH records = 0
000347  10 10 00 00 00 00 00 00                          u64 data bytes = 4112
000355  00 10 00 00 00 00 00 00                          u64 zero bytes = 4096
000363  d0 90 a2 20 b7 8c 9b 58 de 48 fa 2c ff b4 e3 04  chain hash h_3
000379  c2 85 7c 65 4e 1d 17 24 c1 3c 0c 5d 7b 7c 98 a3
000395  d3 5b 5a fa 5f a9 6d ff 03 93 84 74 68 fe 44 42  Ed25519 signature
000411  2a 38 24 f0 b1 32 92 18 4f fc 12 40 f7 06 01 4a
000427  21 e8 35 9d 75 3d 35 e5 7c 94 0c cc a7 1b d2 3a
000443  da b5 b0 cc 05 98 e0 dc e3 cf 35 dd 90 3a 1a 0a
000459  37 c6 c3 04                                      u32 trailer CRC32C of bytes 315..458 = 0x04c3c637
""";

    /** The example's header: the key is the one whose seed is the bytes 00 01 .. 1f. */
    static DeltaHeader exampleHeader() {
        return new DeltaHeader(UUID.fromString("11111111-2222-3333-4444-555555555555"), 4096, VOLUME_SIZE, null,
                new TargetSnapshot(7, UUID.fromString("aaaaaaaa-bbbb-cccc-dddd-000000000002"), "example", 1735689600000L,
                        false), 3, Keys.publicKey(Fixtures.KEY));
    }

    /** Chunk 0: "deltasnap example\n" repeated to 4096 bytes. */
    static byte[] chunk0() {
        byte[] line = "deltasnap example\n".getBytes(StandardCharsets.US_ASCII);
        byte[] b = new byte[4096];
        for (int i = 0; i < b.length; i++) {
            b[i] = line[i % line.length];
        }
        return b;
    }

    /** The last 16 bytes of the volume: 00 01 .. 0f. */
    static byte[] tail() {
        byte[] b = new byte[16];
        for (int i = 0; i < 16; i++) {
            b[i] = (byte) i;
        }
        return b;
    }

    /** The example as the writer produces it: chunk 0 text, chunk 1 zeros, 16 bytes at the end. */
    static byte[] exampleBytes() {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (DeltaWriter w = new DeltaWriter(out, exampleHeader(), Fixtures.KEY, new WriterOptions(1, 1, 4096))) {
                w.writeData(0, chunk0());
                w.writeData(8192, tail());
                w.finish();
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static final Pattern LINE = Pattern.compile("^(\\d{6})  ((?:[0-9a-f]{2})(?: [0-9a-f]{2})*)(?:  .*)?$");

    /** Parses the annotated dump; checks that each line's offset column matches the bytes before it. */
    static byte[] parse(String dump) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String line : dump.strip().split("\n")) {
            Matcher m = LINE.matcher(line);
            assertTrue(m.matches(), "not a dump line: " + line);
            assertEquals(out.size(), Integer.parseInt(m.group(1)), "offset column of: " + line);
            for (String h : m.group(2).split(" ")) {
                out.write(Integer.parseInt(h, 16));
            }
        }
        return out.toByteArray();
    }

    @Test
    void theSpecificationsHexExampleDecodes() throws IOException {
        byte[] bytes = parse(HEX);
        assertEquals(148 + 7 + 36 + 36 + 36 + 36 + 16 + 148, bytes.length, "header, 3 records, trailer");
        try (DeltaReader r = new DeltaReader(new ByteArrayInputStream(bytes), TRUST)) {
            assertEquals(exampleHeader(), r.header());
            assertEquals(new DeltaRecord.Data(0, chunk0()), r.next(null));
            assertEquals(new DeltaRecord.Zero(4096, 4096), r.next(null));
            assertEquals(new DeltaRecord.Data(8192, tail()), r.next(null));
            assertNull(r.next(null), "trailer, hash chain and signature verify");
            HashChain c = r.chain();
            assertEquals(2, c.dataRecords());
            assertEquals(1, c.zeroRecords());
            assertEquals(4096 + 16, c.dataBytes());
        }
        DeltaInspection i = DeltaInspector.inspect(new ByteArrayInputStream(bytes), null);
        assertEquals("unverified: no trust file", i.signature().detail());
    }

    @Test
    void theWriterProducesTheExampleByteForByte() {
        assertArrayEquals(parse(HEX), exampleBytes(),
                "the writer's output differs from the spec example; if zstd-jni changed, its frame may differ legitimately: "
                        + "regenerate with ExampleDump.main, check by hand, update docs and HEX");
        assertEquals(HEX.strip(), ExampleDump.render(exampleBytes()).strip());
    }

    @Test
    void theDocumentCarriesTheSameHexDump() throws IOException {
        Path doc = Path.of("..", "docs", "delta-format.md");
        Assumptions.assumeTrue(Files.exists(doc), "docs/delta-format.md is beside this module");
        String text = Files.readString(doc);
        int begin = text.indexOf("<!-- example-hex-begin -->");
        int end = text.indexOf("<!-- example-hex-end -->");
        assertTrue(begin >= 0 && end > begin, "markers around the example in " + doc);
        String block = text.substring(begin, end);
        block = block.substring(block.indexOf("```text\n") + 8, block.lastIndexOf("```"));
        assertEquals(HEX.strip(), block.strip());
    }

    @Test
    void everySingleByteChangeOfTheExampleIsRefused() {
        byte[] bytes = exampleBytes();
        for (int p = 0; p < bytes.length; p++) {
            byte[] bad = Arrays.copyOf(bytes, bytes.length);
            bad[p] ^= 0x01;
            assertThrows(DeltaFormatException.class, () -> Fixtures.readAll(bad, TRUST, null), "byte " + p);
        }
    }
}
