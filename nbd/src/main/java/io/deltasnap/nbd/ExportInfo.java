package io.deltasnap.nbd;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Name and human-readable description of one export, as listed by {@code NBD_OPT_LIST}.
 * Both are NBD strings: UTF-8, no NUL, at most 4096 bytes.
 */
public record ExportInfo(String name, String description) {
    public ExportInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(description, "description");
        checkNbdString("export name", name);
        checkNbdString("description of export '" + name + "'", description);
    }

    static void checkNbdString(String what, String s) {
        if (s.indexOf('\0') >= 0) {
            throw new IllegalArgumentException(what + " contains a NUL character");
        }
        int bytes = s.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > Protocol.MAX_STRING_LENGTH) {
            throw new IllegalArgumentException(
                    what + " is " + bytes + " bytes of UTF-8, more than " + Protocol.MAX_STRING_LENGTH);
        }
    }
}
