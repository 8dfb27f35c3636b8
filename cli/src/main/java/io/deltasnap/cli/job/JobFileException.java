package io.deltasnap.cli.job;

/** A job file that cannot be used; the message names the file and the field. */
public final class JobFileException extends IllegalArgumentException {
  public JobFileException(String message) {
    super(message);
  }
}
