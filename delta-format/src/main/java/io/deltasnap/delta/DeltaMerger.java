package io.deltasnap.delta;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;

/**
 * Combines two consecutive deltas, A→B and B→C, into one delta A→C signed anew (as Ceph's
 * {@code rbd merge-diff} does), streaming: both inputs are read once, in volume order, holding one
 * record of each. Where both carry an extent, B→C's wins. Both inputs are verified as they are read
 * (records, then each trailer's signature); the merged delta is only as good as the last of them.
 *
 * <p>A PATCH record in B→C is a patch against B's chunk. Where A→B carries that chunk, the patch
 * is decoded against A→B's content and travels as data; where it does not, B's chunk is A's, so
 * the record passes through unchanged as a patch against A — the merged delta's base.
 */
public final class DeltaMerger {
  private final DeltaWriter out;
  private final Cursor a;
  private final Cursor b;

  /** A piece of a record: {@code data == null} means zeros, unless it is an encoded patch. */
  private record Seg(long off, long len, byte[] data, int dataOff, DeltaRecord.EncodedPatch patch) {
    Seg(long off, long len, byte[] data, int dataOff) {
      this(off, len, data, dataOff, null);
    }

    long end() {
      return off + len;
    }

    Seg prefix(long limit) {
      return limit >= end() ? this : new Seg(off, limit - off, data, dataOff);
    }

    Seg from(long pos) {
      return pos <= off ? this : new Seg(pos, end() - pos, data, data == null ? 0 : dataOff + (int) (pos - off));
    }
  }

  private static final class Cursor {
    final DeltaReader r;
    BaseSource base;
    Seg cur;
    boolean done;

    Cursor(DeltaReader r) {
      this.r = r;
    }

    long start() throws IOException {
      if (cur == null && !done) {
        DeltaRecord rec = r.next(base);
        if (rec == null) {
          done = true;
        } else if (rec instanceof DeltaRecord.Zero z) {
          cur = new Seg(z.offset(), z.length(), null, 0);
        } else if (rec instanceof DeltaRecord.Data d) {
          cur = new Seg(d.offset(), d.length(), d.bytes(), 0);
        } else if (rec instanceof DeltaRecord.Patch p) {
          cur = new Seg(p.offset(), p.length(), p.bytes(), 0);
        } else if (rec instanceof DeltaRecord.EncodedPatch p) {
          cur = new Seg(p.offset(), p.length(), null, 0, p);
        }
      }
      return cur == null ? Long.MAX_VALUE : cur.off();
    }

    Seg take(long limit) throws IOException {
      start();
      if (cur.patch() != null) { // one chunk, never split
        Seg s = cur;
        cur = null;
        return s;
      }
      Seg s = cur.prefix(limit);
      cur = s.end() == cur.end() ? null : cur.from(s.end());
      return s;
    }

    void skipTo(long pos) throws IOException {
      while (start() < pos) {
        if (cur.end() <= pos) {
          cur = null;
        } else {
          cur = cur.from(pos);
        }
      }
    }
  }

  private DeltaMerger(DeltaWriter out, DeltaReader ra, DeltaReader rb) {
    this.out = out;
    this.a = new Cursor(ra);
    this.a.base = BaseSource.KEEP_ENCODED; // A→B's patches are against A: the merged base
    this.b = new Cursor(rb);
    this.b.base = BaseSource.KEEP_ENCODED;
  }

  /** Merges A→B ({@code ab}) and B→C ({@code bc}) into A→C on {@code outStream}, signed with {@code key}. */
  public static DeltaSummary merge(InputStream ab, InputStream bc, TrustedKeys trust, Ed25519PrivateKeyParameters key,
      OutputStream outStream) throws IOException {
    return merge(ab, bc, trust, key, outStream, null, null);
  }

  /**
   * As above, for encrypted inputs too: they are opened with {@code secret}, and the output is
   * encrypted to {@code encryptTo} (null: plain). Encrypted inputs without {@code encryptTo} are
   * refused, so a merge never writes in the clear what was encrypted.
   */
  public static DeltaSummary merge(InputStream ab, InputStream bc, TrustedKeys trust, Ed25519PrivateKeyParameters key,
      OutputStream outStream, RecipientSecret secret, Recipients encryptTo) throws IOException {
    try (DeltaReader ra = new DeltaReader(ab, trust, secret); DeltaReader rb = new DeltaReader(bc, trust, secret)) {
      DeltaHeader ha = ra.header();
      DeltaHeader hb = rb.header();
      if ((ra.encryption() != null || rb.encryption() != null) && encryptTo == null) {
        throw new MergeException("the deltas are encrypted: give the recipients to encrypt the merged delta to "
            + "(--encrypt-to); a merge does not write them in the clear");
      }
      if (!ha.volume().equals(hb.volume()) || ha.chunkSize() != hb.chunkSize() || ha.volumeSize() != hb.volumeSize()) {
        throw new MergeException("the deltas are for different volumes (" + ha.volume() + ", " + hb.volume() + ")");
      }
      if (hb.isFull()) {
        throw new MergeException("the second delta is a full delta: it replaces the first, nothing to merge");
      }
      if (hb.base().id() != ha.target().id() || !hb.base().uuid().equals(ha.target().uuid())) {
        throw new MergeException("the deltas are not consecutive: the first ends at snapshot " + ha.target().id()
            + ", the second starts from " + hb.base().id());
      }
      DeltaHeader h = new DeltaHeader(ha.volume(), ha.chunkSize(), ha.volumeSize(), ha.base(), hb.target(),
          hb.compressionLevel(), Keys.publicKey(key));
      try (DeltaWriter w = new DeltaWriter(outStream, h, key, WriterOptions.defaults().encryptedTo(encryptTo))) {
        new DeltaMerger(w, ra, rb).run();
        return w.finish();
      }
    }
  }

  private void run() throws IOException {
    while (true) {
      long sb = b.start();
      long sa = a.start();
      if (sa == Long.MAX_VALUE && sb == Long.MAX_VALUE) {
        return;
      }
      if (sa < sb) {
        emit(a.take(sb));
      } else {
        Seg s = b.take(Long.MAX_VALUE);
        if (s.patch() != null) {
          emitPatch(s.patch());
        } else {
          emit(s);
        }
        a.skipTo(s.end());
      }
    }
  }

  /**
   * A patch of B→C against B's chunk: decoded against what A→B carries there, or passed through
   * when A→B does not touch the chunk (B's chunk is then A's, the merged delta's base).
   */
  private void emitPatch(DeltaRecord.EncodedPatch p) throws IOException {
    long off = p.offset();
    while (a.start() < off) {
      emit(a.take(off));
    }
    if (a.start() != off) {
      out.writeEncoded(p);
      return;
    }
    Seg s = a.cur;
    if (s.patch() != null) {
      throw new MergeException("both deltas patch the chunk at byte " + off + ": its content in B needs the "
          + "volume to decode; create the first delta with --no-patch to merge them");
    }
    byte[] base = new byte[(int) p.length()];
    if (s.data() != null) {
      System.arraycopy(s.data(), s.dataOff(), base, 0, base.length);
    }
    out.writeData(off, DeltaReader.decode(p, base));
  }

  private void emit(Seg s) throws IOException {
    if (s.patch() != null) {
      out.writeEncoded(s.patch());
    } else if (s.data() == null) {
      out.writeZero(s.off(), s.len());
    } else {
      out.writeData(s.off(), Arrays.copyOfRange(s.data(), s.dataOff(), s.dataOff() + (int) s.len()));
    }
  }

  /** The two deltas cannot be merged. */
  public static final class MergeException extends IOException {
    public MergeException(String message) {
      super(message);
    }
  }
}
