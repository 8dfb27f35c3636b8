/**
 * The deltasnap delta format: one self-describing, versioned, signed byte stream (the same in a
 * file and on the wire) carrying the changed extents between two snapshots of a volume. The
 * specification, with every byte layout, is {@code docs/delta-format.md}; each structure's layout
 * is also in the class comment of the class that encodes it ({@code HeaderFormat},
 * {@code RecordFormat}, {@code TrailerFormat}, {@link io.deltasnap.delta.HashChain}).
 *
 * <h2>Writing</h2>
 * <pre>{@code
 * Ed25519PrivateKeyParameters key = Keys.readPrivate(Path.of("site-a.key"));
 * DeltaHeader h = new DeltaHeader(volumeUuid, chunkSize, volumeSize, new SnapshotRef(baseId, baseUuid),
 *         new TargetSnapshot(id, uuid, "hourly", createdMillis, false), 3, Keys.publicKey(key));
 * try (DeltaWriter w = new DeltaWriter(out, h, key, WriterOptions.defaults())) {
 *     w.writeData(offset, newBytes, oldBytes);   // DATA or PATCH, whichever is smaller
 *     w.writeZero(offset2, length);              // all-zero chunks of writeData become ZERO too
 *     DeltaSummary s = w.finish();               // signed trailer
 * }
 * }</pre>
 *
 * <h2>Reading</h2>
 * <pre>{@code
 * try (DeltaReader r = new DeltaReader(in, TrustedKeys.load(trustFile))) {  // refuses untrusted signers
 *     DeltaHeader h = r.header();                        // check volume, base snapshot
 *     for (DeltaRecord rec; (rec = r.next(baseSource)) != null; ) {
 *         stage(rec);                                    // every record is checked before it is returned
 *     }
 *     commitStaged();                                    // only now: the signature has been verified
 * }
 * }</pre>
 * A receiver commits nothing before {@code next} returned null: records are verified one by one,
 * but the stream as a whole is authenticated only by the trailer. {@link io.deltasnap.delta.DeltaReader#chain()}
 * and {@link io.deltasnap.delta.DeltaReader#resume} let it continue an interrupted stream from the
 * last staged record.
 *
 * <h2>Encrypted deltas (format version 2)</h2>
 * <pre>{@code
 * WriterOptions opts = WriterOptions.defaults().encryptedTo(Recipients.load(Path.of("recipients")));
 * new DeltaWriter(out, h, key, opts);                              // records sealed, data key wrapped per recipient
 * new DeltaReader(in, trust, EncryptionKeys.readSecret(secretFile)); // refuses KEY_MISSING / NOT_RECIPIENT
 * DeltaInspector.verify(in, trust, null);                         // chain and signature, without any key
 * }</pre>
 *
 * <h2>Public API</h2>
 * <ul>
 *   <li>Values: {@link io.deltasnap.delta.DeltaHeader}, {@link io.deltasnap.delta.SnapshotRef},
 *       {@link io.deltasnap.delta.TargetSnapshot}, {@link io.deltasnap.delta.DeltaRecord} (sealed: Data, Zero,
 *       Patch), {@link io.deltasnap.delta.HashChain}, {@link io.deltasnap.delta.DeltaSummary},
 *       {@link io.deltasnap.delta.WriterOptions}, {@link io.deltasnap.delta.DeltaInspection},
 *       {@link io.deltasnap.delta.SignerKey}.</li>
 *   <li>Verbs: {@link io.deltasnap.delta.DeltaWriter}, {@link io.deltasnap.delta.DeltaReader},
 *       {@link io.deltasnap.delta.DeltaInspector}, {@link io.deltasnap.delta.BaseSource} (the receiver's
 *       base snapshot, for PATCH records).</li>
 *   <li>Keys: {@link io.deltasnap.delta.Keys} (generate, key files, fingerprints),
 *       {@link io.deltasnap.delta.TrustedKeys} (trust files); for encryption
 *       {@link io.deltasnap.delta.EncryptionKeys}, {@link io.deltasnap.delta.Recipient},
 *       {@link io.deltasnap.delta.Recipients}, {@link io.deltasnap.delta.RecipientSecret},
 *       {@link io.deltasnap.delta.EncryptionInfo}. Every one of these files is read to a bound and refused
 *       when someone else could have changed it (ssh's StrictModes; a secret also when others may
 *       read it): the one check is {@code SecureFiles}.</li>
 *   <li>Errors: {@link io.deltasnap.delta.DeltaFormatException} (with a
 *       {@link io.deltasnap.delta.DeltaFormatException.Code} and the stream offset) for refused streams,
 *       {@link io.deltasnap.delta.KeyFileException} (with file and line) for key and trust files.
 *       Misuse of the API is an {@link java.lang.IllegalArgumentException} or
 *       {@link java.lang.IllegalStateException}.</li>
 * </ul>
 *
 * <p>Limits: chunk size 4 KiB to 1 MiB (a power of two); volume size up to 2^63-1 bytes; DATA
 * records up to 4 MiB of content; PATCH records exactly one chunk; target name up to 255 UTF-8
 * bytes; header up to 4096 bytes. A reader never holds more than one record's payload, content and
 * base chunk; a writer never more than about {@code 3 * recordBytes * (maxInFlight + threads + 1)}.
 */
package io.deltasnap.delta;
