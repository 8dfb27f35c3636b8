package io.deltasnap.delta;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.HexFormat;
import java.util.UUID;
import java.util.zip.CRC32C;

/**
 * Little-endian integer access and UUID/CRC helpers shared by every structure of the format.
 *
 * <p>All integers of the delta format are little-endian. A UUID is not an integer: it is stored
 * as its 16 bytes in the order they are printed (RFC 9562 network order), so a hex dump shows the
 * UUID as written.
 */
final class Bytes {
    private static final VarHandle U16 = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle U32 = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle U64 = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle BE64 = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

    private Bytes() {}

    static int u8(byte[] b, int off) {
        return b[off] & 0xFF;
    }

    static int u16(byte[] b, int off) {
        return (short) U16.get(b, off) & 0xFFFF;
    }

    static void putU16(byte[] b, int off, int v) {
        assert v >= 0 && v <= 0xFFFF : v;
        U16.set(b, off, (short) v);
    }

    /** Unsigned 32-bit value as a long, so bounds can be checked without sign surprises. */
    static long u32(byte[] b, int off) {
        return (int) U32.get(b, off) & 0xFFFF_FFFFL;
    }

    static int i32(byte[] b, int off) {
        return (int) U32.get(b, off);
    }

    static void putI32(byte[] b, int off, int v) {
        U32.set(b, off, v);
    }

    /** Raw 64-bit value; callers treat a negative result as "above 2^63 - 1". */
    static long u64(byte[] b, int off) {
        return (long) U64.get(b, off);
    }

    static void putU64(byte[] b, int off, long v) {
        U64.set(b, off, v);
    }

    static UUID uuid(byte[] b, int off) {
        return new UUID((long) BE64.get(b, off), (long) BE64.get(b, off + 8));
    }

    static void putUuid(byte[] b, int off, UUID u) {
        BE64.set(b, off, u.getMostSignificantBits());
        BE64.set(b, off + 8, u.getLeastSignificantBits());
    }

    static int crc32c(byte[] b, int off, int len) {
        CRC32C c = new CRC32C();
        c.update(b, off, len);
        return (int) c.getValue();
    }

    /** Printable form of an unsigned 64-bit field value, for error messages. */
    static String u64String(long v) {
        return Long.toUnsignedString(v);
    }

    static String crcString(long v) {
        return String.format("0x%08x", v & 0xFFFF_FFFFL);
    }

    static String hex(byte[] b, int off, int len) {
        return HexFormat.of().formatHex(b, off, off + len);
    }
}
