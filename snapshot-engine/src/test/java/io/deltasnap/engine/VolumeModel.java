package io.deltasnap.engine;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/** The reference: the origin and every live snapshot as plain byte arrays. */
final class VolumeModel {
  byte[] origin;
  final TreeMap<Long, byte[]> snaps = new TreeMap<>();
  final Map<Long, Boolean> writable = new HashMap<>();

  VolumeModel(int size) {
    origin = new byte[size];
  }

  VolumeModel copy() {
    VolumeModel m = new VolumeModel(0);
    m.origin = origin.clone();
    snaps.forEach((k, v) -> m.snaps.put(k, v.clone()));
    m.writable.putAll(writable);
    return m;
  }

  byte[] view(long id) {
    return id == Volume.ORIGIN ? origin : snaps.get(id);
  }

  void write(long id, int off, byte[] data) {
    System.arraycopy(data, 0, view(id), off, data.length);
  }

  void snapshot(long id, boolean w) {
    snaps.put(id, origin.clone());
    writable.put(id, w);
  }

  void delete(long id) {
    snaps.remove(id);
    writable.remove(id);
  }

  void restore(long id) {
    origin = snaps.get(id).clone();
  }

  boolean chunkDiffers(long a, long b, long chunk, int chunkSize) {
    int from = (int) (chunk * chunkSize);
    int to = Math.min(origin.length, from + chunkSize);
    return !Arrays.equals(view(a), from, to, view(b), from, to);
  }
}
