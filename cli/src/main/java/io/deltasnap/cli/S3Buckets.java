package io.deltasnap.cli;

import io.deltasnap.objectstore.Bucket;
import io.deltasnap.objectstore.S3Location;
import io.deltasnap.objectstore.S3ObjectStore;
import java.io.IOException;

/** Opens {@code s3://} targets for the commands: the first use of the AWS SDK in a run. */
final class S3Buckets {
  private S3Buckets() {}

  static Bucket open(String url, S3Options options) throws IOException {
    S3Location loc;
    try {
      loc = S3Location.parse(url);
    } catch (IllegalArgumentException e) {
      throw new Main.UserError(e.getMessage());
    }
    return new Bucket(S3ObjectStore.open(loc, options.endpoint), loc);
  }
}
