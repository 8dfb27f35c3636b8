package io.deltasnap.objectstore;

import java.io.IOException;

/** A failed object-store operation; the message names the object ({@code s3://BUCKET/KEY}) and what went wrong. */
public class ObjectStoreException extends IOException {
  private static final long serialVersionUID = 1L;

  public ObjectStoreException(String message) {
    super(message);
  }

  public ObjectStoreException(String message, Throwable cause) {
    super(message, cause);
  }

  /** The object named does not exist. */
  public static final class Missing extends ObjectStoreException {
    private static final long serialVersionUID = 1L;

    public Missing(String message) {
      super(message);
    }
  }

  /** What the bucket holds contradicts what it must hold: a bad manifest, a changed or corrupt object. */
  public static final class Corrupt extends ObjectStoreException {
    private static final long serialVersionUID = 1L;

    public Corrupt(String message) {
      super(message);
    }
  }

  /** Another writer changed the bucket's manifest between our read and our write. */
  public static final class Conflict extends ObjectStoreException {
    private static final long serialVersionUID = 1L;

    public Conflict(String message) {
      super(message);
    }
  }
}
