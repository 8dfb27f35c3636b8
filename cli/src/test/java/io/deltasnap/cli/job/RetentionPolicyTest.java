package io.deltasnap.cli.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class RetentionPolicyTest {
  static final Instant T0 = Instant.parse("2026-01-05T00:00:00Z"); // a Monday

  static List<Snap> every(Duration step, int count) {
    List<Snap> l = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      l.add(new Snap(i + 1, null, "s" + (i + 1), T0.plus(step.multipliedBy(i))));
    }
    return l;
  }

  static Set<Long> sorted(Set<Long> s) {
    return new TreeSet<>(s);
  }

  @Test
  void keepLastKeepsTheNewestN() {
    List<Snap> s = every(Duration.ofMinutes(15), 10);
    Instant now = s.get(9).time();
    assertEquals(Set.of(8L, 9L, 10L), new RetentionPolicy(3, Map.of()).keep(s, now, ZoneOffset.UTC));
  }

  @Test
  void theNewestIsKeptEvenWithLastZero() {
    List<Snap> s = every(Duration.ofMinutes(15), 10);
    assertEquals(Set.of(10L), new RetentionPolicy(0, Map.of()).keep(s, s.get(9).time().plusSeconds(99999999),
        ZoneOffset.UTC));
  }

  @Test
  void hourlyKeepsTheNewestOfEachOfTheLastNHours() {
    // 15-minute snapshots for 6 hours: 1..24; hour h holds 4h+1..4h+4
    List<Snap> s = every(Duration.ofMinutes(15), 24);
    Instant now = T0.plus(Duration.ofMinutes(15 * 23 + 5));
    Set<Long> keep = new RetentionPolicy(0, Map.of(RetentionPolicy.Period.HOURLY, 3)).keep(s, now, ZoneOffset.UTC);
    assertEquals(Set.of(16L, 20L, 24L), sorted(keep));
  }

  @Test
  void gridCombinesDailyAndMonthlyBuckets() {
    // one snapshot every 6 hours for 90 days
    List<Snap> s = every(Duration.ofHours(6), 90 * 4);
    Instant now = s.get(s.size() - 1).time();
    RetentionPolicy r = new RetentionPolicy(2, Map.of(RetentionPolicy.Period.DAILY, 7,
        RetentionPolicy.Period.MONTHLY, 12));
    Set<Long> keep = r.keep(s, now, ZoneOffset.UTC);
    // last 2 (359, 360); the newest of each of 7 days, Mar 29 - Apr 4 (336..360); of each month: Jan, Feb,
    // Mar (31st, also a daily one), Apr (the last one)
    assertEquals(Set.of(108L, 220L, 336L, 340L, 344L, 348L, 352L, 356L, 359L, 360L), sorted(keep));
    assertEquals(ReferenceRetention.keep(r, s, now, ZoneOffset.UTC), keep);
  }

  @Test
  void weeksStartOnMondayAndDaysFollowTheZone() {
    List<Snap> s = every(Duration.ofHours(1), 24 * 14);
    Instant now = s.get(s.size() - 1).time();
    RetentionPolicy weekly = new RetentionPolicy(0, Map.of(RetentionPolicy.Period.WEEKLY, 2));
    // T0 is Monday 00:00 UTC: the two weeks end on Sunday 23:00
    assertEquals(Set.of(24 * 7L, 24 * 14L), weekly.keep(s, now, ZoneOffset.UTC));
    // UTC+9: the last snapshot (Jan 18 23:00 UTC) is Monday 08:00 in Tokyo, in a week of its own; the week
    // before ends on Sunday 23:00 local = Jan 18 14:00 UTC (snapshot 13 * 24 + 15)
    ZoneId tokyo = ZoneId.of("Asia/Tokyo");
    assertEquals(Set.of(13 * 24 + 15L, 24 * 14L), weekly.keep(s, now, tokyo));
    assertEquals(ReferenceRetention.keep(weekly, s, now, tokyo), weekly.keep(s, now, tokyo));
  }

  @Test
  void snapshotsFromTheFutureAreKept() {
    List<Snap> s = every(Duration.ofHours(1), 10);
    Set<Long> keep = new RetentionPolicy(1, Map.of()).keep(s, s.get(4).time(), ZoneOffset.UTC);
    assertEquals(Set.of(6L, 7L, 8L, 9L, 10L), keep);
  }

  @Test
  void matchesTheReferenceAndIsMonotonicOnRandomHistories() {
    Random rnd = new Random(42);
    RetentionPolicy.Period[] ps = RetentionPolicy.Period.values();
    for (int round = 0; round < 300; round++) {
      List<Snap> s = new ArrayList<>();
      Instant t = T0;
      int n = 1 + rnd.nextInt(120);
      for (int i = 0; i < n; i++) {
        t = t.plusSeconds(1 + rnd.nextInt(rnd.nextBoolean() ? 3600 : 86400 * 10));
        s.add(new Snap(i + 1, null, "s", t));
      }
      java.util.HashMap<RetentionPolicy.Period, Integer> grid = new java.util.HashMap<>();
      for (RetentionPolicy.Period p : ps) {
        if (rnd.nextBoolean()) {
          grid.put(p, rnd.nextInt(10));
        }
      }
      RetentionPolicy r = new RetentionPolicy(rnd.nextInt(4), grid);
      ZoneId zone = rnd.nextBoolean() ? ZoneOffset.UTC : ZoneId.of("Europe/Berlin");
      Instant now = t.plusSeconds(rnd.nextInt(86400 * 3));
      Set<Long> keep = r.keep(s, now, zone);
      assertEquals(ReferenceRetention.keep(r, s, now, zone), keep, r + " at " + now);
      // pruned now, pruned later too
      Instant later = now.plusSeconds(rnd.nextInt(86400 * 40));
      List<Snap> more = new ArrayList<>(s);
      more.add(new Snap(n + 1, null, "s", later));
      Set<Long> keepLater = r.keep(more, later, zone);
      for (Snap x : s) {
        if (!keep.contains(x.id())) {
          assertFalse(keepLater.contains(x.id()), "snapshot " + x.id() + " came back under " + r);
        }
      }
    }
  }
}
