package io.deltasnap.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The wire codec: every message decodes to what was encoded; frames keep their bounds.
 */
class ProtocolCodecTest {
  static byte[] bytes(int n, int seed) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) (seed + i * 7);
    }
    return b;
  }

  static byte[] encode(EmbeddedChannel ch, Object m) {
    assertTrue(ch.writeOutbound(m));
    ByteBuf out = Unpooled.buffer();
    ByteBuf b;
    while ((b = ch.readOutbound()) != null) {
      out.writeBytes(b);
      b.release();
    }
    return ByteBufUtil.getBytes(out);
  }

  @Test
  void everyMessageSurvivesAnEncodeDecodeRoundTrip() {
    UUID u = UUID.fromString("11111111-2222-3333-4444-555555555555");
    List<Protocol.Message> all = List.of(
        new Protocol.Hello(1, u, bytes(32, 1)), new Protocol.Challenge(1, bytes(32, 2)),
        new Protocol.Auth(bytes(64, 3)), new Protocol.Welcome(u, 2), new Protocol.Welcome(null, 0),
        new Protocol.Snapshots(List.of(new Protocol.Snap(7, u), new Protocol.Snap(9, u))),
        new Protocol.Offer(bytes(155, 4)), new Protocol.Accept(12345), new Protocol.End(99),
        new Protocol.Ack(7, u, 1000), new Protocol.Error(Protocol.Code.BUSY, "busy ✓"), new Protocol.Bye(),
        new Protocol.Snapshots(List.of(new Protocol.Snap(3, u, 1_790_000_000_000L, "hourly-2026-11-28T14:00"))),
        new Protocol.Prune(List.of(new Protocol.Snap(7, u), new Protocol.Snap(8, u))), new Protocol.Pruned(2));
    EmbeddedChannel out = new EmbeddedChannel(Protocol.framePrepender(), new Protocol.Codec());
    for (Protocol.Message m : all) {
      byte[] a = encode(out, m);
      EmbeddedChannel in = new EmbeddedChannel(Protocol.frameDecoder(), new Protocol.Codec());
      in.writeInbound(Unpooled.wrappedBuffer(a));
      Object back = in.readInbound();
      assertEquals(m.getClass(), back.getClass());
      assertArrayEquals(a, encode(out, back), m.toString());
    }
    byte[] payload = bytes(1000, 8);
    EmbeddedChannel in = new EmbeddedChannel(Protocol.frameDecoder(), new Protocol.Codec());
    in.writeInbound(Unpooled.wrappedBuffer(encode(out, new Protocol.Data(Unpooled.wrappedBuffer(payload)))));
    Protocol.Data d = in.readInbound();
    assertArrayEquals(payload, ByteBufUtil.getBytes(d.bytes()));
    d.bytes().release();
  }

  @Test
  void framesBeyondTheMaximumAndBodiesOfTheWrongSizeAreRefused() {
    EmbeddedChannel in = new EmbeddedChannel(Protocol.frameDecoder(), new Protocol.Codec());
    ByteBuf huge = Unpooled.buffer().writeInt(Protocol.MAX_FRAME + 1).writeBytes(new byte[16]);
    assertThrows(DecoderException.class, () -> in.writeInbound(huge));
    EmbeddedChannel in2 = new EmbeddedChannel(Protocol.frameDecoder(), new Protocol.Codec());
    ByteBuf shortAuth = Unpooled.buffer().writeInt(10).writeByte(Protocol.AUTH).writeBytes(new byte[9]);
    DecoderException e = assertThrows(DecoderException.class, () -> in2.writeInbound(shortAuth));
    assertTrue(e.getMessage().contains("expected 64"), e.getMessage());
    EmbeddedChannel in3 = new EmbeddedChannel(Protocol.frameDecoder(), new Protocol.Codec());
    ByteBuf lyingSnapshots = Unpooled.buffer().writeInt(9).writeByte(Protocol.SNAPSHOTS).writeInt(100_000)
        .writeBytes(new byte[4]);
    assertThrows(DecoderException.class, () -> in3.writeInbound(lyingSnapshots));
    EmbeddedChannel in4 = new EmbeddedChannel(Protocol.frameDecoder(), new Protocol.Codec());
    ByteBuf longName = Unpooled.buffer().writeInt(1 + 4 + 33).writeByte(Protocol.SNAPSHOTS).writeInt(1)
        .writeLong(1).writeBytes(new byte[16]).writeLong(0).writeByte(200); // a name longer than the frame
    DecoderException n = assertThrows(DecoderException.class, () -> in4.writeInbound(longName));
    assertTrue(n.getMessage().contains("runs past"), n.getMessage());
  }
}
