/**
 * The receiving side: {@link io.deltasnap.receiver.DeltaApplier} verifies a delta and applies it
 * to a replica atomically; {@link io.deltasnap.receiver.ReplicationServer} receives deltas over
 * Netty into a {@link io.deltasnap.receiver.Replica}, one transfer at a time, with durable
 * checkpoints so an interrupted transfer resumes (docs/replication-protocol.md).
 */
package io.deltasnap.receiver;
