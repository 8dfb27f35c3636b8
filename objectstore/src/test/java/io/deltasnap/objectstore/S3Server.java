package io.deltasnap.objectstore;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStoreContext;

/**
 * A real S3 server for tests: S3Proxy over a directory (jclouds' filesystem back-end), on
 * 127.0.0.1 at a free port, with SigV4 authentication. {@link #close} stops it. Clients in the
 * same JVM find its credentials in the {@code aws.*} system properties (the SDK's default chain
 * reads them first), set by {@link #useFromThisJvm}; child processes get them as environment
 * variables from {@link #environment}.
 */
public final class S3Server implements AutoCloseable {
  public static final String ACCESS_KEY = "deltasnap-test-access";
  public static final String SECRET_KEY = "deltasnap-test-secret-never-printed";

  private final S3Proxy proxy;
  private final BlobStoreContext context;
  private final Path dir;

  private S3Server(S3Proxy proxy, BlobStoreContext context, Path dir) {
    this.proxy = proxy;
    this.context = context;
    this.dir = dir;
  }

  /** Starts a server keeping its buckets under {@code dir}, with {@code buckets} created. */
  public static S3Server start(Path dir, String... buckets) throws Exception {
    Files.createDirectories(dir);
    Properties p = new Properties();
    p.setProperty("jclouds.filesystem.basedir", dir.toString());
    BlobStoreContext context = ContextBuilder.newBuilder("filesystem").credentials("x", "y").overrides(p)
        .build(BlobStoreContext.class);
    S3Proxy proxy = S3Proxy.builder().blobStore(context.getBlobStore()).endpoint(URI.create("http://127.0.0.1:0"))
        .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY).build();
    proxy.start();
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (!"STARTED".equals(proxy.getState())) {
      if (System.nanoTime() > deadline) {
        proxy.stop();
        context.close();
        throw new IllegalStateException("S3Proxy did not start: " + proxy.getState());
      }
      Thread.sleep(5);
    }
    for (String b : buckets) {
      context.getBlobStore().createContainerInLocation(null, b);
    }
    return new S3Server(proxy, context, dir);
  }

  /** {@code http://127.0.0.1:PORT}. */
  public String endpoint() {
    return "http://127.0.0.1:" + proxy.getPort();
  }

  /** Where a bucket's objects lie on disk: {@code dir/BUCKET/KEY}. */
  public Path file(String bucket, String key) {
    return dir.resolve(bucket).resolve(key);
  }

  /** Sets the SDK's system properties for this server's credentials and region. */
  public void useFromThisJvm() {
    System.setProperty("aws.accessKeyId", ACCESS_KEY);
    System.setProperty("aws.secretAccessKey", SECRET_KEY);
    System.setProperty("aws.region", "us-east-1");
  }

  /** The environment a child process needs to reach this server, as the AWS CLI reads it. */
  public java.util.Map<String, String> environment() {
    return java.util.Map.of("AWS_ACCESS_KEY_ID", ACCESS_KEY, "AWS_SECRET_ACCESS_KEY", SECRET_KEY,
        "AWS_REGION", "us-east-1", "AWS_ENDPOINT_URL", endpoint());
  }

  @Override
  public void close() throws Exception {
    try {
      proxy.stop();
    } finally {
      context.close();
    }
  }
}
