/**
 * An NBD (Network Block Device) server over Netty, serving any {@link io.deltasnap.nbd.BlockDevice}.
 *
 * <h2>Public API</h2>
 * <ul>
 *   <li>{@link io.deltasnap.nbd.BlockDevice}: one export — size, read-only flag, block sizes,
 *       read/write/flush/trim/writeZeroes, close. Called concurrently from I/O threads.</li>
 *   <li>{@link io.deltasnap.nbd.ExportProvider}: lists and opens exports; consulted on every
 *       negotiation, so exports can come and go while serving.</li>
 *   <li>{@link io.deltasnap.nbd.ExportInfo}: name and description of an export.</li>
 *   <li>{@link io.deltasnap.nbd.NbdServer}: {@code start(address, provider, tls[, options])},
 *       {@code port()}, {@code close()}.</li>
 *   <li>Exceptions a device or provider throws to choose the client's error:
 *       {@link io.deltasnap.nbd.NoSuchExportException} (NBD_REP_ERR_UNKNOWN),
 *       {@link io.deltasnap.nbd.NoSpaceException} (NBD_ENOSPC),
 *       {@link io.deltasnap.nbd.ReadOnlyExportException} (NBD_EPERM); any other
 *       {@link java.io.IOException} is NBD_EIO.</li>
 * </ul>
 *
 * <h2>Protocol</h2>
 * Fixed newstyle handshake with NBD_FLAG_FIXED_NEWSTYLE and NBD_FLAG_NO_ZEROES; options
 * EXPORT_NAME, ABORT, LIST, STARTTLS (when a TLS context is given; TLS is then required), INFO,
 * GO (replying NBD_INFO_EXPORT, NAME, DESCRIPTION, BLOCK_SIZE) and STRUCTURED_REPLY; others get
 * NBD_REP_ERR_UNSUP. Commands READ, WRITE (FUA), FLUSH, TRIM, WRITE_ZEROES (NO_HOLE), DISC.
 * Byte layouts are in {@code Protocol}; the user-facing description is {@code docs/nbd.md}.
 *
 * <h2>Guarantees</h2>
 * <ul>
 *   <li>No device or provider call runs on a Netty event loop.</li>
 *   <li>Every length read from the wire is checked against its bound before it is used: options
 *       8 KiB, strings 4 KiB, write payloads 32 MiB. A violation closes that connection only.</li>
 *   <li>A request is checked (command, flags, read-only, range, alignment, size) before the device
 *       sees it.</li>
 *   <li>NBD_CMD_FLUSH covers every write answered before it; FUA writes are flushed before their
 *       reply.</li>
 *   <li>Per connection at most {@code maxRequestsInFlight} requests run at once; beyond that the
 *       server stops reading that socket.</li>
 * </ul>
 */
package io.deltasnap.nbd;
