package io.deltasnap.receiver;

import io.deltasnap.wire.Protocol;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * What a {@link ReplicationServer} has done since it started: counters its handlers bump as
 * things happen, read by whoever asks (the CLI's metrics endpoint). Every value only grows.
 * Reasons are the protocol's error codes in lower case ({@code untrusted}, {@code busy}, ...),
 * plus {@code admission} for a connection closed because too many were authenticating. Every
 * reason is listed from the start, at 0.
 */
public final class ReceiverStats {
  /** A connection closed by the handshake gate before it sent anything. */
  public static final String ADMISSION = "admission";

  private final LongAdder applied = new LongAdder();
  private final LongAdder resumed = new LongAdder();
  private final LongAdder received = new LongAdder();
  private final Map<String, LongAdder> refused = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> failed = new ConcurrentHashMap<>();

  /** Every reason starts at 0, so that a rate over it exists before the first event. */
  public ReceiverStats() {
    for (Protocol.Code c : Protocol.Code.values()) {
      refused.put(reason(c), new LongAdder());
      failed.put(reason(c), new LongAdder());
    }
    refused.put(ADMISSION, new LongAdder());
  }

  void applied(boolean wasResumed) {
    applied.increment();
    if (wasResumed) {
      resumed.increment();
    }
  }

  void received(long bytes) {
    received.add(bytes);
  }

  void refused(Protocol.Code code) {
    refused(reason(code));
  }

  void refused(String reason) {
    refused.computeIfAbsent(reason, r -> new LongAdder()).increment();
  }

  void failed(Protocol.Code code) {
    failed.computeIfAbsent(reason(code), r -> new LongAdder()).increment();
  }

  static String reason(Protocol.Code code) {
    return code.name().toLowerCase(Locale.ROOT);
  }

  /** Transfers applied and committed (each one new snapshot on the replica). */
  public long applied() {
    return applied.sum();
  }

  /** Of those, transfers that continued a staged earlier attempt instead of starting over. */
  public long resumed() {
    return resumed.sum();
  }

  /** Delta stream bytes received in DATA messages. */
  public long receivedBytes() {
    return received.sum();
  }

  /** Connections or requests refused before a transfer began, by reason. */
  public Map<String, Long> refused() {
    return sums(refused);
  }

  /** Transfers that began and ended without a commit, by reason. */
  public Map<String, Long> failed() {
    return sums(failed);
  }

  private static Map<String, Long> sums(Map<String, LongAdder> m) {
    Map<String, Long> out = new TreeMap<>();
    m.forEach((k, v) -> out.put(k, v.sum()));
    return out;
  }
}
