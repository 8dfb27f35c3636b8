package io.deltasnap.cli;

import java.util.Locale;
import picocli.CommandLine;

/** Sizes with binary suffixes: {@code 4096}, {@code 64K}, {@code 4M}, {@code 1G}, {@code 2T}. */
final class Sizes {
  private Sizes() {}

  static long parse(String s) {
    String t = s.trim().toUpperCase(Locale.ROOT);
    if (t.endsWith("IB")) {
      t = t.substring(0, t.length() - 2);
    } else if (t.endsWith("B") && t.length() > 1 && !Character.isDigit(t.charAt(t.length() - 2))) {
      t = t.substring(0, t.length() - 1);
    }
    int shift = 0;
    if (!t.isEmpty()) {
      switch (t.charAt(t.length() - 1)) {
        case 'K' -> shift = 10;
        case 'M' -> shift = 20;
        case 'G' -> shift = 30;
        case 'T' -> shift = 40;
        case 'P' -> shift = 50;
        default -> shift = 0;
      }
    }
    if (shift > 0) {
      t = t.substring(0, t.length() - 1);
    }
    long v;
    try {
      v = Long.parseLong(t);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + s + "' is not a size (examples: 4096, 64K, 4M, 1G, 2T)");
    }
    if (v < 0 || (shift > 0 && v > (Long.MAX_VALUE >> shift))) {
      throw new IllegalArgumentException("size '" + s + "' is out of range");
    }
    return v << shift;
  }

  /** 1536 → "1.5 KiB". */
  static String human(long bytes) {
    if (bytes < 1024) {
      return bytes + " B";
    }
    String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    double v = bytes;
    int u = -1;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return String.format(Locale.ROOT, v >= 100 ? "%.0f %s" : v >= 10 ? "%.1f %s" : "%.2f %s", v, units[u]);
  }

  /** picocli converter so options take sizes directly. */
  static final class Converter implements CommandLine.ITypeConverter<Long> {
    @Override
    public Long convert(String value) {
      try {
        return parse(value);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.TypeConversionException(e.getMessage());
      }
    }
  }
}
