/**
 * A bucket in an S3 object store as a replication target (docs/object-store.md): each delta one
 * immutable object, uploaded by multipart upload in bounded memory ({@link io.deltasnap.objectstore.DeltaUpload}),
 * and a signed, numbered {@link io.deltasnap.objectstore.Manifest} written last
 * ({@link io.deltasnap.objectstore.Bucket#commit}), so a reader sees whole chains only.
 *
 * <p>{@link io.deltasnap.objectstore.ObjectStore} is the store as this package uses it;
 * {@link io.deltasnap.objectstore.S3ObjectStore}, the only class that names the AWS SDK, implements
 * it. Callers that never open a bucket never load the SDK.
 */
package io.deltasnap.objectstore;
