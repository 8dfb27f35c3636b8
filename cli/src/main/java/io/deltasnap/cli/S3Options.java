package io.deltasnap.cli;

import picocli.CommandLine.Option;

/**
 * {@code --s3-endpoint}, on every command that takes an {@code s3://} URL. Credentials are never
 * an option: the AWS SDK reads them as the AWS CLI does (docs/object-store.md).
 */
final class S3Options {
  // picocli reflects over this class's methods: none may name an object-store type, or every
  // command with the mixin would load it (S3Buckets opens them)
  @Option(names = "--s3-endpoint", paramLabel = "URL", description = "For s3:// URLs: the store's endpoint, for a store other "
      + "than AWS (MinIO, Ceph, ...), path-style addressing (default: AWS_ENDPOINT_URL, else AWS).")
  String endpoint;

  /** Whether {@code text} is an {@code s3://} URL: checked without loading any object-store class. */
  static boolean isS3(String text) {
    return text != null && text.startsWith("s3://");
  }
}
