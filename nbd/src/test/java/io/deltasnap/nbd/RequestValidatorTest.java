package io.deltasnap.nbd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The validator's verdict for each kind of request, on a 1 MiB export with 512-byte blocks. */
class RequestValidatorTest {
    private static final Geometry WRITABLE = new Geometry(1 << 20, false, false, 512, 4096, 65536);
    private static final Geometry READ_ONLY = new Geometry(1 << 20, true, false, 512, 4096, 65536);

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            // case,                       readOnly, structured, type, flags, offset,   length, error, fatal
            "plain read,                   false, false, 0, 0, 0,        4096,    0,  false",
            "read to the very end,         false, false, 0, 0, 1044480,  4096,    0,  false",
            "read past the end,            false, false, 0, 0, 1044480,  8192,    22, false",
            "read at offset 2^63+,         false, false, 0, 0, -512,     512,     22, false",
            "read too long,                false, false, 0, 0, 0,        131072,  22, false",
            "read unaligned offset,        false, false, 0, 0, 100,      512,     22, false",
            "read unaligned length,        false, false, 0, 0, 0,        100,     22, false",
            "'read with DF structured',   false, true,  0, 4, 0,        512,     0,  false",
            "'read with DF simple',       false, false, 0, 4, 0,        512,     22, false",
            "read with FUA (tolerated),    false, false, 0, 1, 0,        512,     0,  false",
            "write past the end,           false, false, 1, 0, 1048064,  1024,    28, false",
            "write on read-only,           true,  false, 1, 0, 0,        512,     1,  false",
            "write with NO_HOLE,           false, false, 1, 2, 0,        512,     22, false",
            "trim past the end,            false, false, 4, 0, 1048064,  1024,    22, false",
            "trim on read-only,            true,  false, 4, 0, 0,        512,     1,  false",
            "trim longer than maximum,     false, false, 4, 0, 0,        1048576, 0,  false",
            "zeroes with NO_HOLE and FUA,  false, false, 6, 3, 0,        1048576, 0,  false",
            "zeroes past the end,          false, false, 6, 0, 1048576,  512,     28, false",
            "zeroes on read-only,          true,  false, 6, 0, 0,        512,     1,  false",
            "zeroes with FAST_ZERO,        false, false, 6, 16, 0,       512,     22, false",
            "flush,                        false, false, 3, 0, 0,        0,       0,  false",
            "flush on read-only,           true,  false, 3, 0, 0,        0,       0,  false",
            "flush with a length,          false, false, 3, 0, 0,        512,     22, false",
            "block status (unsupported),   false, true,  7, 0, 0,        512,     22, true",
            "cache (unsupported),          false, false, 5, 0, 0,        512,     22, true",
    })
    void verdict(String name, boolean readOnly, boolean structured, int type, int flags, long offset, long length,
                 int error, boolean fatal) {
        Request r = new Request(flags, type, 1, offset, length, null);
        RequestValidator.Rejection v = RequestValidator.check(r, readOnly ? READ_ONLY : WRITABLE, structured);
        if (error == 0) {
            assertNull(v, () -> name + ": " + v);
        } else {
            assertEquals(error, v == null ? 0 : v.error(), name);
            assertEquals(fatal, v.fatal(), name);
            assertTrue(!v.message().isEmpty(), name);
        }
    }
}
