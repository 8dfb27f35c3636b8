package io.deltasnap.engine;

/** The caller asked for something impossible: out of range, no such snapshot, read-only. */
public final class InvalidRequestException extends EngineException {
  public InvalidRequestException(String message) {
    super(message);
  }
}
