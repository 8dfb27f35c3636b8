package io.deltasnap.receiver;

import io.deltasnap.wire.Protocol;

/**
 * Why a receiver refuses a delta before it changes the replica: the closed set of reasons a
 * {@link RefusedException} carries, each with the protocol error code a network sender is
 * answered with (docs/replication-protocol.md, "Error codes"). The message says the particulars.
 */
public enum Refusal {
  /** The offered header is not exactly one delta header. */
  BAD_OFFER,
  /** The delta is signed by another key than the one the sender authenticated with. */
  WRONG_SIGNER,
  /** An incremental delta for a replica that does not exist yet. */
  NO_REPLICA,
  /** Something at the replica's path is not a replica, or a volume appeared there meanwhile. */
  PATH_IN_THE_WAY,
  /** The delta is for another volume than the replica's. */
  WRONG_VOLUME,
  /** The delta's volume size or chunk size is not the replica's. */
  WRONG_GEOMETRY,
  /** The delta's target snapshot is already on the replica. */
  TARGET_EXISTS,
  /** The delta's target is not newer than the replica's newest snapshot: deltas apply in order. */
  OUT_OF_ORDER,
  /** The replica cannot take the target's ID or name. */
  BAD_TARGET,
  /** The delta's base snapshot is not on the replica, or is another snapshot of that ID. */
  WRONG_BASE,
  /** Another signer's transfer is staged on the replica and not stale yet. */
  STAGED_ELSEWHERE(Protocol.Code.STAGED);

  private final Protocol.Code code;

  Refusal() {
    this(Protocol.Code.REFUSED);
  }

  Refusal(Protocol.Code code) {
    this.code = code;
  }

  /** The error code a network sender is refused with. */
  public Protocol.Code code() {
    return code;
  }
}
