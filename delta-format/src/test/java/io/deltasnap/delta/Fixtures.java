package io.deltasnap.delta;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;

/** Deterministic keys, headers and helpers shared by the tests. */
final class Fixtures {
    static final UUID VOLUME = UUID.fromString("11111111-2222-3333-4444-555555555555");
    static final UUID BASE_UUID = UUID.fromString("aaaaaaaa-bbbb-cccc-dddd-000000000001");
    static final UUID TARGET_UUID = UUID.fromString("aaaaaaaa-bbbb-cccc-dddd-000000000002");

    private Fixtures() {}

    interface Body {
        void write(DeltaWriter w) throws IOException;
    }

    /** A key whose 32-byte seed is {@code fill, fill+1, ...}: same key in every run. */
    /** Writes a trust or recipients file with mode 644 whatever the umask: SecureFiles refuses one others may write. */
    static void writeTrustFile(java.nio.file.Path p, String text) throws java.io.IOException {
        java.nio.file.Files.writeString(p, text);
        java.nio.file.Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
    }

    static Ed25519PrivateKeyParameters key(int fill) {
        byte[] seed = new byte[32];
        for (int i = 0; i < 32; i++) {
            seed[i] = (byte) (fill + i);
        }
        return new Ed25519PrivateKeyParameters(seed, 0);
    }

    static final Ed25519PrivateKeyParameters KEY = key(0);
    static final Ed25519PrivateKeyParameters OTHER_KEY = key(100);

    static TrustedKeys trust(Ed25519PrivateKeyParameters... keys) {
        SignerKey[] s = new SignerKey[keys.length];
        for (int i = 0; i < keys.length; i++) {
            s[i] = new SignerKey(Keys.publicKey(keys[i]), "test key " + i);
        }
        return TrustedKeys.of(s);
    }

    static final TrustedKeys TRUST = trust(KEY);

    static DeltaHeader full(int chunkSize, long volumeSize) {
        return new DeltaHeader(VOLUME, chunkSize, volumeSize, null,
                new TargetSnapshot(7, TARGET_UUID, "hourly-2025-01-01T00:00", 1735689600000L, false), 3,
                Keys.publicKey(KEY));
    }

    static DeltaHeader incremental(int chunkSize, long volumeSize) {
        return new DeltaHeader(VOLUME, chunkSize, volumeSize, new SnapshotRef(6, BASE_UUID),
                new TargetSnapshot(7, TARGET_UUID, "hourly-2025-01-01T01:00", 1735693200000L, true), 3,
                Keys.publicKey(KEY));
    }

    static WriterOptions opts(int threads) {
        return new WriterOptions(threads, 2 * threads, 1 << 20);
    }

    static byte[] write(DeltaHeader h, WriterOptions opts, Body body) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (DeltaWriter w = new DeltaWriter(out, h, KEY, opts)) {
            body.write(w);
            w.finish();
        }
        return out.toByteArray();
    }

    static byte[] write(DeltaHeader h, Body body) throws IOException {
        return write(h, opts(2), body);
    }

    /** Reads every record; the trailer has been verified when this returns. */
    static List<DeltaRecord> readAll(byte[] delta, TrustedKeys trust, BaseSource base) throws IOException {
        List<DeltaRecord> out = new ArrayList<>();
        try (DeltaReader r = new DeltaReader(new ByteArrayInputStream(delta), trust)) {
            for (DeltaRecord rec; (rec = r.next(base)) != null; ) {
                out.add(rec);
            }
        }
        return out;
    }

    static List<DeltaRecord> readAll(byte[] delta, BaseSource base) throws IOException {
        return readAll(delta, TRUST, base);
    }

    /** Applies records to a copy of {@code base} (zeros for a full delta), as a receiver would. */
    static byte[] apply(byte[] base, List<DeltaRecord> records) {
        byte[] v = base.clone();
        for (DeltaRecord r : records) {
            if (r instanceof DeltaRecord.Data d) {
                System.arraycopy(d.bytes(), 0, v, (int) d.offset(), d.bytes().length);
            } else if (r instanceof DeltaRecord.Patch p) {
                System.arraycopy(p.bytes(), 0, v, (int) p.offset(), p.bytes().length);
            } else {
                Arrays.fill(v, (int) r.offset(), (int) (r.offset() + r.length()), (byte) 0);
            }
        }
        return v;
    }

    static BaseSource baseOf(byte[] volume) {
        return (offset, dst) -> System.arraycopy(volume, (int) offset, dst, 0, dst.length);
    }

    /** Compressible bytes: words and numbers, roughly 3:1 with zstd. */
    static byte[] text(Random rnd, int n) {
        String[] words = {"snapshot", "chunk", "delta", "volume", "origin", "exception", "commit", "replica", "block",
                "tree", "epoch", "the", "of", "and", "write", "read", "copy", "store"};
        byte[] b = new byte[n];
        int i = 0;
        while (i < n) {
            String w = rnd.nextInt(5) == 0 ? Integer.toString(rnd.nextInt(100000)) : words[rnd.nextInt(words.length)];
            for (int k = 0; k < w.length() && i < n; k++) {
                b[i++] = (byte) w.charAt(k);
            }
            if (i < n) {
                b[i++] = (byte) (rnd.nextInt(12) == 0 ? '\n' : ' ');
            }
        }
        return b;
    }

    static byte[] random(Random rnd, int n) {
        byte[] b = new byte[n];
        rnd.nextBytes(b);
        return b;
    }

    /** Offsets at which each structure (header, each record, trailer) starts, and the stream end. */
    static long[] structureStarts(byte[] delta) {
        List<Long> starts = new ArrayList<>();
        starts.add(0L);
        int p = (int) Bytes.u32(delta, HeaderFormat.OFF_LENGTH);
        while (Bytes.u8(delta, p) != RecordFormat.KIND_TRAILER) {
            starts.add((long) p);
            p += RecordFormat.HEADER_BYTES + (int) Bytes.u32(delta, p + RecordFormat.OFF_STORED);
        }
        starts.add((long) p);
        starts.add((long) delta.length);
        return starts.stream().mapToLong(Long::longValue).toArray();
    }

    /** Start of the structure containing byte {@code pos}. */
    static long structureStart(long[] starts, long pos) {
        long s = 0;
        for (long x : starts) {
            if (x <= pos) {
                s = x;
            }
        }
        return s;
    }

    /** End offsets (exclusive) of each record in stream order. */
    static long[] recordEnds(byte[] delta) {
        long[] s = structureStarts(delta);
        // s = [0, r1, r2, ..., trailer, end]; record i spans s[i+1]..s[i+2]
        long[] ends = new long[s.length - 3];
        for (int i = 0; i < ends.length; i++) {
            ends[i] = s[i + 2];
        }
        return ends;
    }
}
