package io.deltasnap.delta;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Renders a delta as the annotated hex dump used in docs/delta-format.md: one line per field (long
 * fields wrapped at 16 bytes), {@code OFFSET  HEX BYTES  field = value}. Run {@link #main} to print
 * the specification's example after a deliberate format change, then check it by hand and paste it
 * into both the document and {@link SpecExampleTest#HEX}. The notes are written for that example
 * (its flags and creation time are spelled out), not for any delta.
 */
final class ExampleDump {
    private final byte[] d;
    private final List<String> lines = new ArrayList<>();
    private int pos;

    private ExampleDump(byte[] d) {
        this.d = d;
    }

    public static void main(String[] args) {
        System.out.print(render(SpecExampleTest.exampleBytes()));
        System.out.println();
        System.out.print(renderSealed(EncryptedSpecExampleTest.exampleBytes()));
    }

    /** The version 2 example: the same header fields, the encryption section, sealed frames, the sealed trailer. */
    static String renderSealed(byte[] delta) {
        ExampleDump x = new ExampleDump(delta);
        x.sealedHeader();
        int n = 0;
        while (Bytes.u8(delta, x.pos) != RecordFormat.KIND_TRAILER) {
            x.frame(n++);
        }
        x.sealedTrailer(n);
        return String.join("\n", x.lines) + "\n";
    }

    static String render(byte[] delta) {
        ExampleDump x = new ExampleDump(delta);
        x.header();
        while (Bytes.u8(delta, x.pos) != RecordFormat.KIND_TRAILER) {
            x.record();
        }
        x.trailer();
        return String.join("\n", x.lines) + "\n";
    }

    private void header() {
        int len = (int) Bytes.u32(d, HeaderFormat.OFF_LENGTH);
        fixedHeader();
        assert pos == len - 4;
        field(4, "u32 header CRC32C of bytes 0.." + (len - 5) + " = " + Bytes.crcString(Bytes.u32(d, pos)));
    }

    private void sealedHeader() {
        int len = (int) Bytes.u32(d, HeaderFormat.OFF_LENGTH);
        fixedHeader();
        int r = Bytes.u8(d, pos + 1);
        field(1, "encryption: u8 AEAD = " + Bytes.u8(d, pos) + " (AES-256-GCM)");
        field(1, "u8 recipients = " + r);
        field(2, "u16 reserved");
        for (int i = 0; i < r; i++) {
            field(Encryption.KEY_ID_BYTES, "stanza " + i + ": key ID " + Bytes.hex(d, pos, Encryption.KEY_ID_BYTES));
            field(Encryption.KEY_BYTES, "ephemeral X25519 public key");
            field(Encryption.WRAPPED_BYTES, "wrapped data key (32 bytes) and its GCM tag (16)");
        }
        assert pos == len - 4;
        field(4, "u32 header CRC32C of bytes 0.." + (len - 5) + " = " + Bytes.crcString(Bytes.u32(d, pos)));
    }

    private void frame(int index) {
        int at = pos;
        int sealed = (int) Bytes.u32(d, pos + RecordCipher.OFF_SEALED_LENGTH);
        field(1, "frame at " + at + ": u8 kind = 0x53 (sealed record " + index + ")");
        field(3, "reserved");
        field(4, "u32 sealed length = " + sealed);
        field(sealed - Encryption.TAG_BYTES, "ciphertext of record " + index + " (" + (sealed - Encryption.TAG_BYTES) + " bytes)");
        field(Encryption.TAG_BYTES, "GCM tag");
    }

    private void sealedTrailer(int n) {
        int at = pos;
        field(1, "trailer at " + at + ": u8 kind = 0xff");
        field(7, "reserved");
        field(8, "u64 records = " + Bytes.u64(d, pos));
        field(SealedTrailerFormat.COUNTS_BYTES, "sealed counts: ciphertext of the five counts");
        field(Encryption.TAG_BYTES, "GCM tag");
        field(32, "chain hash h_" + n);
        field(64, "Ed25519 signature");
        field(4, "u32 trailer CRC32C of bytes " + at + ".." + (at + SealedTrailerFormat.OFF_CRC - 1) + " = "
                + Bytes.crcString(Bytes.u32(d, pos)));
        assert pos == d.length;
    }

    private void fixedHeader() {
        int nameLen = Bytes.u16(d, HeaderFormat.OFF_NAME_LENGTH);
        field(8, "header: magic \"\\x89DSDELT\\n\"");
        field(2, "u16 major version = " + Bytes.u16(d, pos));
        field(2, "u16 minor version = " + Bytes.u16(d, pos));
        field(4, "u32 header length = " + Bytes.u32(d, pos));
        field(4, "u32 flags = 0x" + Long.toHexString(Bytes.u32(d, pos)) + " (full delta, target read-only)");
        field(4, "u32 chunk size = " + Bytes.u32(d, pos));
        field(8, "u64 volume size = " + Bytes.u64(d, pos));
        field(16, "uuid volume = " + Bytes.uuid(d, pos));
        field(8, "u64 base id = " + Bytes.u64(d, pos) + " (no base)");
        field(16, "uuid base = " + Bytes.uuid(d, pos) + " (no base)");
        field(8, "u64 target id = " + Bytes.u64(d, pos));
        field(16, "uuid target = " + Bytes.uuid(d, pos));
        field(8, "i64 target created = " + Bytes.u64(d, pos) + " ms (2025-01-01T00:00:00Z)");
        field(1, "u8 codec = " + Bytes.u8(d, pos) + " (zstd)");
        field(1, "u8 reserved");
        field(2, "u16 name length = " + Bytes.u16(d, pos));
        field(4, "i32 zstd level = " + Bytes.i32(d, pos));
        field(32, "signer Ed25519 public key");
        field(nameLen, "target name = \"" + new String(d, pos, nameLen, StandardCharsets.UTF_8) + "\"");
    }

    private void record() {
        int at = pos;
        int kind = Bytes.u8(d, pos);
        int flags = Bytes.u8(d, pos + 1);
        int stored = (int) Bytes.u32(d, pos + RecordFormat.OFF_STORED);
        String kindName = RecordFormat.kindName(kind);
        field(1, "record at " + at + ": u8 kind = " + kind + " (" + kindName + ")");
        field(1, "u8 flags = 0x" + Integer.toHexString(flags) + ((flags & RecordFormat.FLAG_COMPRESSED) != 0 ? " (COMPRESSED)" : ""));
        field(2, "u16 reserved");
        field(4, "u32 stored length = " + stored);
        field(8, "u64 volume offset = " + Bytes.u64(d, pos));
        field(8, "u64 length = " + Bytes.u64(d, pos));
        field(4, "u32 content CRC32C = " + Bytes.crcString(Bytes.u32(d, pos)));
        field(4, "u32 payload CRC32C = " + Bytes.crcString(Bytes.u32(d, pos)));
        field(4, "u32 header CRC32C of bytes " + at + ".." + (at + 31) + " = " + Bytes.crcString(Bytes.u32(d, pos)));
        if (stored > 0) {
            field(stored, kind == RecordFormat.KIND_DATA && flags == 0 ? "payload: raw content"
                    : "payload: zstd frame, " + stored + " bytes");
        }
    }

    private void trailer() {
        int at = pos;
        field(1, "trailer at " + at + ": u8 kind = 0xff");
        field(7, "reserved");
        field(8, "u64 DATA records = " + Bytes.u64(d, pos));
        field(8, "u64 ZERO records = " + Bytes.u64(d, pos));
        field(8, "u64 PATCH records = " + Bytes.u64(d, pos));
        field(8, "u64 data bytes = " + Bytes.u64(d, pos));
        field(8, "u64 zero bytes = " + Bytes.u64(d, pos));
        field(32, "chain hash h_3");
        field(64, "Ed25519 signature");
        field(4, "u32 trailer CRC32C of bytes " + at + ".." + (at + 143) + " = " + Bytes.crcString(Bytes.u32(d, pos)));
        assert pos == d.length;
    }

    private void field(int n, String note) {
        for (int i = 0; i < n; i += 16) {
            int k = Math.min(16, n - i);
            StringBuilder hex = new StringBuilder();
            for (int j = 0; j < k; j++) {
                hex.append(j == 0 ? "" : " ").append(String.format("%02x", d[pos + i + j]));
            }
            lines.add(String.format("%06d  %-47s  %s", pos + i, hex, i == 0 ? note : "").stripTrailing());
        }
        pos += n;
    }
}
