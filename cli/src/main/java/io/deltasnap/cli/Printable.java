package io.deltasnap.cli;

import io.deltasnap.engine.SnapshotNames;

/**
 * Text from outside (snapshot names from a delta or a bucket, messages quoting them) made safe
 * for human output: every character a snapshot name may not hold ({@link SnapshotNames#printable})
 * and the backslash are written as escapes ({@code \n}, {@code \t}, {@code \x1b},
 * {@code \u202e}, {@code \\}), so one value stays one visible piece of one line and cannot move the
 * cursor, clear the screen or print a line of its own. JSON output does not need this: the JSON
 * writer escapes on its own.
 */
final class Printable {
  private Printable() {}

  static String escape(String s) {
    if (s == null) {
      return "null";
    }
    StringBuilder b = null;
    for (int i = 0; i < s.length(); ) {
      int cp = s.codePointAt(i);
      int n = Character.charCount(cp);
      boolean plain = cp != '\\' && SnapshotNames.printable(cp);
      if (!plain && b == null) {
        b = new StringBuilder(s.length() + 16).append(s, 0, i);
      }
      if (b != null) {
        if (plain) {
          b.appendCodePoint(cp);
        } else {
          b.append(escaped(cp));
        }
      }
      i += n;
    }
    return b == null ? s : b.toString();
  }

  private static String escaped(int cp) {
    return switch (cp) {
      case '\\' -> "\\\\";
      case '\n' -> "\\n";
      case '\r' -> "\\r";
      case '\t' -> "\\t";
      default -> cp < 0x100 ? String.format("\\x%02x", cp) : String.format("\\u%04x", cp);
    };
  }
}
