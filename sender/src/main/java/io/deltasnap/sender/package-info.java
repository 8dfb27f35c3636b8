/**
 * The sending side: {@link io.deltasnap.sender.DeltaProducer} writes the signed delta between two
 * snapshots of a volume (to a file, a pipe, or a connection); {@link io.deltasnap.sender.ReplicationClient}
 * streams it to a receiver over Netty (handshake, common base, resume, back-pressure, rate limit,
 * optional TLS through {@link io.deltasnap.sender.Tls}); failures are
 * {@link io.deltasnap.sender.ReplicationException}s. The session protocol is
 * {@link io.deltasnap.wire.Protocol} (docs/replication-protocol.md).
 */
package io.deltasnap.sender;
