package io.deltasnap.cli;

import java.util.regex.Pattern;

/**
 * A snapshot name pattern, matched against the whole name: {@code *} stands for any run of
 * characters (none included), {@code ?} for exactly one, and {@code \} makes the character after
 * it literal. Every other character stands for itself; there are no classes or braces, and
 * {@code /} is an ordinary character (names are not paths).
 */
final class NameGlob {
  private final Pattern pattern;

  private NameGlob(Pattern pattern) {
    this.pattern = pattern;
  }

  static NameGlob parse(String glob) {
    StringBuilder re = new StringBuilder();
    StringBuilder literal = new StringBuilder();
    for (int i = 0; i < glob.length(); ) {
      int cp = glob.codePointAt(i);
      i += Character.charCount(cp);
      if (cp == '\\') {
        if (i >= glob.length()) {
          throw new Main.UserError("name pattern '" + glob + "' ends in a lone \\ (write \\\\ for a backslash)");
        }
        cp = glob.codePointAt(i);
        i += Character.charCount(cp);
        literal.appendCodePoint(cp);
      } else if (cp == '*' || cp == '?') {
        flush(re, literal);
        re.append(cp == '*' ? ".*" : ".");
      } else {
        literal.appendCodePoint(cp);
      }
    }
    flush(re, literal);
    return new NameGlob(Pattern.compile(re.toString(), Pattern.DOTALL));
  }

  private static void flush(StringBuilder re, StringBuilder literal) {
    if (literal.length() > 0) {
      re.append(Pattern.quote(literal.toString()));
      literal.setLength(0);
    }
  }

  boolean matches(String name) {
    return pattern.matcher(name).matches();
  }
}
