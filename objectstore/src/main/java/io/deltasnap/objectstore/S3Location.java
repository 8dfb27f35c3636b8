package io.deltasnap.objectstore;

/**
 * A bucket target, {@code s3://BUCKET/PREFIX}: every object of the target is named
 * {@code PREFIX/...}. The prefix may be empty (the whole bucket).
 */
public record S3Location(String bucket, String prefix) {
  /** The scheme that marks a target as a bucket wherever a path or HOST:PORT is accepted. */
  public static final String SCHEME = "s3://";

  public S3Location {
    if (!bucket.matches("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")) {
      throw new IllegalArgumentException("'" + bucket + "' is not a bucket name (3 to 63 of a-z, 0-9, '.', '-')");
    }
    if (prefix.startsWith("/") || prefix.endsWith("/") || prefix.contains("//") || prefix.length() > 512) {
      throw new IllegalArgumentException("bad prefix '" + prefix + "' in " + SCHEME + bucket + "/" + prefix);
    }
  }

  /** Whether {@code text} names a bucket target. */
  public static boolean isS3(String text) {
    return text != null && text.startsWith(SCHEME);
  }

  /** Parses {@code s3://BUCKET[/PREFIX]} (a trailing slash is dropped). */
  public static S3Location parse(String text) {
    if (!isS3(text)) {
      throw new IllegalArgumentException("'" + text + "' is not an s3://BUCKET/PREFIX URL");
    }
    String rest = text.substring(SCHEME.length());
    while (rest.endsWith("/")) {
      rest = rest.substring(0, rest.length() - 1);
    }
    int slash = rest.indexOf('/');
    return slash < 0 ? new S3Location(rest, "") : new S3Location(rest.substring(0, slash), rest.substring(slash + 1));
  }

  /** The key of {@code name} under the prefix. */
  public String key(String name) {
    return prefix.isEmpty() ? name : prefix + "/" + name;
  }

  @Override
  public String toString() {
    return SCHEME + bucket + (prefix.isEmpty() ? "" : "/" + prefix);
  }
}
