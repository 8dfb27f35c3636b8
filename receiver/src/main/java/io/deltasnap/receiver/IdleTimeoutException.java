package io.deltasnap.receiver;

import java.io.IOException;

/** An authenticated sender stayed silent mid-stream for longer than the receiver's idle timeout. */
final class IdleTimeoutException extends IOException {
  IdleTimeoutException(long seconds) {
    super("no data from the sender for " + seconds + " s");
  }
}
