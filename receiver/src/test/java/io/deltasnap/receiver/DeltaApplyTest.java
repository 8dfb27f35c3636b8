package io.deltasnap.receiver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.deltasnap.delta.DeltaFormatException;
import io.deltasnap.delta.Keys;
import io.deltasnap.delta.SignerKey;
import io.deltasnap.delta.TrustedKeys;
import io.deltasnap.engine.CreateOptions;
import io.deltasnap.engine.MemStorage;
import io.deltasnap.engine.SnapshotInfo;
import io.deltasnap.engine.Volume;
import io.deltasnap.sender.DeltaProducer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Deltas from a source volume rebuild a replica byte-exact, keep the source's IDs and UUIDs, and
 * apply atomically: refused input and crashes at any instant leave the replica's snapshots as
 * they were, and the same delta can be applied again.
 */
class DeltaApplyTest {
  static final int CHUNK = 4096;
  static final int SIZE = CHUNK * 48 + 1000;

  Ed25519PrivateKeyParameters key;
  TrustedKeys trust;

  @BeforeEach
  void keys() {
    key = Keys.generate();
    trust = TrustedKeys.of(new SignerKey(Keys.publicKey(key), "test"));
  }

  byte[] delta(Volume src, long base, long target, boolean patch) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    DeltaProducer.write(src, base, target, key, out,
        new DeltaProducer.Options(patch, io.deltasnap.delta.WriterOptions.defaults()), Volume.Progress.NONE);
    return out.toByteArray();
  }

  DeltaApplier.Result apply(MemStorage replica, byte[] delta) throws IOException {
    return DeltaApplier.apply(replica, new ByteArrayInputStream(delta), trust, Volume.Progress.NONE);
  }

  /** A source with snapshots 1..n, writable ones written into, zero regions and small changes. */
  static Volume source(MemStorage st, long seed, int snapshots) throws IOException {
    return source(st, seed, snapshots, 3);
  }

  /** A volume with {@code snapshots} snapshots and {@code writes} scattered origin writes after each (half zeros). */
  static Volume source(MemStorage st, long seed, int snapshots, int writes) throws IOException {
    Random r = new Random(seed);
    Volume v = Volume.create(st, CreateOptions.of(SIZE).withChunkSize(CHUNK));
    byte[] d = new byte[SIZE / 2];
    r.nextBytes(d);
    v.write(Volume.ORIGIN, CHUNK * 3L, ByteBuffer.wrap(d));
    for (int i = 0; i < snapshots; i++) {
      SnapshotInfo s = v.createSnapshot("s" + i, i % 3 == 1);
      if (s.writable()) {
        byte[] w = new byte[100 + r.nextInt(CHUNK * 2)];
        r.nextBytes(w);
        v.write(s.id(), r.nextInt(SIZE - w.length), ByteBuffer.wrap(w));
      }
      for (int k = 0; k < writes; k++) {
        byte[] w = new byte[1 + r.nextInt(CHUNK)];
        if (r.nextBoolean()) {
          r.nextBytes(w);
        }
        v.write(Volume.ORIGIN, r.nextInt(SIZE - w.length), ByteBuffer.wrap(w));
      }
    }
    return v;
  }

  static Map<Long, byte[]> contents(Volume v) throws IOException {
    Map<Long, byte[]> m = new LinkedHashMap<>();
    for (SnapshotInfo s : v.snapshots()) {
      ByteBuffer b = ByteBuffer.allocate((int) v.size());
      v.read(s.id(), 0, b);
      m.put(s.id(), b.array());
    }
    return m;
  }

  static void assertSameSnapshots(Map<Long, byte[]> want, Volume v) throws IOException {
    Map<Long, byte[]> got = contents(v);
    assertEquals(want.keySet(), got.keySet());
    for (long id : want.keySet()) {
      assertArrayEquals(want.get(id), got.get(id), "snapshot " + id);
    }
  }

  @Test
  void fullThenIncrementalDeltasRebuildTheReplicaExactly() throws IOException {
    for (boolean patch : new boolean[] {true, false}) {
      MemStorage ss = new MemStorage();
      Volume src = source(ss, 1, 6);
      List<SnapshotInfo> snaps = src.snapshots();
      MemStorage rs = new MemStorage();
      DeltaApplier.Result first = apply(rs, delta(src, Volume.ORIGIN, snaps.get(0).id(), patch));
      assertTrue(first.createdReplica());
      for (int i = 1; i < snaps.size(); i++) {
        apply(rs, delta(src, snaps.get(i - 1).id(), snaps.get(i).id(), patch));
      }
      try (Volume rep = Volume.open(rs.reopened())) {
        assertEquals(src.uuid(), rep.uuid());
        for (SnapshotInfo s : snaps) {
          SnapshotInfo t = rep.snapshot(s.id());
          assertEquals(s.uuid(), t.uuid());
          assertEquals(s.name(), t.name());
          assertEquals(s.writable(), t.writable());
          assertEquals(s.created(), t.created());
        }
        assertSameSnapshots(contents(src), rep);
      }
      src.close();
    }
  }

  @Test
  void aChangeInsideALargeChunkTravelsAsASmallPatch() throws IOException {
    MemStorage ss = new MemStorage();
    Volume src = Volume.create(ss, CreateOptions.of(1 << 20).withChunkSize(64 * 1024));
    byte[] all = new byte[1 << 20];
    new Random(5).nextBytes(all);
    src.write(Volume.ORIGIN, 0, ByteBuffer.wrap(all));
    long a = src.createSnapshot("a", false).id();
    byte[] change = new byte[4096];
    new Random(6).nextBytes(change);
    src.write(Volume.ORIGIN, 64 * 1024 * 3 + 8192, ByteBuffer.wrap(change));
    long b = src.createSnapshot("b", false).id();
    byte[] patched = delta(src, a, b, true);
    byte[] whole = delta(src, a, b, false);
    assertTrue(patched.length < 4096 + 1500, "patch delta is " + patched.length + " bytes");
    assertTrue(whole.length > 60_000, "plain delta is " + whole.length + " bytes");
    MemStorage rs = new MemStorage();
    apply(rs, delta(src, Volume.ORIGIN, a, true));
    apply(rs, patched);
    try (Volume rep = Volume.open(rs.reopened())) {
      assertSameSnapshots(contents(src), rep);
    }
  }

  @Test
  void badDeltasAreRefusedAndTheReplicaIsUntouched() throws IOException {
    MemStorage ss = new MemStorage();
    Volume src = source(ss, 2, 4);
    List<SnapshotInfo> s = src.snapshots();
    MemStorage rs = new MemStorage();
    apply(rs, delta(src, Volume.ORIGIN, s.get(0).id(), true));
    apply(rs, delta(src, s.get(0).id(), s.get(1).id(), true));
    Map<Long, byte[]> before;
    try (Volume rep = Volume.open(rs)) {
      before = contents(rep);
    }
    byte[] good = delta(src, s.get(1).id(), s.get(2).id(), true);
    List<byte[]> bad = new ArrayList<>();
    Random r = new Random(7);
    for (int i = 0; i < 40; i++) { // tampered anywhere
      byte[] t = good.clone();
      t[r.nextInt(t.length)] ^= (byte) (1 + r.nextInt(255));
      bad.add(t);
    }
    for (int cut : new int[] {0, 1, 10, good.length / 2, good.length - 1}) { // truncated, empty
      bad.add(java.util.Arrays.copyOf(good, cut));
    }
    for (byte[] b : bad) {
      assertThrows(IOException.class, () -> apply(rs, b));
      try (Volume rep = Volume.open(rs)) {
        assertSameSnapshots(before, rep);
      }
    }
    // wrong key
    Ed25519PrivateKeyParameters other = Keys.generate();
    Ed25519PrivateKeyParameters mine = key;
    key = other;
    byte[] untrusted = delta(src, s.get(1).id(), s.get(2).id(), true);
    key = mine;
    DeltaFormatException e = assertThrows(DeltaFormatException.class, () -> apply(rs, untrusted));
    assertTrue(e.getMessage().toLowerCase().contains("trust"), e.getMessage());
    // wrong base
    RefusedException wb = assertThrows(RefusedException.class,
        () -> apply(rs, delta(src, s.get(2).id(), s.get(3).id(), true)));
    assertTrue(wb.getMessage().contains("base"), wb.getMessage());
    assertEquals(Refusal.WRONG_BASE, wb.reason());
    // applied twice
    RefusedException twice = assertThrows(RefusedException.class,
        () -> apply(rs, delta(src, s.get(0).id(), s.get(1).id(), true)));
    assertTrue(twice.getMessage().contains("already"), twice.getMessage());
    assertEquals(Refusal.TARGET_EXISTS, twice.reason());
    // wrong volume
    Volume otherVol = source(new MemStorage(), 3, 2);
    RefusedException wv = assertThrows(RefusedException.class,
        () -> apply(rs, delta(otherVol, Volume.ORIGIN, otherVol.snapshots().get(0).id(), true)));
    assertTrue(wv.getMessage().contains("volume"), wv.getMessage());
    assertEquals(Refusal.WRONG_VOLUME, wv.reason());
    try (Volume rep = Volume.open(rs)) {
      assertSameSnapshots(before, rep);
    }
    // and the good delta still applies
    apply(rs, good);
    try (Volume rep = Volume.open(rs)) {
      assertEquals(before.size() + 1, rep.snapshots().size());
    }
  }

  @Test
  void aCrashAtAnyPointOfAnApplyLeavesTheReplicaAsItWasOrDone() throws IOException {
    MemStorage ss = new MemStorage();
    Volume src = source(ss, 4, 3, 40); // zero records between data records: many write batches
    List<SnapshotInfo> s = src.snapshots();
    byte[] full = delta(src, Volume.ORIGIN, s.get(0).id(), true);
    byte[] inc = delta(src, s.get(0).id(), s.get(1).id(), true);
    Map<Long, byte[]> want = contents(src);
    MemStorage base = new MemStorage();
    apply(base, full);
    // count the I/O operations of a clean apply
    MemStorage probe = base.reopened();
    long start = probe.faults.ops;
    apply(probe, inc);
    long ops = probe.faults.ops - start;
    assertTrue(ops > 80, "apply did only " + ops + " I/O operations");
    int points = 0;
    for (long n = 1; n <= ops; n += Math.max(1, ops / 300)) {
      for (int mode = 0; mode < 2; mode++) {
        MemStorage rs = base.reopened();
        rs.faults.crashAt = rs.faults.ops + n;
        assertThrows(IOException.class, () -> apply(rs, inc));
        MemStorage after = rs.afterCrash(new Random(n), mode == 1);
        try (Volume rep = Volume.open(after)) {
          Map<Long, byte[]> got = contents(rep);
          assertTrue(got.size() == 1 || got.size() == 2, "snapshots after crash at " + n + ": " + got.keySet());
          for (long id : got.keySet()) {
            assertArrayEquals(want.get(id), got.get(id), "snapshot " + id + " after a crash at op " + n);
          }
        }
        if (!Volume.open(after.reopened()).snapshots().stream().anyMatch(x -> x.id() == s.get(1).id())) {
          MemStorage again = after.reopened();
          apply(again, inc); // the same delta applies again from the start
          try (Volume rep = Volume.open(again.reopened())) {
            assertArrayEquals(want.get(s.get(1).id()), contents(rep).get(s.get(1).id()));
          }
        }
        points++;
      }
    }
    assertTrue(points >= 100, "only " + points + " crash points");
  }
}
