package io.deltasnap.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A minimal JSON writer for {@code --json} output: maps, lists, strings, numbers, booleans. */
final class Json {
  private Json() {}

  static Map<String, Object> obj() {
    return new LinkedHashMap<>();
  }

  static List<Object> arr() {
    return new ArrayList<>();
  }

  static String write(Object o) {
    StringBuilder sb = new StringBuilder();
    write(sb, o, 0);
    return sb.toString();
  }

  private static void write(StringBuilder sb, Object o, int indent) {
    if (o == null) {
      sb.append("null");
    } else if (o instanceof String s) {
      quote(sb, s);
    } else if (o instanceof Number || o instanceof Boolean) {
      sb.append(o);
    } else if (o instanceof Map<?, ?> m) {
      if (m.isEmpty()) {
        sb.append("{}");
        return;
      }
      sb.append("{\n");
      int i = 0;
      for (Map.Entry<?, ?> e : m.entrySet()) {
        pad(sb, indent + 1);
        quote(sb, e.getKey().toString());
        sb.append(": ");
        write(sb, e.getValue(), indent + 1);
        sb.append(++i < m.size() ? ",\n" : "\n");
      }
      pad(sb, indent);
      sb.append('}');
    } else if (o instanceof List<?> l) {
      if (l.isEmpty()) {
        sb.append("[]");
        return;
      }
      sb.append("[\n");
      for (int i = 0; i < l.size(); i++) {
        pad(sb, indent + 1);
        write(sb, l.get(i), indent + 1);
        sb.append(i + 1 < l.size() ? ",\n" : "\n");
      }
      pad(sb, indent);
      sb.append(']');
    } else {
      quote(sb, o.toString());
    }
  }

  /**
   * Writes a JSON array to {@code out} element by element, so a long listing is never held in
   * memory. The bytes are exactly those of {@code out.println(write(list))} for the same
   * elements, so a script sees the same document whichever way it was made.
   */
  static final class ArrayWriter {
    private final java.io.PrintWriter out;
    private boolean any;

    ArrayWriter(java.io.PrintWriter out) {
      this.out = out;
    }

    void add(Object element) {
      StringBuilder sb = new StringBuilder(any ? ",\n" : "[\n");
      pad(sb, 1);
      write(sb, element, 1);
      out.print(sb);
      any = true;
    }

    /** Closes the array and ends its line. */
    void finish() {
      out.print(any ? "\n]" : "[]");
      out.println();
    }
  }

  private static void pad(StringBuilder sb, int n) {
    sb.append("  ".repeat(n));
  }

  private static void quote(StringBuilder sb, String s) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (c < 0x20) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    sb.append('"');
  }
}
