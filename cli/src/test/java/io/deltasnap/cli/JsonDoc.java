package io.deltasnap.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A strict JSON parser for tests: the whole text must be one JSON value (RFC 8259), or it throws.
 * Objects become maps in order, arrays lists, numbers {@code Long} (or {@code Double}).
 */
final class JsonDoc {
  private final String s;
  private int i;

  private JsonDoc(String s) {
    this.s = s;
  }

  static Object parse(String text) {
    JsonDoc p = new JsonDoc(text);
    p.ws();
    Object v = p.value();
    p.ws();
    if (p.i != text.length()) {
      throw p.bad("content after the document");
    }
    return v;
  }

  private IllegalArgumentException bad(String what) {
    return new IllegalArgumentException("invalid JSON at " + i + ": " + what);
  }

  private void ws() {
    while (i < s.length() && " \t\r\n".indexOf(s.charAt(i)) >= 0) {
      i++;
    }
  }

  private void expect(char c) {
    if (i >= s.length() || s.charAt(i) != c) {
      throw bad("expected '" + c + "'");
    }
    i++;
  }

  private Object value() {
    if (i >= s.length()) {
      throw bad("unexpected end");
    }
    char c = s.charAt(i);
    switch (c) {
      case '{' -> {
        i++;
        Map<String, Object> m = new LinkedHashMap<>();
        ws();
        if (s.startsWith("}", i)) {
          i++;
          return m;
        }
        while (true) {
          ws();
          String k = string();
          ws();
          expect(':');
          ws();
          if (m.put(k, value()) != null) {
            throw bad("duplicate key " + k);
          }
          ws();
          if (s.startsWith(",", i)) {
            i++;
          } else {
            expect('}');
            return m;
          }
        }
      }
      case '[' -> {
        i++;
        List<Object> l = new ArrayList<>();
        ws();
        if (s.startsWith("]", i)) {
          i++;
          return l;
        }
        while (true) {
          ws();
          l.add(value());
          ws();
          if (s.startsWith(",", i)) {
            i++;
          } else {
            expect(']');
            return l;
          }
        }
      }
      case '"' -> {
        return string();
      }
      default -> {
        for (String lit : new String[] {"true", "false", "null"}) {
          if (s.startsWith(lit, i)) {
            i += lit.length();
            return lit.equals("null") ? null : Boolean.valueOf(lit);
          }
        }
        java.util.regex.Matcher n = java.util.regex.Pattern.compile("-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][-+]?[0-9]+)?")
            .matcher(s).region(i, s.length());
        if (!n.lookingAt()) {
          throw bad("not a value");
        }
        i = n.end();
        return n.group(2) == null && n.group(3) == null ? (Object) Long.parseLong(n.group()) : Double.parseDouble(n.group());
      }
    }
  }

  private String string() {
    expect('"');
    StringBuilder b = new StringBuilder();
    while (true) {
      if (i >= s.length()) {
        throw bad("unterminated string");
      }
      char c = s.charAt(i++);
      if (c == '"') {
        return b.toString();
      } else if (c < 0x20) {
        throw bad("raw control character in a string");
      } else if (c == '\\') {
        char e = s.charAt(i++);
        switch (e) {
          case '"', '\\', '/' -> b.append(e);
          case 'b' -> b.append('\b');
          case 'f' -> b.append('\f');
          case 'n' -> b.append('\n');
          case 'r' -> b.append('\r');
          case 't' -> b.append('\t');
          case 'u' -> {
            b.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
            i += 4;
          }
          default -> throw bad("bad escape \\" + e);
        }
      } else {
        b.append(c);
      }
    }
  }
}
