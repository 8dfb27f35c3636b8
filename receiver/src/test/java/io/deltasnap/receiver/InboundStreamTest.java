package io.deltasnap.receiver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/** The inbound queue of a transfer keeps its bounds: TCP pushes back above the high-water mark. */
class InboundStreamTest {
  @Test
  void theInboundQueueStopsReadingAboveItsHighWaterMarkAndResumesBelowTheLow() throws IOException {
    EmbeddedChannel ch = new EmbeddedChannel();
    InboundStream s = new InboundStream(ch, 1 << 20, 256 << 10, 5000);
    for (int i = 0; i < 3; i++) {
      s.add(Unpooled.wrappedBuffer(new byte[512 << 10]));
    }
    assertFalse(ch.config().isAutoRead(), "1.5 MiB queued > 1 MiB: reading stops");
    byte[] buf = new byte[64 << 10];
    long read = 0;
    while (read < (1 << 20) + (300 << 10)) {
      read += s.read(buf, 0, buf.length);
    }
    assertTrue(ch.config().isAutoRead(), "drained below 256 KiB: reading resumes");
    s.end();
    while (s.read(buf, 0, buf.length) > 0) {
      read += 0;
    }
    assertEquals(-1, s.read(buf, 0, 1));
    s.close();
  }
}
