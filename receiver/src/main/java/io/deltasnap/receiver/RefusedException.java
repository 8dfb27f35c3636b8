package io.deltasnap.receiver;

import io.deltasnap.engine.EngineException;

/**
 * A delta (or the replica it was meant for) refused before the replica changed: the reason as a
 * {@link Refusal}, the particulars in the message, which is what the user sees.
 */
public final class RefusedException extends EngineException {
  private final Refusal reason;

  public RefusedException(Refusal reason, String message) {
    super(message);
    this.reason = reason;
  }

  public Refusal reason() {
    return reason;
  }
}
