package io.deltasnap.delta;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Property-based fuzzing with jqwik (which shrinks a failure to a minimal mutation): any set of
 * byte edits and any truncation of a valid delta is refused with a {@link DeltaFormatException}
 * and nothing else, and no record is returned from at or after the first changed byte.
 */
class ReaderPropertyTest {
  /** Edits to a delta: (position in millionths of its length, new byte), then the millionths kept. */
  record Damage(List<int[]> edits, int keep) {}

  private static MutationFuzzTest.Sample sample() throws IOException {
    synchronized (ReaderPropertyTest.class) {
      if (MutationFuzzTest.samples.isEmpty()) {
        MutationFuzzTest.makeSamples();
      }
    }
    return MutationFuzzTest.samples.get(1); // a full delta of text, random and zero chunks
  }

  @Provide
  Arbitrary<Damage> damage() {
    Arbitrary<int[]> edit = Combinators.combine(Arbitraries.integers().between(0, 999_999),
        Arbitraries.integers().between(0, 255)).as((at, b) -> new int[] {at, b});
    Arbitrary<Integer> keep = Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(0, 999_999)),
        net.jqwik.api.Tuple.of(1, Arbitraries.just(1_000_000)));
    return Combinators.combine(edit.list().ofMinSize(0).ofMaxSize(4), keep).as(Damage::new);
  }

  @Property(tries = 3000)
  void damagedDeltasAreRefusedWithTheFormatsOwnError(@ForAll("damage") Damage d) throws IOException {
    MutationFuzzTest.Sample s = sample();
    byte[] bytes = s.delta().clone();
    for (int[] e : d.edits()) {
      bytes[(int) ((long) e[0] * bytes.length / 1_000_000)] = (byte) e[1];
    }
    bytes = Arrays.copyOf(bytes, (int) ((long) d.keep() * bytes.length / 1_000_000));
    int firstDiff = Arrays.mismatch(bytes, s.delta());
    if (firstDiff < 0) {
      return; // unchanged: nothing to refuse
    }
    int returned = 0;
    try (DeltaReader r = new DeltaReader(new ByteArrayInputStream(bytes), Fixtures.TRUST)) {
      while (r.next(Fixtures.baseOf(s.base())) != null) {
        returned++;
      }
      throw new AssertionError("a changed delta was accepted (first change at byte " + firstDiff + ")");
    } catch (DeltaFormatException e) {
      long[] ends = Fixtures.recordEnds(s.delta());
      for (int i = 0; i < returned; i++) {
        if (i >= ends.length || ends[i] > firstDiff) {
          throw new AssertionError("record " + i + " was returned though the change starts at byte " + firstDiff);
        }
      }
    }
  }
}
