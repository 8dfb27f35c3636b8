/**
 * The replication session protocol that {@code deltasnap send} and {@code deltasnap receive}
 * speak (docs/replication-protocol.md): {@link io.deltasnap.wire.Protocol} holds its messages,
 * their frame codec and the message a sender signs in the handshake. Sender and receiver both
 * depend on this package and on nothing of each other.
 */
package io.deltasnap.wire;
