package io.deltasnap.engine;

/** The store cannot grow; the operation was refused before anything changed. */
public final class NoSpaceException extends EngineException {
  public NoSpaceException(String message) {
    super(message);
  }
}
