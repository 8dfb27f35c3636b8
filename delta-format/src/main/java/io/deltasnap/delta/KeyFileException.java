package io.deltasnap.delta;

import java.io.IOException;
import java.nio.file.Path;

/** A key file or trust file could not be used; names the file and, for a bad line, its number. */
public final class KeyFileException extends IOException {
    private static final long serialVersionUID = 1L;

    private final transient Path path;
    private final int line;

    KeyFileException(Path path, int line, String problem) {
        super(path + (line > 0 ? ":" + line : "") + ": " + problem);
        this.path = path;
        this.line = line;
    }

    public Path path() {
        return path;
    }

    /** 1-based line number, or 0 when the problem is with the file as a whole. */
    public int line() {
        return line;
    }
}
