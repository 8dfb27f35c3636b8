/**
 * The receiving side: {@link io.deltasnap.receiver.DeltaApplier} verifies a delta and applies it
 * to a replica atomically.
 */
package io.deltasnap.receiver;
