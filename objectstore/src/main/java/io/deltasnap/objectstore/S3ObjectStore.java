package io.deltasnap.objectstore;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.ListMultipartUploadsResponse;
import software.amazon.awssdk.services.s3.model.ListPartsResponse;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.paginators.ListObjectsV2Iterable;

/**
 * {@link ObjectStore} over the AWS SDK's S3 client: the only class that names SDK types, so the
 * SDK loads only when a command is given an {@code s3://} URL.
 *
 * <p>Credentials come from the SDK's default chain (system properties, {@code AWS_ACCESS_KEY_ID}
 * and {@code AWS_SECRET_ACCESS_KEY}, {@code AWS_PROFILE} and {@code ~/.aws/credentials}, ...);
 * they are never taken from the command line nor printed. A custom endpoint ({@code --s3-endpoint}
 * or {@code AWS_ENDPOINT_URL}) turns on path-style addressing, and the region defaults to
 * us-east-1 there when none is configured. Request checksums are sent only where S3 requires them
 * (what S3-compatible stores accept); every object we write carries its own SHA-256 in the
 * manifest, and every delta its hash chain.
 */
public final class S3ObjectStore implements ObjectStore {
  private final S3Client s3;
  private final S3Location where;

  private S3ObjectStore(S3Client s3, S3Location where) {
    this.s3 = s3;
    this.where = where;
  }

  /**
   * A client for {@code where}. {@code endpoint}: the store's URL, or null for
   * {@code AWS_ENDPOINT_URL} or else AWS itself.
   */
  public static S3ObjectStore open(S3Location where, String endpoint) throws ObjectStoreException {
    String ep = endpoint != null ? endpoint : System.getenv("AWS_ENDPOINT_URL");
    S3ClientBuilder b = S3Client.builder()
        .httpClient(UrlConnectionHttpClient.builder().connectionTimeout(Duration.ofSeconds(10))
            .socketTimeout(Duration.ofSeconds(60)).build())
        .requestChecksumCalculation(software.amazon.awssdk.core.checksums.RequestChecksumCalculation.WHEN_REQUIRED)
        .responseChecksumValidation(software.amazon.awssdk.core.checksums.ResponseChecksumValidation.WHEN_REQUIRED);
    Region region = configuredRegion();
    if (ep != null && !ep.isEmpty()) {
      URI uri;
      try {
        uri = URI.create(ep);
      } catch (IllegalArgumentException e) {
        throw new ObjectStoreException("bad S3 endpoint '" + ep + "': " + e.getMessage());
      }
      if (uri.getScheme() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https")) || uri.getHost() == null) {
        throw new ObjectStoreException("bad S3 endpoint '" + ep + "': give http://HOST:PORT or https://HOST");
      }
      b.endpointOverride(uri).forcePathStyle(true);
      if (region == null) {
        region = Region.US_EAST_1;
      }
    }
    if (region == null) {
      throw new ObjectStoreException("no AWS region for " + where + ": set AWS_REGION (or a region in the AWS_PROFILE's "
          + "~/.aws/config), or give --s3-endpoint for another store");
    }
    try {
      return new S3ObjectStore(b.region(region).build(), where);
    } catch (SdkException e) {
      throw new ObjectStoreException("cannot set up an S3 client for " + where + ": " + e.getMessage());
    }
  }

  private static Region configuredRegion() {
    try {
      return new DefaultAwsRegionProviderChain().getRegion();
    } catch (SdkClientException e) {
      return null;
    }
  }

  @Override
  public String describe(String key) {
    return S3Location.SCHEME + where.bucket() + "/" + key;
  }

  @Override
  public List<String> list(String prefix) throws IOException {
    try {
      List<String> keys = new ArrayList<>();
      ListObjectsV2Iterable pages = s3.listObjectsV2Paginator(r -> r.bucket(where.bucket()).prefix(prefix));
      for (S3Object o : pages.contents()) {
        keys.add(o.key());
      }
      keys.sort(null);
      return keys;
    } catch (SdkException e) {
      throw failure("list", prefix, e);
    }
  }

  @Override
  public InputStream get(String key) throws IOException {
    try {
      return s3.getObject(r -> r.bucket(where.bucket()).key(key));
    } catch (NoSuchKeyException e) {
      throw new ObjectStoreException.Missing(describe(key) + ": no such object");
    } catch (SdkException e) {
      throw failure("read", key, e);
    }
  }

  @Override
  public void put(String key, byte[] body) throws IOException {
    try {
      s3.putObject(r -> r.bucket(where.bucket()).key(key), RequestBody.fromBytes(body));
    } catch (SdkException e) {
      throw failure("write", key, e);
    }
  }

  @Override
  public boolean putIfAbsent(String key, byte[] body) throws IOException {
    try {
      s3.putObject(r -> r.bucket(where.bucket()).key(key).ifNoneMatch("*"), RequestBody.fromBytes(body));
      return true;
    } catch (S3Exception e) {
      if (e.statusCode() == 412 || e.statusCode() == 409) { // 409: a concurrent conditional write in progress
        return false;
      }
      throw failure("write", key, e);
    } catch (SdkException e) {
      throw failure("write", key, e);
    }
  }

  @Override
  public void delete(String key) throws IOException {
    try {
      s3.deleteObject(r -> r.bucket(where.bucket()).key(key));
    } catch (SdkException e) {
      throw failure("delete", key, e);
    }
  }

  @Override
  public String startUpload(String key) throws IOException {
    try {
      return s3.createMultipartUpload(r -> r.bucket(where.bucket()).key(key)).uploadId();
    } catch (SdkException e) {
      throw failure("start an upload of", key, e);
    }
  }

  @Override
  public String uploadPart(String key, String uploadId, int number, byte[] data, int length) throws IOException {
    try {
      return s3.uploadPart(r -> r.bucket(where.bucket()).key(key).uploadId(uploadId).partNumber(number)
          .contentLength((long) length), RequestBody.fromInputStream(new java.io.ByteArrayInputStream(data, 0, length), length)).eTag();
    } catch (SdkException e) {
      throw failure("upload part " + number + " of", key, e);
    }
  }

  @Override
  public List<Part> listParts(String key, String uploadId) throws IOException {
    try {
      List<Part> parts = new ArrayList<>();
      Integer marker = null;
      while (true) {
        Integer from = marker;
        ListPartsResponse r = s3.listParts(q -> q.bucket(where.bucket()).key(key).uploadId(uploadId).partNumberMarker(from));
        for (software.amazon.awssdk.services.s3.model.Part p : r.parts()) {
          parts.add(new Part(p.partNumber(), p.eTag(), p.size()));
        }
        if (!Boolean.TRUE.equals(r.isTruncated())) {
          return parts;
        }
        marker = r.nextPartNumberMarker();
      }
    } catch (S3Exception e) {
      if (e.statusCode() == 404) {
        throw new ObjectStoreException.Missing(describe(key) + ": no upload " + uploadId + " in progress");
      }
      throw failure("list the parts of", key, e);
    } catch (SdkException e) {
      throw failure("list the parts of", key, e);
    }
  }

  @Override
  public void completeUpload(String key, String uploadId, List<Part> parts) throws IOException {
    List<CompletedPart> done = new ArrayList<>();
    for (Part p : parts) {
      done.add(CompletedPart.builder().partNumber(p.number()).eTag(p.etag()).build());
    }
    try {
      s3.completeMultipartUpload(r -> r.bucket(where.bucket()).key(key).uploadId(uploadId)
          .multipartUpload(m -> m.parts(done)));
    } catch (SdkException e) {
      throw failure("complete the upload of", key, e);
    }
  }

  @Override
  public void abortUpload(String key, String uploadId) throws IOException {
    try {
      s3.abortMultipartUpload(r -> r.bucket(where.bucket()).key(key).uploadId(uploadId));
    } catch (SdkException e) {
      throw failure("abort the upload of", key, e);
    }
  }

  @Override
  public List<Upload> uploads(String prefix) throws IOException {
    try {
      List<Upload> all = new ArrayList<>();
      String keyMarker = null;
      String idMarker = null;
      while (true) {
        String k = keyMarker;
        String i = idMarker;
        ListMultipartUploadsResponse r = s3.listMultipartUploads(q -> q.bucket(where.bucket()).prefix(prefix)
            .keyMarker(k).uploadIdMarker(i));
        for (MultipartUpload u : r.uploads()) {
          all.add(new Upload(u.key(), u.uploadId()));
        }
        if (!Boolean.TRUE.equals(r.isTruncated())) {
          return all;
        }
        keyMarker = r.nextKeyMarker();
        idMarker = r.nextUploadIdMarker();
      }
    } catch (SdkException e) {
      throw failure("list the uploads under", prefix, e);
    }
  }

  @Override
  public void close() {
    s3.close();
  }

  /** One line for any SDK failure: what we did, where, and the store's own words (never a credential). */
  private ObjectStoreException failure(String what, String key, SdkException e) {
    String detail;
    if (e instanceof S3Exception s && s.awsErrorDetails() != null) {
      detail = s.statusCode() + " " + s.awsErrorDetails().errorCode() + (s.awsErrorDetails().errorMessage() == null ? ""
          : ": " + s.awsErrorDetails().errorMessage());
    } else {
      detail = e.getMessage();
    }
    return new ObjectStoreException("cannot " + what + " " + describe(key) + ": " + detail, e);
  }
}
