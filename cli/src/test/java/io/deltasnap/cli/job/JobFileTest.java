package io.deltasnap.cli.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JobFileTest {
  static final Path FILE = Path.of("/etc/deltasnap/vol.yaml");

  static JobSpec parse(String text) {
    return JobFile.parse(text, FILE);
  }

  static String err(String text) {
    return assertThrows(JobFileException.class, () -> parse(text)).getMessage();
  }

  @Test
  void fullJobFileParses() {
    JobSpec j = parse("""
        volume: ../../srv/vol
        schedule: 15m
        key: job.key
        retention: {last: 4, hourly: 24, daily: 30, monthly: 12}
        targets:
          - name: near
            path: /srv/replica
            retention: {hourly: 48}
          - path: /mnt/usb/replica
        """);
    assertEquals("vol", j.name());
    assertEquals(Path.of("/srv/vol"), j.volume());
    assertEquals(Path.of("/etc/deltasnap/job.key"), j.key());
    assertEquals(Path.of("/etc/deltasnap/vol.yaml.state"), j.state());
    assertEquals(new Schedule.Every(Duration.ofMinutes(15)), j.schedule());
    assertEquals(new RetentionPolicy(4, Map.of(RetentionPolicy.Period.HOURLY, 24, RetentionPolicy.Period.DAILY, 30,
        RetentionPolicy.Period.MONTHLY, 12)), j.retention());
    assertEquals(2, j.targets().size());
    assertEquals("replica", j.targets().get(1).name());
    assertTrue(j.targets().get(1).retention().keepsAll());
    assertEquals(new RetentionPolicy(1, Map.of(RetentionPolicy.Period.HOURLY, 48)), j.targets().get(0).retention());
  }

  @Test
  void durationsPastAHundredYearsAreRefusedHoweverManyDigitsTheyHave() {
    // found by fuzzing: 70 digits overflowed Long.parseLong and escaped as a NumberFormatException
    assertTrue(err("volume: v\nschedule: 1h\nretry: {max: " + "3".repeat(70) + "h}\n").contains("retry.max"));
    assertTrue(err("volume: v\nschedule: 36700d\n").contains("at most 100 years"));
    assertTrue(err("volume: v\nschedule: " + "1000000000w".repeat(20) + "\n").contains("not a duration"));
    assertEquals(new Schedule.Every(Duration.ofDays(36000)), parse("volume: v\nschedule: 36000d\n").schedule());
  }

  @Test
  void aTimePatternTheJdkCannotBuildIsABadPatternNotAClassCastException() {
    // found by fuzzing: DateTimeFormatter.ofPattern throws ClassCastException for a pad before 'e'
    assertTrue(err("volume: v\nschedule: 1h\nsnapshots: {name: 'auto-{time:  me: snapshots:ed&pe}'}\n")
        .contains("bad time pattern"));
  }

  @Test
  void mistakesAreNamed() {
    assertTrue(err("volume: v\nschedule: 1h\nretension: {last: 3}\n").contains("unknown field \"retension\""));
    assertTrue(err("schedule: 1h\n").contains("volume: is required"));
    assertTrue(err("volume: v\nschedule: often\n").contains("not a duration"));
    assertTrue(err("volume: v\nschedule: '*/15 * * *'\n").contains("not a duration"));
    assertTrue(err("volume: v\nschedule: '61 * * * *'\n").contains("bad cron minute"));
    assertTrue(err("volume: v\nschedule: '0 0 31 2 *'\n").contains("never fires"));
    assertTrue(err("volume: v\nschedule: 1h\nsnapshots: {name: 'auto'}\n").contains("needs {time}"));
    assertTrue(err("volume: v\nschedule: 1h\nsnapshots: {name: 'a-{time:yyyy-MM-dd}'}\n").contains("to the second"));
    assertTrue(err("volume: v\nschedule: 1h\nretention: {hourly: -1}\n").contains("count ≥ 0"));
    assertTrue(err("volume: v\nschedule: 1h\ntargets: [{path: /r}]\n").contains("key: "));
    assertTrue(parse("volume: v\nschedule: 1h\nkey: k\ntargets: [{to: 'host:7000', retention: {daily: 3}}]\n")
        .targets().get(0).retention().grid().containsKey(RetentionPolicy.Period.DAILY), "retention on a network target");
    assertTrue(err("volume: v\nschedule: 1h\nkey: k\ntargets: [{to: 'host'}]\n").contains("not host:port"));
    assertEquals("backup_7000", parse("volume: v\nschedule: 1h\nkey: k\ntargets: [{to: 'backup:7000'}]\n")
        .targets().get(0).name());
    assertTrue(err("volume: v\nschedule: 1h\nkey: k\ntargets: [{path: /a/r}, {path: /b/r}]\n").contains("two targets"));
    assertTrue(err("volume: [\n").contains("not valid YAML"));
  }

  @Test
  void lagThresholdsAreDurationsPerJobAndPerTarget() {
    JobSpec j = parse("""
        volume: v
        schedule: 1h
        key: k
        warn_lag: 2h
        crit_lag: 6h
        targets:
          - {name: a, path: /a}
          - {name: b, path: /b, crit_lag: 1d}
          - {name: c, path: /c, warn_lag: 10m, crit_lag: 1h30m}
        """);
    assertEquals(new JobSpec.LagCheck(Duration.ofHours(2), Duration.ofHours(6)), j.check());
    assertEquals(j.check(), j.targets().get(0).check());
    assertEquals(new JobSpec.LagCheck(Duration.ofHours(2), Duration.ofDays(1)), j.targets().get(1).check());
    assertEquals(new JobSpec.LagCheck(Duration.ofMinutes(10), Duration.ofMinutes(90)), j.targets().get(2).check());
    assertEquals(JobSpec.LagCheck.NONE, parse("volume: v\nschedule: 1h\n").check());
  }

  @Test
  void badLagThresholdsAreRefusedNamingTheField() {
    assertTrue(err("volume: v\nschedule: 1h\nwarn_lag: soon\n").contains("warn_lag: \"soon\" is not a duration"));
    assertTrue(err("volume: v\nschedule: 1h\ncrit_lag: 7200\n").contains("crit_lag: \"7200\" is not a duration"));
    assertTrue(err("volume: v\nschedule: 1h\ncrit_lag: [1h]\n").contains("crit_lag is a single value"));
    assertTrue(err("volume: v\nschedule: 1h\nwarn_lag: 6h\ncrit_lag: 2h\n")
        .contains("crit_lag (2h) is shorter than warn_lag (6h)"));
    String t = err("volume: v\nschedule: 1h\nkey: k\nwarn_lag: 2h\ntargets: [{path: /a, crit_lag: 1h}]\n");
    assertTrue(t.contains("targets[0]: crit_lag (1h) is shorter than warn_lag (2h)"), t);
    assertTrue(err("volume: v\nschedule: 1h\nkey: k\ntargets: [{path: /a, warn_lag: 0s}]\n")
        .contains("targets[0]: warn_lag: \"0s\" is not a duration"));
  }

  @Test
  void stallTimeoutsComeFromTheTargetTheJobOrTheDefaultAndOnlyNetworkTargetsTakeTheirOwn() {
    JobSpec j = parse("""
        volume: v
        schedule: 1h
        key: k
        stall_timeout: 30s
        targets:
          - {name: a, to: 'h:1'}
          - {name: b, to: 'h:2', stall_timeout: 5m}
          - {name: c, path: /c}
        """);
    assertEquals(Duration.ofSeconds(30), j.targets().get(0).stallTimeout());
    assertEquals(Duration.ofMinutes(5), j.targets().get(1).stallTimeout());
    assertEquals(JobSpec.DEFAULT_STALL, parse("volume: v\nschedule: 1h\nkey: k\ntargets: [{to: 'h:1'}]\n")
        .targets().get(0).stallTimeout());
    String local = err("volume: v\nschedule: 1h\nkey: k\ntargets: [{path: /a, stall_timeout: 1m}]\n");
    assertTrue(local.contains("targets[0]: stall_timeout: is for network targets"), local);
    String bad = err("volume: v\nschedule: 1h\nstall_timeout: 0s\n");
    assertTrue(bad.contains("stall_timeout: \"0s\" is not a duration"), bad);
  }

  @Test
  void namesCarryTheirTime() {
    NameTemplate t = NameTemplate.parse("{job}-{time}", "vol", ZoneOffset.UTC, "x");
    Instant at = Instant.parse("2026-11-28T13:15:07Z");
    assertEquals("vol-20261128T131507Z", t.format(at));
    assertEquals(at, t.parseTime("vol-20261128T131507Z"));
    assertNull(t.parseTime("other-20261128T131507Z"));
    assertNull(t.parseTime("manual"));
    NameTemplate local = NameTemplate.parse("auto_{time:yyyy-MM-dd_HH.mm.ss}", "vol", java.time.ZoneId.of("Europe/Paris"), "x");
    assertEquals("auto_2026-11-28_14.15.07", local.format(at));
    assertEquals(at, local.parseTime("auto_2026-11-28_14.15.07"));
  }

  @Test
  void schedulesComeOnTime() {
    Instant now = Instant.parse("2026-11-28T13:07:30Z");
    assertEquals(Instant.parse("2026-11-28T13:15:00Z"), new Schedule.Every(Duration.ofMinutes(15)).next(now));
    assertEquals(Instant.parse("2026-11-28T13:15:00Z"),
        new Schedule.Every(Duration.ofMinutes(15)).next(Instant.parse("2026-11-28T13:00:00Z")));
    Schedule cron = Schedule.parse("*/20 2-3 * * *", ZoneOffset.UTC, "x");
    assertEquals(Instant.parse("2026-11-29T02:00:00Z"), cron.next(now));
    assertEquals(Instant.parse("2026-11-29T02:20:00Z"), cron.next(Instant.parse("2026-11-29T02:00:00Z")));
    // Sunday 2026-11-29; "0 4 1 * 0": the 1st of a month or a Sunday
    assertEquals(Instant.parse("2026-11-29T04:00:00Z"), Schedule.parse("0 4 1 * 0", ZoneOffset.UTC, "x").next(now));
    assertEquals(Instant.parse("2026-12-01T04:00:00Z"),
        Schedule.parse("0 4 1 * *", ZoneOffset.UTC, "x").next(now));
    assertEquals(Instant.parse("2026-11-28T12:30:00Z"), // 13:30 in Paris
        Schedule.parse("30 13 * * *", java.time.ZoneId.of("Europe/Paris"), "x").next(Instant.parse("2026-11-28T12:00:00Z")));
  }
}
