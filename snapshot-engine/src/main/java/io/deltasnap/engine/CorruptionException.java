package io.deltasnap.engine;

/** On-disk data failed a check (checksum, magic, bounds, ordering). Never returned as data. */
public sealed class CorruptionException extends EngineException permits UnreadableCommitException {
  public CorruptionException(String message) {
    super(message);
  }
}
