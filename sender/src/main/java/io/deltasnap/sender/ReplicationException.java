package io.deltasnap.sender;

import io.deltasnap.wire.Protocol;
import java.io.IOException;

/**
 * A replication session failed: the receiver refused (its ERROR code and message), or the
 * connection failed. The message says which side and why.
 */
public final class ReplicationException extends IOException {
  private static final long serialVersionUID = 1L;
  private final Protocol.Code code;

  public ReplicationException(Protocol.Code code, String message) {
    super(message);
    this.code = code;
  }

  public ReplicationException(Protocol.Code code, String message, Throwable cause) {
    super(message, cause);
    this.code = code;
  }

  /** The receiver's error code, or {@code PROTOCOL}/{@code TIMEOUT} for local failures. */
  public Protocol.Code code() {
    return code;
  }
}
