package io.deltasnap.objectstore;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** Reads the lines of a manifest whose signature verified (the layout is in {@link Manifest}); every field is checked. */
final class ManifestText {
  private ManifestText() {}

  static Manifest parse(List<String> lines, String where, long expectedSeq) throws ObjectStoreException {
    if (lines.size() < 4) {
      throw new ObjectStoreException.Corrupt(where + ": manifest too short");
    }
    long seq = number(field(lines, 0, "seq", where), where, 1);
    if (seq != expectedSeq) {
      throw new ObjectStoreException.Corrupt(where + ": says seq " + seq + " but its name says " + expectedSeq);
    }
    UUID volume = uuid(field(lines, 1, "volume", where), where);
    long chunk = number(field(lines, 2, "chunk-size", where), where, 4096);
    long size = number(field(lines, 3, "volume-size", where), where, 1);
    if (chunk > 1 << 20 || Long.bitCount(chunk) != 1) {
      throw new ObjectStoreException.Corrupt(where + ": bad chunk size " + chunk);
    }
    List<ManifestEntry> entries = new ArrayList<>();
    for (int i = 4; i < lines.size(); i++) {
      String[] f = field(lines, i, "delta", where).split(" ", -1);
      if (f.length != 10) {
        throw new ObjectStoreException.Corrupt(where + " line " + (i + 2) + ": a delta line has 10 fields, not " + f.length);
      }
      try {
        long base = number(f[2], where, 0);
        entries.add(new ManifestEntry(f[8], number(f[0], where, 1), uuid(f[1], where), base,
            f[3].equals("-") ? null : uuid(f[3], where), number(f[4], where, 0), number(f[5], where, 0), f[6],
            encryption(f[7], where), f[9].equals("-") ? "" : percentDecode(f[9], where)));
      } catch (IllegalArgumentException e) {
        throw new ObjectStoreException.Corrupt(where + " line " + (i + 2) + ": " + e.getMessage());
      }
    }
    try {
      return new Manifest(seq, volume, (int) chunk, size, entries);
    } catch (IllegalArgumentException e) {
      throw new ObjectStoreException.Corrupt(where + ": " + e.getMessage());
    }
  }

  private static String field(List<String> lines, int i, String name, String where) throws ObjectStoreException {
    String l = lines.get(i);
    if (!l.startsWith(name + " ")) {
      throw new ObjectStoreException.Corrupt(where + " line " + (i + 2) + ": expected '" + name + " ...'");
    }
    return l.substring(name.length() + 1);
  }

  private static long number(String s, String where, long min) throws ObjectStoreException {
    if (!s.matches("[0-9]{1,19}")) {
      throw new ObjectStoreException.Corrupt(where + ": '" + s + "' is not a number");
    }
    long v;
    try {
      v = Long.parseLong(s);
    } catch (NumberFormatException e) {
      throw new ObjectStoreException.Corrupt(where + ": " + s + " is too large");
    }
    if (v < min) {
      throw new ObjectStoreException.Corrupt(where + ": " + s + " is below " + min);
    }
    return v;
  }

  private static UUID uuid(String s, String where) throws ObjectStoreException {
    if (!s.matches("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")) {
      throw new ObjectStoreException.Corrupt(where + ": '" + s + "' is not a UUID");
    }
    return UUID.fromString(s);
  }

  private static boolean encryption(String s, String where) throws ObjectStoreException {
    if (s.equals("plain") || s.equals("encrypted")) {
      return s.equals("encrypted");
    }
    throw new ObjectStoreException.Corrupt(where + ": '" + s + "' is neither plain nor encrypted");
  }

  private static String percentDecode(String s, String where) throws ObjectStoreException {
    ByteArrayOutputStream b = new ByteArrayOutputStream(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '%' && i + 2 < s.length() && Character.digit(s.charAt(i + 1), 16) >= 0 && Character.digit(s.charAt(i + 2), 16) >= 0) {
        b.write(Character.digit(s.charAt(i + 1), 16) << 4 | Character.digit(s.charAt(i + 2), 16));
        i += 2;
      } else if (c > ' ' && c < 0x7f && c != '%') {
        b.write(c);
      } else {
        throw new ObjectStoreException.Corrupt(where + ": bad snapshot name '" + s + "'");
      }
    }
    return new String(b.toByteArray(), StandardCharsets.UTF_8);
  }
}
