package io.deltasnap.engine;

import java.io.IOException;

/**
 * Base of the engine's errors. Subtypes tell corruption, a bad request, a busy volume and a full
 * store apart; a plain {@link IOException} from below is an I/O failure. Messages name the
 * volume and the place (page, node path, offset) where the problem was found.
 */
public class EngineException extends IOException {
  public EngineException(String message) {
    super(message);
  }

  public EngineException(String message, Throwable cause) {
    super(message, cause);
  }
}
