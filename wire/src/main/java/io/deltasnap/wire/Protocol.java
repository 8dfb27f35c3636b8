package io.deltasnap.wire;

import io.deltasnap.delta.DeltaLayout;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.MessageToMessageCodec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The replication session protocol (spec: docs/replication-protocol.md). Every message is one
 * frame: {@code u32 length} L (big-endian, of what follows: the type byte and the body; L + 4 is
 * at most {@link #MAX_FRAME}), {@code u8 type}, body. The delta stream travels unchanged inside
 * DATA frames; END marks its end, so the delta reader sees a stream that ends after the trailer.
 *
 * <pre>
 * | type | name      | dir | body (big-endian)                                                   | body bytes     |
 * |------|-----------|-----|---------------------------------------------------------------------|----------------|
 * | 1    | HELLO     | S→R | magic 8 "\x89DSREPL\n", u16 version, uuid volume, key 32            | 58             |
 * | 2    | CHALLENGE | R→S | u16 version, nonce 32 (fresh random per connection)                 | 34             |
 * | 3    | AUTH      | S→R | Ed25519 signature 64 over {@link #authMessage}                      | 64             |
 * | 4    | WELCOME   | R→S | u8 has replica, uuid replica volume, u32 snapshot count             | 21             |
 * | 5    | SNAPSHOTS | R→S | u32 n (≤ 1024), n × (u64 id, uuid, u64 created, u8 L ≤ 255, name L) | 4 + 33n + ΣL   |
 * | 6    | OFFER     | S→R | u32 n (148..4096), the delta header bytes                           | 4 + n          |
 * | 7    | ACCEPT    | R→S | u64 resume offset (≥ the header length)                             | 8              |
 * | 8    | DATA      | S→R | delta stream bytes                                                  | 1 .. 262144    |
 * | 9    | END       | S→R | u64 delta stream length                                             | 8              |
 * | 10   | ACK       | R→S | u64 snapshot id, uuid, u64 stream bytes received on this connection | 32             |
 * | 11   | ERROR     | both| u16 code, u16 n (≤ 4096), UTF-8 message                             | 4 + n          |
 * | 12   | BYE       | S→R | empty: the sender is done (a dry run)                               | 0              |
 * | 13   | PRUNE     | S→R | u32 n (≤ 1024), n × (u64 id, uuid)                                  | 4 + 24n        |
 * | 14   | PRUNED    | R→S | u64 snapshots deleted                                               | 8              |
 * </pre>
 *
 * <p>Both ends use this codec: the sender's {@code ReplicationClient} and the receiver's
 * {@code ReplicationServer}. ProtocolTableTest holds this table and the document's against it.
 */
public final class Protocol {
  public static final int VERSION = 1;
  public static final byte[] MAGIC = {(byte) 0x89, 'D', 'S', 'R', 'E', 'P', 'L', '\n'};
  /** Largest frame, its 4-byte length field included: a length L is at most this less 4. */
  public static final int MAX_FRAME = 512 * 1024;
  public static final int MAX_DATA = 256 * 1024;
  public static final int MAX_SNAPSHOTS_PER_FRAME = 1024;
  /** Longest snapshot name in a SNAPSHOTS entry, in UTF-8 bytes. */
  static final int MAX_NAME = 255;
  /** Bytes of a SNAPSHOTS entry with an empty name: id, uuid, created, name length. */
  static final int SNAP_MIN = 8 + 16 + 8 + 1;
  /** Bounds of the delta header an OFFER carries: the delta format's own. */
  public static final int MAX_HEADER = DeltaLayout.MAX_HEADER_BYTES;
  public static final int MIN_HEADER = DeltaLayout.MIN_HEADER_BYTES;
  public static final int MAX_MESSAGE = 4096;
  public static final int NONCE_BYTES = 32;
  public static final int KEY_BYTES = 32;
  public static final int SIGNATURE_BYTES = 64;
  /** Domain separation: a handshake signature can never be mistaken for a delta signature. */
  public static final byte[] AUTH_DOMAIN = "deltasnap-handshake-v1\0".getBytes(StandardCharsets.US_ASCII);

  public static final int HELLO = 1;
  public static final int CHALLENGE = 2;
  public static final int AUTH = 3;
  public static final int WELCOME = 4;
  public static final int SNAPSHOTS = 5;
  public static final int OFFER = 6;
  public static final int ACCEPT = 7;
  public static final int DATA = 8;
  public static final int END = 9;
  public static final int ACK = 10;
  public static final int ERROR = 11;
  public static final int BYE = 12;
  public static final int PRUNE = 13;
  public static final int PRUNED = 14;

  /** Error codes carried by ERROR. */
  public enum Code {
    PROTOCOL(1), VERSION(2), UNTRUSTED(3), AUTH(4), BUSY(5), REFUSED(6), CORRUPT(7), STAGED(8), SHUTDOWN(9),
    TIMEOUT(10), INTERNAL(11);

    public final int value;

    Code(int value) {
      this.value = value;
    }

    static Code of(int v) {
      for (Code c : values()) {
        if (c.value == v) {
          return c;
        }
      }
      return PROTOCOL;
    }
  }

  private Protocol() {}

  /** One protocol message. */
  public sealed interface Message {}

  public record Hello(int version, UUID volume, byte[] key) implements Message {}

  public record Challenge(int version, byte[] nonce) implements Message {}

  public record Auth(byte[] signature) implements Message {}

  public record Welcome(UUID replicaVolume, long snapshotCount) implements Message {}

  /**
   * A replica snapshot: its ID and UUID (what a base is matched by), with its creation time (epoch
   * ms) and name (≤ 255 UTF-8 bytes) for retention on the sending side.
   */
  public record Snap(long id, UUID uuid, long created, String name) {
    public Snap(long id, UUID uuid) {
      this(id, uuid, 0, "");
    }

    public boolean is(long otherId, UUID otherUuid) {
      return id == otherId && uuid.equals(otherUuid);
    }
  }

  public record Snapshots(List<Snap> snapshots) implements Message {}

  public record Offer(byte[] header) implements Message {}

  public record Accept(long resumeOffset) implements Message {}

  /** Delta bytes; the holder of the message owns (releases) {@code bytes}. */
  public record Data(ByteBuf bytes) implements Message {}

  public record End(long streamLength) implements Message {}

  public record Ack(long snapshotId, UUID snapshotUuid, long bytesReceived) implements Message {}

  public record Error(Code code, String message) implements Message {}

  public record Bye() implements Message {}

  /** Asks the receiver to delete these snapshots (ID and UUID must both match). */
  public record Prune(List<Snap> snapshots) implements Message {}

  /** The receiver deleted this many of the snapshots a PRUNE named. */
  public record Pruned(long deleted) implements Message {}

  /**
   * What the sender signs to prove its key: domain || nonce || volume UUID || key || u16 version.
   * The nonce is fresh for each connection, so a recorded AUTH does not verify on another one.
   */
  public static byte[] authMessage(byte[] nonce, UUID volume, byte[] key, int version) {
    ByteBuf b = Unpooled.buffer();
    b.writeBytes(AUTH_DOMAIN).writeBytes(nonce);
    b.writeLong(volume.getMostSignificantBits()).writeLong(volume.getLeastSignificantBits());
    b.writeBytes(key).writeShort(version);
    byte[] out = new byte[b.readableBytes()];
    b.readBytes(out);
    b.release();
    return out;
  }

  /** Frames ⇄ messages, every length checked against its bound before use. */
  public static final class Codec extends MessageToMessageCodec<ByteBuf, Message> {
    @Override
    protected void encode(ChannelHandlerContext ctx, Message m, List<Object> out) {
      if (m instanceof Data d) {
        ByteBuf type = ctx.alloc().buffer(1).writeByte(DATA);
        out.add(Unpooled.wrappedBuffer(type, d.bytes()));
        return;
      }
      ByteBuf b = ctx.alloc().buffer(64);
      encodeBody(m, b);
      out.add(b);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
      out.add(Protocol.decode(in));
    }
  }

  /** Writes type and body of a message other than DATA. */
  public static void encodeBody(Message m, ByteBuf b) {
    if (m instanceof Hello h) {
      b.writeByte(HELLO).writeBytes(MAGIC).writeShort(h.version()).writeBytes(uuid(h.volume())).writeBytes(h.key());
    } else if (m instanceof Challenge c) {
      b.writeByte(CHALLENGE).writeShort(c.version()).writeBytes(c.nonce());
    } else if (m instanceof Auth a) {
      b.writeByte(AUTH).writeBytes(a.signature());
    } else if (m instanceof Welcome w) {
      b.writeByte(WELCOME).writeByte(w.replicaVolume() == null ? 0 : 1)
          .writeBytes(uuid(w.replicaVolume() == null ? new UUID(0, 0) : w.replicaVolume()))
          .writeInt((int) w.snapshotCount());
    } else if (m instanceof Snapshots s) {
      b.writeByte(SNAPSHOTS).writeInt(s.snapshots().size());
      for (Snap x : s.snapshots()) {
        byte[] name = x.name().getBytes(StandardCharsets.UTF_8);
        int len = Math.min(name.length, MAX_NAME);
        b.writeLong(x.id()).writeBytes(uuid(x.uuid())).writeLong(x.created()).writeByte(len).writeBytes(name, 0, len);
      }
    } else if (m instanceof Offer o) {
      b.writeByte(OFFER).writeInt(o.header().length).writeBytes(o.header());
    } else if (m instanceof Accept a) {
      b.writeByte(ACCEPT).writeLong(a.resumeOffset());
    } else if (m instanceof Data d) {
      b.writeByte(DATA).writeBytes(d.bytes(), d.bytes().readerIndex(), d.bytes().readableBytes());
    } else if (m instanceof End e) {
      b.writeByte(END).writeLong(e.streamLength());
    } else if (m instanceof Ack a) {
      b.writeByte(ACK).writeLong(a.snapshotId()).writeBytes(uuid(a.snapshotUuid())).writeLong(a.bytesReceived());
    } else if (m instanceof Error e) {
      byte[] msg = e.message().getBytes(StandardCharsets.UTF_8);
      int n = Math.min(msg.length, MAX_MESSAGE);
      b.writeByte(ERROR).writeShort(e.code().value).writeShort(n).writeBytes(msg, 0, n);
    } else if (m instanceof Bye) {
      b.writeByte(BYE);
    } else if (m instanceof Prune pr) {
      b.writeByte(PRUNE).writeInt(pr.snapshots().size());
      for (Snap x : pr.snapshots()) {
        b.writeLong(x.id()).writeBytes(uuid(x.uuid()));
      }
    } else if (m instanceof Pruned pd) {
      b.writeByte(PRUNED).writeLong(pd.deleted());
    } else {
      throw new IllegalArgumentException("unknown message " + m);
    }
  }

  /** Decodes one frame body; DATA keeps a retained slice of {@code in}. */
  public static Message decode(ByteBuf in) {
    if (!in.isReadable()) {
      throw new CorruptedFrameException("empty frame");
    }
    int type = in.readUnsignedByte();
    int n = in.readableBytes();
    switch (type) {
      case HELLO -> {
        need(type, n, MAGIC.length + 2 + 16 + KEY_BYTES);
        byte[] magic = bytes(in, MAGIC.length);
        if (!java.util.Arrays.equals(magic, MAGIC)) {
          throw new CorruptedFrameException("not a deltasnap sender (bad HELLO magic)");
        }
        return new Hello(in.readUnsignedShort(), readUuid(in), bytes(in, KEY_BYTES));
      }
      case CHALLENGE -> {
        need(type, n, 2 + NONCE_BYTES);
        return new Challenge(in.readUnsignedShort(), bytes(in, NONCE_BYTES));
      }
      case AUTH -> {
        need(type, n, SIGNATURE_BYTES);
        return new Auth(bytes(in, SIGNATURE_BYTES));
      }
      case WELCOME -> {
        need(type, n, 1 + 16 + 4);
        boolean has = in.readUnsignedByte() != 0;
        UUID u = readUuid(in);
        long count = in.readUnsignedInt();
        return new Welcome(has ? u : null, count);
      }
      case SNAPSHOTS -> {
        if (n < 4) {
          throw new CorruptedFrameException("SNAPSHOTS frame of " + n + " bytes");
        }
        long count = in.readUnsignedInt();
        if (count > MAX_SNAPSHOTS_PER_FRAME || count * SNAP_MIN > n - 4) {
          throw new CorruptedFrameException("SNAPSHOTS frame: " + count + " entries in " + n + " bytes");
        }
        List<Snap> l = new ArrayList<>((int) count);
        for (int i = 0; i < count; i++) {
          if (in.readableBytes() < SNAP_MIN) {
            throw new CorruptedFrameException("SNAPSHOTS entry " + i + " runs past the frame");
          }
          long id = in.readLong();
          UUID u = readUuid(in);
          long created = in.readLong();
          int len = in.readUnsignedByte();
          if (len > in.readableBytes()) {
            throw new CorruptedFrameException("SNAPSHOTS entry " + i + ": name of " + len + " bytes runs past the frame");
          }
          l.add(new Snap(id, u, created, new String(bytes(in, len), StandardCharsets.UTF_8)));
        }
        if (in.isReadable()) {
          throw new CorruptedFrameException("SNAPSHOTS frame: " + in.readableBytes() + " bytes after the last entry");
        }
        return new Snapshots(l);
      }
      case PRUNE -> {
        if (n < 4) {
          throw new CorruptedFrameException("PRUNE frame of " + n + " bytes");
        }
        long count = in.readUnsignedInt();
        if (count > MAX_SNAPSHOTS_PER_FRAME || n != 4 + count * 24) {
          throw new CorruptedFrameException("PRUNE frame: " + count + " entries in " + n + " bytes");
        }
        List<Snap> l = new ArrayList<>((int) count);
        for (int i = 0; i < count; i++) {
          l.add(new Snap(in.readLong(), readUuid(in)));
        }
        return new Prune(l);
      }
      case PRUNED -> {
        need(type, n, 8);
        return new Pruned(in.readLong());
      }
      case OFFER -> {
        if (n < 4) {
          throw new CorruptedFrameException("OFFER frame of " + n + " bytes");
        }
        long len = in.readUnsignedInt();
        if (len < MIN_HEADER || len > MAX_HEADER || len != n - 4) {
          throw new CorruptedFrameException("OFFER header length " + len + ": expected " + MIN_HEADER + ".."
              + MAX_HEADER + " and the rest of a " + n + "-byte frame");
        }
        return new Offer(bytes(in, (int) len));
      }
      case ACCEPT -> {
        need(type, n, 8);
        return new Accept(in.readLong());
      }
      case DATA -> {
        if (n < 1 || n > MAX_DATA) {
          throw new CorruptedFrameException("DATA frame of " + n + " bytes: expected 1.." + MAX_DATA);
        }
        return new Data(in.readRetainedSlice(n));
      }
      case END -> {
        need(type, n, 8);
        return new End(in.readLong());
      }
      case ACK -> {
        need(type, n, 8 + 16 + 8);
        return new Ack(in.readLong(), readUuid(in), in.readLong());
      }
      case ERROR -> {
        if (n < 4) {
          throw new CorruptedFrameException("ERROR frame of " + n + " bytes");
        }
        Code c = Code.of(in.readUnsignedShort());
        int len = in.readUnsignedShort();
        if (len > MAX_MESSAGE || len != n - 4) {
          throw new CorruptedFrameException("ERROR message length " + len + " in a " + n + "-byte frame");
        }
        return new Error(c, new String(bytes(in, len), StandardCharsets.UTF_8));
      }
      case BYE -> {
        need(type, n, 0);
        return new Bye();
      }
      default -> throw new CorruptedFrameException("unknown message type " + type);
    }
  }

  private static void need(int type, int n, int expected) {
    if (n != expected) {
      throw new CorruptedFrameException("message type " + type + ": body of " + n + " bytes, expected " + expected);
    }
  }

  private static byte[] bytes(ByteBuf in, int n) {
    byte[] b = new byte[n];
    in.readBytes(b);
    return b;
  }

  static byte[] uuid(UUID u) {
    return java.nio.ByteBuffer.allocate(16).putLong(u.getMostSignificantBits()).putLong(u.getLeastSignificantBits())
        .array();
  }

  private static UUID readUuid(ByteBuf in) {
    return new UUID(in.readLong(), in.readLong());
  }

  /** The frame decoder of an established connection: length-prefixed, at most {@link #MAX_FRAME}. */
  public static io.netty.handler.codec.LengthFieldBasedFrameDecoder frameDecoder() {
    return frameDecoder(MAX_FRAME);
  }

  /**
   * A frame decoder for frames of at most {@code max} bytes; a longer length fails at once,
   * before its body is awaited (a receiver uses a small one until the sender authenticated).
   */
  public static io.netty.handler.codec.LengthFieldBasedFrameDecoder frameDecoder(int max) {
    return new io.netty.handler.codec.LengthFieldBasedFrameDecoder(max, 0, 4, 0, 4, true);
  }

  public static io.netty.handler.codec.LengthFieldPrepender framePrepender() {
    return new io.netty.handler.codec.LengthFieldPrepender(4);
  }
}
