package io.deltasnap.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The message table atop {@link Protocol} and the one in docs/replication-protocol.md, held
 * against the codec: the same types, names, directions and sizes in both, each the one the codec
 * encodes and the only ones it decodes, and every bound they state the one the decoder keeps.
 */
class ProtocolTableTest {
  static final Path SOURCE = Path.of("src", "main", "java", "io", "deltasnap", "wire", "Protocol.java");
  static final Path DOC = Path.of("..", "docs", "replication-protocol.md");
  static final UUID U = UUID.fromString("11111111-2222-3333-4444-555555555555");

  /** One row of a message table: type, name, direction, body and its size or bounds. */
  record Row(int type, String name, String dir, String body, String size) {
    String key() {
      return type + " " + name + " " + dir;
    }
  }

  /** One message of each type, with the same name as its row. */
  static final List<Protocol.Message> SAMPLES = List.of(new Protocol.Hello(1, U, new byte[32]),
      new Protocol.Challenge(1, new byte[32]), new Protocol.Auth(new byte[64]), new Protocol.Welcome(U, 3),
      new Protocol.Snapshots(List.of(new Protocol.Snap(7, U, 5, "daily"))), new Protocol.Offer(new byte[155]),
      new Protocol.Accept(155), new Protocol.Data(Unpooled.wrappedBuffer(new byte[10])), new Protocol.End(99),
      new Protocol.Ack(7, U, 1000), new Protocol.Error(Protocol.Code.BUSY, "busy"), new Protocol.Bye(),
      new Protocol.Prune(List.of(new Protocol.Snap(7, U))), new Protocol.Pruned(1));

  static String read(Path p) throws IOException {
    assertTrue(Files.exists(p), p.toAbsolutePath() + " is where this test expects it");
    return Files.readString(p, StandardCharsets.UTF_8);
  }

  static List<Row> rows(String text, Pattern row) {
    List<Row> out = new ArrayList<>();
    for (String line : text.split("\n")) {
      Matcher m = row.matcher(line);
      if (m.matches()) {
        out.add(new Row(Integer.parseInt(m.group(1)), m.group(2), m.group(3), m.group(4).trim(), m.group(5).trim()));
      }
    }
    return out;
  }

  static List<Row> codeTable() throws IOException {
    return rows(read(SOURCE), Pattern.compile(" \\* \\| (\\d+)\\s*\\| ([A-Z]+)\\s*\\| (S→R|R→S|both)\\s*\\|(.*)\\|(.*)\\|"));
  }

  static List<Row> docTable() throws IOException {
    String doc = read(DOC);
    String messages = doc.substring(doc.indexOf("## Messages"), doc.indexOf("## Session"));
    return rows(messages, Pattern.compile("\\| (\\d+) \\| ([A-Z]+) \\| (S→R|R→S|both) \\|(.*)\\|(.*)\\|"));
  }

  static byte[] body(Protocol.Message m) {
    ByteBuf b = Unpooled.buffer();
    if (m instanceof Protocol.Data d) {
      b.writeByte(Protocol.DATA).writeBytes(d.bytes().duplicate());
    } else {
      Protocol.encodeBody(m, b);
    }
    byte[] out = new byte[b.readableBytes()];
    b.readBytes(out);
    return out;
  }

  static Protocol.Message decode(byte[] frame) {
    return Protocol.decode(Unpooled.wrappedBuffer(frame));
  }

  /** The exact size a size column states ("58", "exactly 58 bytes"), or -1 for a variable one. */
  static int exactSize(String size) {
    Matcher m = Pattern.compile("(?:exactly )?(\\d+)(?: bytes)?").matcher(size);
    return m.matches() ? Integer.parseInt(m.group(1)) : -1;
  }

  @Test
  void theCodeAndTheDocumentListTheSameMessages() throws IOException {
    List<String> code = codeTable().stream().map(Row::key).toList();
    List<String> doc = docTable().stream().map(Row::key).toList();
    assertEquals(SAMPLES.size(), code.size(), "rows in the table atop Protocol.java: " + code);
    assertEquals(doc, code, "docs/replication-protocol.md and Protocol.java list the messages alike");
  }

  @Test
  void eachRowIsTheTypeTheCodecEncodesForThatMessage() throws IOException {
    Map<String, Integer> byName = new LinkedHashMap<>();
    for (Protocol.Message m : SAMPLES) {
      byName.put(m.getClass().getSimpleName().toUpperCase(java.util.Locale.ROOT), body(m)[0] & 0xff);
    }
    Map<String, Integer> table = new LinkedHashMap<>();
    codeTable().forEach(r -> table.put(r.name(), r.type()));
    assertEquals(byName, table);
  }

  @Test
  void theDecoderKnowsExactlyTheTypesOfTheTable() throws IOException {
    TreeSet<Integer> known = new TreeSet<>();
    for (int type = 0; type < 256; type++) {
      try {
        decode(new byte[] {(byte) type});
        known.add(type);
      } catch (CorruptedFrameException e) {
        if (!e.getMessage().equals("unknown message type " + type)) {
          known.add(type); // known, but an empty body is not one of its bodies
        }
      }
    }
    TreeSet<Integer> table = new TreeSet<>();
    docTable().forEach(r -> table.add(r.type()));
    assertEquals(table, known);
  }

  @Test
  void fixedSizesAreTheSizesTheCodecWritesAndTheOnlyOnesItReads() throws IOException {
    List<Row> doc = docTable();
    List<Row> code = codeTable();
    int fixed = 0;
    for (int i = 0; i < code.size(); i++) {
      Row r = code.get(i);
      int size = exactSize(r.size());
      assertEquals(size, exactSize(doc.get(i).size()), r.name() + ": the document states the same size");
      if (size < 0) {
        continue;
      }
      fixed++;
      byte[] frame = SAMPLES.stream().map(ProtocolTableTest::body).filter(b -> (b[0] & 0xff) == r.type()).findFirst()
          .orElseThrow();
      assertEquals(size, frame.length - 1, r.name() + ": body bytes the codec writes");
      assertFalse(decode(frame) == null);
      byte[] longer = java.util.Arrays.copyOf(frame, frame.length + 1);
      assertThrows(CorruptedFrameException.class, () -> decode(longer), r.name() + " one byte longer");
      if (size > 0) {
        byte[] shorter = java.util.Arrays.copyOf(frame, frame.length - 1);
        assertThrows(CorruptedFrameException.class, () -> decode(shorter), r.name() + " one byte shorter");
      }
    }
    assertEquals(9, fixed, "HELLO, CHALLENGE, AUTH, WELCOME, ACCEPT, END, ACK, BYE and PRUNED have one size");
  }

  /** The numbers a row states, in the order it states them. */
  static List<Long> numbers(Row r) {
    List<Long> out = new ArrayList<>();
    Matcher m = Pattern.compile("(?<!\\w)(\\d+)n?(?!\\w)").matcher(r.body() + " | " + r.size());
    while (m.find()) {
      out.add(Long.parseLong(m.group(1)));
    }
    return out;
  }

  static Row row(List<Row> rows, String name) {
    return rows.stream().filter(r -> r.name().equals(name)).findFirst().orElseThrow();
  }

  @Test
  void theBoundsBothTablesStateAreTheCodecsConstants() throws IOException {
    for (List<Row> t : List.of(codeTable(), docTable())) {
      assertContains(row(t, "SNAPSHOTS"), Protocol.MAX_SNAPSHOTS_PER_FRAME, Protocol.MAX_NAME, Protocol.SNAP_MIN);
      assertContains(row(t, "OFFER"), Protocol.MIN_HEADER, Protocol.MAX_HEADER);
      assertContains(row(t, "DATA"), Protocol.MAX_DATA);
      assertContains(row(t, "ERROR"), Protocol.MAX_MESSAGE);
      assertContains(row(t, "PRUNE"), Protocol.MAX_SNAPSHOTS_PER_FRAME, 8 + 16);
      assertContains(row(t, "HELLO"), Protocol.KEY_BYTES);
      assertContains(row(t, "CHALLENGE"), Protocol.NONCE_BYTES);
      assertContains(row(t, "AUTH"), Protocol.SIGNATURE_BYTES);
    }
  }

  static void assertContains(Row r, long... want) {
    for (long w : want) {
      assertTrue(numbers(r).contains(w), r.name() + " row states " + w + ": " + r);
    }
  }

  @Test
  void theDecoderKeepsEachVariableBoundAndNoTighterOne() {
    assertBound(n -> offer(n), Protocol.MIN_HEADER, Protocol.MAX_HEADER);
    assertBound(n -> dataFrame(n), 1, Protocol.MAX_DATA);
    assertBound(n -> error(n), 0, Protocol.MAX_MESSAGE);
    assertBound(n -> prune(n), 0, Protocol.MAX_SNAPSHOTS_PER_FRAME);
    assertBound(n -> snapshots(n, 0), 0, Protocol.MAX_SNAPSHOTS_PER_FRAME);
    assertEquals(Protocol.MAX_NAME, ((Protocol.Snapshots) decode(snapshots(1, Protocol.MAX_NAME))).snapshots().get(0)
        .name().length());
  }

  interface Frame {
    byte[] of(int n);
  }

  /** {@code lo .. hi} decode, {@code lo - 1} (when ≥ 0) and {@code hi + 1} are refused. */
  static void assertBound(Frame f, int lo, int hi) {
    decode(f.of(lo));
    decode(f.of(hi));
    if (lo > 0) {
      assertThrows(CorruptedFrameException.class, () -> decode(f.of(lo - 1)), "below " + lo);
    }
    assertThrows(CorruptedFrameException.class, () -> decode(f.of(hi + 1)), "above " + hi);
  }

  static byte[] offer(int n) {
    return bytes(Unpooled.buffer().writeByte(Protocol.OFFER).writeInt(n).writeZero(n));
  }

  static byte[] dataFrame(int n) {
    return bytes(Unpooled.buffer().writeByte(Protocol.DATA).writeZero(n));
  }

  static byte[] error(int n) {
    return bytes(Unpooled.buffer().writeByte(Protocol.ERROR).writeShort(1).writeShort(n).writeZero(n));
  }

  static byte[] prune(int n) {
    return bytes(Unpooled.buffer().writeByte(Protocol.PRUNE).writeInt(n).writeZero(24 * n));
  }

  static byte[] snapshots(int n, int nameBytes) {
    ByteBuf b = Unpooled.buffer().writeByte(Protocol.SNAPSHOTS).writeInt(n);
    for (int i = 0; i < n; i++) {
      b.writeLong(i).writeZero(16).writeLong(0).writeByte(nameBytes).writeBytes("x".repeat(nameBytes).getBytes(StandardCharsets.UTF_8));
    }
    return bytes(b);
  }

  static byte[] bytes(ByteBuf b) {
    byte[] out = new byte[b.readableBytes()];
    b.readBytes(out);
    return out;
  }

  @Test
  void theErrorCodesOfTheDocumentAreTheCodecs() throws IOException {
    String doc = read(DOC);
    String codes = doc.substring(doc.indexOf("Error codes:"), doc.indexOf("The receiver sends ERROR"));
    Matcher m = Pattern.compile("(\\d+) ([A-Z]+)\\b").matcher(codes);
    Map<Integer, String> documented = new LinkedHashMap<>();
    while (m.find()) {
      documented.put(Integer.parseInt(m.group(1)), m.group(2));
    }
    Map<Integer, String> code = new LinkedHashMap<>();
    for (Protocol.Code c : Protocol.Code.values()) {
      code.put(c.value, c.name());
    }
    assertEquals(code, documented);
  }

  @Test
  void theFrameLengthBoundOfTheDocumentIsTheDecoders() throws IOException {
    String doc = read(DOC);
    Matcher m = Pattern.compile("\\| 0 \\| 4 \\| u32 \\| length L \\| 1 … (\\d+)\\b").matcher(doc);
    assertTrue(m.find(), "the Frames table states the largest length");
    int max = Integer.parseInt(m.group(1));
    EmbeddedChannel ok = new EmbeddedChannel(Protocol.frameDecoder());
    ok.writeInbound(Unpooled.buffer().writeInt(max).writeZero(max));
    ByteBuf frame = ok.readInbound();
    assertEquals(max, frame.readableBytes());
    frame.release();
    EmbeddedChannel tooLong = new EmbeddedChannel(Protocol.frameDecoder());
    DecoderException e = assertThrows(DecoderException.class,
        () -> tooLong.writeInbound(Unpooled.buffer().writeInt(max + 1).writeZero(16)));
    assertInstanceOf(TooLongFrameException.class, e);
  }
}
