package io.deltasnap.engine;

/** On-disk data failed a check (checksum, magic, bounds, ordering). Never returned as data. */
public final class CorruptionException extends EngineException {
  public CorruptionException(String message) {
    super(message);
  }
}
