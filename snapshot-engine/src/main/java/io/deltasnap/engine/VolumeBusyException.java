package io.deltasnap.engine;

/** Another process has the volume open. */
public final class VolumeBusyException extends EngineException {
  public VolumeBusyException(String message) {
    super(message);
  }
}
