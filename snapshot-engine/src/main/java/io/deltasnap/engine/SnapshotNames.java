package io.deltasnap.engine;

import java.nio.charset.StandardCharsets;

/**
 * What a snapshot name may be: printable UTF-8 of at most {@link SnapshotInfo#MAX_NAME_BYTES}
 * bytes. No control or format characters (newlines, escapes, bidirectional overrides,
 * zero-width characters), no line or paragraph separators, no unpaired surrogates, and no U+FFFD,
 * which is what bytes that were not valid UTF-8 become when decoded. So a name is always one
 * visible piece of a line: listings stay one line per snapshot and a name cannot forge output.
 * The empty name is allowed (a snapshot need not have one).
 */
public final class SnapshotNames {
  private SnapshotNames() {}

  /** Why {@code name} is not a valid snapshot name, or null if it is. */
  public static String problem(String name) {
    if (name == null) {
      return "no name";
    }
    int bytes = name.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > SnapshotInfo.MAX_NAME_BYTES) {
      return "it is " + bytes + " bytes of UTF-8, more than " + SnapshotInfo.MAX_NAME_BYTES;
    }
    for (int i = 0; i < name.length(); ) {
      int cp = name.codePointAt(i);
      if (!printable(cp)) {
        return String.format("character %d is U+%04X, %s", name.codePointCount(0, i) + 1, cp,
            cp == 0xFFFD ? "which stands for bytes that were not valid UTF-8" : "which is not printable");
      }
      i += Character.charCount(cp);
    }
    return null;
  }

  /** Refuses an invalid name with an error that says what is wrong with it. */
  public static void check(String name) throws InvalidRequestException {
    String why = problem(name);
    if (why != null) {
      throw new InvalidRequestException("snapshot name refused: " + why
          + " (names are printable UTF-8 of at most " + SnapshotInfo.MAX_NAME_BYTES + " bytes)");
    }
  }

  /** True for a code point a name may hold. */
  public static boolean printable(int cp) {
    if (cp == 0xFFFD) {
      return false;
    }
    return switch (Character.getType(cp)) {
      case Character.CONTROL, Character.FORMAT, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR,
          Character.SURROGATE -> false;
      default -> true;
    };
  }
}
