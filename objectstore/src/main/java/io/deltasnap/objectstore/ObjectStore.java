package io.deltasnap.objectstore;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;

/**
 * The few operations of an object store a bucket target needs, named by key within one bucket.
 * No SDK type appears here, so code that only names this interface never loads the SDK
 * ({@link S3ObjectStore} is the one implementation that does). Every failure is an
 * {@link ObjectStoreException} naming the object.
 */
public interface ObjectStore extends AutoCloseable {
  /** One completed part of a multipart upload. */
  record Part(int number, String etag, long size) {}

  /** A multipart upload in progress (started, neither completed nor aborted). */
  record Upload(String key, String uploadId) {}

  /** The keys under {@code prefix}, in ascending order. */
  List<String> list(String prefix) throws IOException;

  /** The object's bytes as a stream; {@link ObjectStoreException.Missing} when there is none. */
  InputStream get(String key) throws IOException;

  /** Stores {@code body} as {@code key}, replacing what was there. */
  void put(String key, byte[] body) throws IOException;

  /**
   * Stores {@code body} as {@code key} only if no object of that name exists, atomically on the
   * store's side (a conditional write, {@code If-None-Match: *}); false when one existed.
   */
  boolean putIfAbsent(String key, byte[] body) throws IOException;

  /** Removes {@code key}; no error when it is already gone. */
  void delete(String key) throws IOException;

  /** Starts a multipart upload of {@code key}; returns its upload ID. */
  String startUpload(String key) throws IOException;

  /** Uploads part {@code number} (1-based) of an upload; returns its ETag. */
  String uploadPart(String key, String uploadId, int number, byte[] data, int length) throws IOException;

  /** The parts of an upload the store holds, by number. */
  List<Part> listParts(String key, String uploadId) throws IOException;

  /** Makes the object of an upload from its parts, in order. */
  void completeUpload(String key, String uploadId, List<Part> parts) throws IOException;

  /** Abandons an upload: its parts are discarded. */
  void abortUpload(String key, String uploadId) throws IOException;

  /** The uploads in progress under {@code prefix}. */
  List<Upload> uploads(String prefix) throws IOException;

  /** {@code s3://BUCKET/KEY}, for messages. */
  String describe(String key);

  @Override
  void close();
}
