package io.deltasnap.objectstore;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Streams one object into the store by multipart upload, in bounded memory: bytes fill a part
 * buffer of {@link #PART_BYTES}; a full one is uploaded on one of {@link #IN_FLIGHT} threads
 * while the next fills, so at most {@code IN_FLIGHT + 1} buffers exist. An object smaller than
 * one part goes up in one PUT. The SHA-256 and size of everything written are kept for the
 * manifest.
 *
 * <p>Nothing is visible under the object's name before {@link #finish} (the store joins the
 * parts only then); {@link #close} without it abandons the upload and its parts. So a writer that
 * fails half-way (the delta writer closes its stream on failure) never publishes half a delta.
 */
public final class DeltaUpload extends OutputStream {
  /** Size of each part but the last (S3 wants at least 5 MiB but for the last). */
  public static final int PART_BYTES = 8 << 20;
  /** Parts uploading at once. */
  public static final int IN_FLIGHT = 2;

  private final ObjectStore store;
  private final String key;
  private final int partBytes;
  private final MessageDigest sha256;
  private final BlockingQueue<byte[]> free = new ArrayBlockingQueue<>(IN_FLIGHT + 1);
  private final List<Future<ObjectStore.Part>> parts = new ArrayList<>();
  private ExecutorService uploaders;
  private String uploadId;
  private byte[] buf;
  private int fill;
  private long size;
  private boolean finished;
  private String digest;
  private boolean closed;

  /** An upload of {@code key} with the default part size. */
  public DeltaUpload(ObjectStore store, String key) {
    this(store, key, PART_BYTES);
  }

  DeltaUpload(ObjectStore store, String key, int partBytes) {
    this.store = store;
    this.key = key;
    this.partBytes = partBytes;
    try {
      this.sha256 = MessageDigest.getInstance("SHA-256");
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    for (int i = 0; i <= IN_FLIGHT; i++) {
      free.add(new byte[0]); // allocated at first use: a small delta never holds three parts
    }
  }

  @Override
  public void write(int b) throws IOException {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    if (finished || closed) {
      throw new IOException(store.describe(key) + ": written after the upload ended");
    }
    sha256.update(b, off, len);
    size += len;
    while (len > 0) {
      if (buf == null) {
        buf = take();
        fill = 0;
      }
      int n = Math.min(len, partBytes - fill);
      System.arraycopy(b, off, buf, fill, n);
      fill += n;
      off += n;
      len -= n;
      if (fill == partBytes) {
        submit();
      }
    }
  }

  private byte[] take() throws IOException {
    try {
      byte[] b = free.take();
      return b.length == partBytes ? b : new byte[partBytes];
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("upload of " + store.describe(key) + " interrupted");
    }
  }

  private void submit() throws IOException {
    if (uploadId == null) {
      uploadId = store.startUpload(key);
      uploaders = Executors.newFixedThreadPool(IN_FLIGHT, r -> {
        Thread t = new Thread(r, "deltasnap-upload");
        t.setDaemon(true);
        return t;
      });
    }
    failFast();
    byte[] data = buf;
    int len = fill;
    int number = parts.size() + 1;
    buf = null;
    fill = 0;
    parts.add(uploaders.submit(() -> {
      try {
        return new ObjectStore.Part(number, store.uploadPart(key, uploadId, number, data, len), len);
      } finally {
        free.add(data);
      }
    }));
  }

  /** A part that already failed stops the writer now, not at the end. */
  private void failFast() throws IOException {
    for (Future<ObjectStore.Part> f : parts) {
      if (f.isDone()) {
        get(f);
      }
    }
  }

  private ObjectStore.Part get(Future<ObjectStore.Part> f) throws IOException {
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("upload of " + store.describe(key) + " interrupted");
    } catch (java.util.concurrent.ExecutionException e) {
      if (e.getCause() instanceof IOException io) {
        throw io;
      }
      throw new ObjectStoreException("upload of " + store.describe(key) + " failed: " + e.getCause(), e.getCause());
    }
  }

  /** Makes the object from what was written: after this it is visible, whole, under its name. */
  public void finish() throws IOException {
    if (finished) {
      return;
    }
    if (uploadId == null) {
      byte[] all = buf == null ? new byte[0] : java.util.Arrays.copyOf(buf, fill);
      store.put(key, all);
    } else {
      if (fill > 0) {
        submit();
      }
      List<ObjectStore.Part> done = new ArrayList<>();
      for (Future<ObjectStore.Part> f : parts) {
        done.add(get(f));
      }
      store.completeUpload(key, uploadId, done);
    }
    digest = HexFormat.of().formatHex(sha256.digest());
    finished = true;
    buf = null;
  }

  /** Size of the object, in bytes. */
  public long size() {
    return size;
  }

  /** SHA-256 of the object, lower-case hex; only after {@link #finish}. */
  public String sha256() {
    assert finished : "the digest of an unfinished upload";
    return digest;
  }

  /** Ends the upload: after {@link #finish}, frees the threads; else also abandons the upload (its parts are discarded). */
  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    if (uploaders != null) {
      uploaders.shutdownNow();
    }
    if (!finished && uploadId != null) {
      try {
        store.abortUpload(key, uploadId);
      } catch (IOException e) {
        // the next send aborts what is left under the prefix (Bucket.abortStaleUploads)
      }
    }
  }
}
