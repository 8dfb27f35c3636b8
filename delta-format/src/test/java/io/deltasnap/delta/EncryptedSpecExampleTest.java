package io.deltasnap.delta;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The version 2 example of docs/delta-format.md ("Example of an encrypted delta"): the version 1
 * example's volume, encrypted to one recipient with fixed random bytes. The same hex is embedded here.
 */
class EncryptedSpecExampleTest {
    /** The recipient's secret scalar: 40 41 .. 5f. */
    static final RecipientSecret RECIPIENT = EncryptionKeys.secret(seq(0x40), "example recipient");
    /** What the writer draws from its random source, in order: the data key, then the stanza's ephemeral secret. */
    static final byte[] DATA_KEY = seq(0x80);
    static final byte[] EPHEMERAL = seq(0xa0);

    static byte[] seq(int first) {
        byte[] b = new byte[32];
        for (int i = 0; i < 32; i++) {
            b[i] = (byte) (first + i);
        }
        return b;
    }

    /** A random source that returns the given blocks, in order, and nothing else. */
    static final class Fixed extends SecureRandom {
        private static final long serialVersionUID = 1L;
        private final transient Deque<byte[]> blocks;

        Fixed(byte[]... blocks) {
            this.blocks = new ArrayDeque<>(List.of(blocks));
        }

        @Override
        public void nextBytes(byte[] out) {
            byte[] b = blocks.pop();
            assertEquals(b.length, out.length);
            System.arraycopy(b, 0, out, 0, b.length);
        }
    }

    /** Keep identical to the block in docs/delta-format.md. */
    static final String HEX = """
000000  89 44 53 44 45 4c 54 0a                          header: magic "\\x89DSDELT\\n"
000008  02 00                                            u16 major version = 2
000010  00 00                                            u16 minor version = 0
000012  f7 00 00 00                                      u32 header length = 247
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
000151  01                                               encryption: u8 AEAD = 1 (AES-256-GCM)
000152  01                                               u8 recipients = 1
000153  00 00                                            u16 reserved
000155  67 ca 2f fd 6f e9 ef ab                          stanza 0: key ID 67ca2ffd6fe9efab
000163  60 5a 72 5d 2a 4a df ee b1 a2 9e 17 ed d6 21 c1  ephemeral X25519 public key
000179  b7 59 3e e8 cd bc 44 ac 6c 4a b6 e2 f8 05 d2 3c
000195  03 91 9b 2d c0 3f cf 77 f9 0e 29 01 0c c5 26 03  wrapped data key (32 bytes) and its GCM tag (16)
000211  31 20 c4 85 2e 58 20 1b a2 9b 8d d1 43 c3 b6 43
000227  85 12 6f bf 1a 11 a0 b2 d9 4b 7b 92 5d 49 c6 23
000243  54 1a fc e2                                      u32 header CRC32C of bytes 0..242 = 0xe2fc1a54
000247  53                                               frame at 247: u8 kind = 0x53 (sealed record 0)
000248  00 00 00                                         reserved
000251  58 00 00 00                                      u32 sealed length = 88
000255  76 44 f6 e1 62 2b f4 57 2b 21 77 3a 71 9f 35 ee  ciphertext of record 0 (72 bytes)
000271  60 a6 7d 38 01 31 f1 31 17 71 62 f9 21 45 4e 68
000287  8e 8c e8 a9 5a ea 60 70 4f f8 8b 99 25 a4 22 21
000303  d6 ad 03 6e 0a 33 24 93 d4 e3 1b 59 a8 f1 89 3d
000319  db 36 8a 9d b5 4b 9d 3f
000327  9e 87 b9 fe ab f7 c7 9e 9e 02 aa c7 ba cc 1a 7a  GCM tag
000343  53                                               frame at 343: u8 kind = 0x53 (sealed record 1)
000344  00 00 00                                         reserved
000347  34 00 00 00                                      u32 sealed length = 52
000351  a2 10 d2 51 bc d0 7f 64 b9 9b 36 63 ba 6c fa 99  ciphertext of record 1 (36 bytes)
000367  f1 fb 2a 1d 29 f1 50 57 a3 c0 ef 7b 61 ce 94 1d
000383  ed 10 c9 fa
000387  9a 1c 86 40 9f 65 6d 83 77 e5 21 f1 be 7f 34 e6  GCM tag
000403  53                                               frame at 403: u8 kind = 0x53 (sealed record 2)
000404  00 00 00                                         reserved
000407  44 00 00 00                                      u32 sealed length = 68
000411  95 23 e7 43 16 c4 8a 0b 87 6b dc 28 64 fb 26 8c  ciphertext of record 2 (52 bytes)
000427  e1 fd 62 ac b1 26 56 02 96 f0 69 f9 08 5b f7 69
000443  45 33 f2 3d 2e c5 1d 14 eb 55 5e 0c d7 ba cc 09
000459  e1 42 c2 5d
000463  21 48 8d de 02 c7 d0 54 70 66 10 4d 16 3e fe 6a  GCM tag
000479  ff                                               trailer at 479: u8 kind = 0xff
000480  00 00 00 00 00 00 00                             reserved
000487  03 00 00 00 00 00 00 00                          u64 records = 3
000495  5c d5 ff dd 0b 95 14 0a 6e 6e 15 0f b3 11 7f bc  sealed counts: ciphertext of the five counts
000511  43 af b0 0c 1e 59 34 da 70 3c 73 19 e0 57 11 c1
000527  51 c4 f8 30 93 cd e2 0c
000535  2d 59 d2 e0 8a 57 58 4b e2 a7 3c fe 9a 87 23 a6  GCM tag
000551  9d dc 53 8d bd da d5 db 74 15 b6 50 ab 5b 89 22  chain hash h_3
000567  09 e5 8d 0c 43 78 6e 7f 2f 9e 90 e8 e7 0f 41 ae
000583  c3 8b ab 95 fa 9f 33 8a a4 a2 eb f1 50 e9 d0 e3  Ed25519 signature
000599  16 4a 92 14 3d 65 3d 4b 64 4d 62 f7 0e 7f 82 22
000615  01 31 97 b7 53 62 8c 31 82 13 05 3d 22 8b 59 c9
000631  94 17 4c 3a c6 7b f4 51 b3 fe c4 c7 f4 81 b2 0e
000647  1c c2 1e 94                                      u32 trailer CRC32C of bytes 479..646 = 0x941ec21c
""";

    static byte[] exampleBytes() {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            WriterOptions opts = new WriterOptions(1, 1, 4096, Recipients.of(RECIPIENT.recipient()));
            try (DeltaWriter w = new DeltaWriter(out, SpecExampleTest.exampleHeader(), Fixtures.KEY, opts,
                    new Fixed(DATA_KEY, EPHEMERAL))) {
                w.writeData(0, SpecExampleTest.chunk0());
                w.writeData(8192, SpecExampleTest.tail());
                w.finish();
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void theSpecificationsEncryptedExampleDecodesWithTheRecipientsKey() throws IOException {
        byte[] bytes = SpecExampleTest.parse(HEX);
        assertEquals(148 + 7 + 4 + 88 + (8 + 88) + (8 + 52) + (8 + 68) + 172, bytes.length,
                "header with one stanza, 3 frames, trailer");
        try (DeltaReader r = new DeltaReader(new ByteArrayInputStream(bytes), SpecExampleTest.TRUST, RECIPIENT)) {
            assertEquals(SpecExampleTest.exampleHeader(), r.header());
            assertEquals(List.of(RECIPIENT.keyId()), r.encryption().recipientKeyIds());
            assertEquals(new DeltaRecord.Data(0, SpecExampleTest.chunk0()), r.next(null));
            assertEquals(new DeltaRecord.Zero(4096, 4096), r.next(null));
            assertEquals(new DeltaRecord.Data(8192, SpecExampleTest.tail()), r.next(null));
            assertNull(r.next(null), "sealed counts, chain and signature verify");
        }
        DeltaInspection keyless = DeltaInspector.verify(new ByteArrayInputStream(bytes), SpecExampleTest.TRUST, null);
        assertEquals(3, keyless.records());
        assertFalse(keyless.recordsOpened());
    }

    @Test
    void eachSealedRecordIsTheVersion1RecordEncrypted() throws IOException {
        byte[] v1 = SpecExampleTest.parse(SpecExampleTest.HEX);
        byte[] v2 = SpecExampleTest.parse(HEX);
        int h1 = (int) Bytes.u32(v1, HeaderFormat.OFF_LENGTH);
        int h2 = (int) Bytes.u32(v2, HeaderFormat.OFF_LENGTH);
        RecordCipher c = new RecordCipher(DATA_KEY, Chain.sha256().digest(java.util.Arrays.copyOf(v2, h2)));
        List<Integer> frames = EncryptedDeltaTest.frames(v2);
        int p = h1;
        for (int i = 0; i + 1 < frames.size(); i++) {
            int at = frames.get(i);
            byte[] plain = c.open(i, java.util.Arrays.copyOfRange(v2, at, frames.get(i + 1)), frames.get(i + 1) - at, at);
            assertArrayEquals(java.util.Arrays.copyOfRange(v1, p, p + plain.length), plain, "record " + i);
            p += plain.length;
        }
    }

    @Test
    void theWriterProducesTheEncryptedExampleByteForByte() {
        assertArrayEquals(SpecExampleTest.parse(HEX), exampleBytes(),
                "regenerate with ExampleDump.main after a deliberate change, check by hand, update docs and HEX");
        assertEquals(HEX.strip(), ExampleDump.renderSealed(exampleBytes()).strip());
    }

    @Test
    void theDocumentCarriesTheSameHexDump() throws IOException {
        Path doc = Path.of("..", "docs", "delta-format.md");
        Assumptions.assumeTrue(Files.exists(doc), "docs/delta-format.md is beside this module");
        String text = Files.readString(doc);
        int begin = text.indexOf("<!-- example-v2-hex-begin -->");
        int end = text.indexOf("<!-- example-v2-hex-end -->");
        assertTrue(begin >= 0 && end > begin, "markers around the encrypted example in " + doc);
        String block = text.substring(begin, end);
        block = block.substring(block.indexOf("```text\n") + 8, block.lastIndexOf("```"));
        assertEquals(HEX.strip(), block.strip());
    }
}
