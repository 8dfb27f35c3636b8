/**
 * The sending side: {@link io.deltasnap.sender.DeltaProducer} writes the signed delta between two
 * snapshots of a volume (to a file, a pipe, or a connection).
 */
package io.deltasnap.sender;
