package io.deltasnap.engine.pdata;

import io.deltasnap.engine.CorruptionException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Strict UTF-8 for text read from the store. The store writes only valid UTF-8, so anything else
 * is damage; decoding it leniently would replace each bad byte with U+FFFD (three bytes), and a
 * name that fit its bound on disk could then no longer be written back.
 */
public final class Utf8 {
  private Utf8() {}

  /** Decodes {@code bytes}, or refuses them as corruption of {@code what}. */
  public static String decode(byte[] bytes, String what) throws CorruptionException {
    try {
      return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      throw new CorruptionException(what + " is not valid UTF-8");
    }
  }
}
