package io.deltasnap.cli.job;

import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Snapshot names of a job: a template with {@code {time}} (UTC, {@code 20261128T131500Z}) or
 * {@code {time:PATTERN}} (a java.time pattern, in the job's time zone) exactly once, and
 * optionally {@code {job}}. A name that matches the template carries its snapshot's time; the job
 * owns such snapshots (and only those) and prunes them by that time, so retention does not depend
 * on the clock of whoever created or copied them.
 */
public final class NameTemplate {
  static final String DEFAULT = "{job}-{time}";
  private static final DateTimeFormatter UTC_BASIC = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
      .withZone(ZoneOffset.UTC);
  private static final Pattern PLACEHOLDER = Pattern.compile("\\{(job|time)(?::([^}]*))?}");

  private final String template;
  private final String job;
  private final DateTimeFormatter time;
  private final Pattern pattern;

  private NameTemplate(String template, String job, DateTimeFormatter time, Pattern pattern) {
    this.template = template;
    this.job = job;
    this.time = time;
    this.pattern = pattern;
  }

  /** Checks and compiles {@code template}; {@code where} names the field for errors. */
  public static NameTemplate parse(String template, String job, ZoneId zone, String where) {
    Matcher m = PLACEHOLDER.matcher(template);
    StringBuilder re = new StringBuilder();
    DateTimeFormatter fmt = null;
    int last = 0;
    while (m.find()) {
      re.append(Pattern.quote(template.substring(last, m.start())));
      last = m.end();
      if (m.group(1).equals("job")) {
        if (m.group(2) != null) {
          throw new JobFileException(where + ": {job} takes no pattern");
        }
        re.append(Pattern.quote(job));
        continue;
      }
      if (fmt != null) {
        throw new JobFileException(where + ": {time} may appear only once in \"" + template + "\"");
      }
      try {
        fmt = m.group(2) == null ? UTC_BASIC : DateTimeFormatter.ofPattern(m.group(2)).withZone(zone);
      } catch (IllegalArgumentException | ClassCastException e) {
        // the JDK's pattern parser throws ClassCastException for some pads ("pe" before a number, say)
        throw new JobFileException(where + ": bad time pattern \"" + m.group(2) + "\""
            + (e instanceof IllegalArgumentException ? ": " + e.getMessage() : ""));
      }
      re.append("(?<t>.+?)");
    }
    re.append(Pattern.quote(template.substring(last)));
    if (fmt == null) {
      throw new JobFileException(where + ": the snapshot name template \"" + template
          + "\" needs {time}, so the job can tell its snapshots and their times");
    }
    String rest = PLACEHOLDER.matcher(template).replaceAll("");
    if (rest.contains("{") || rest.contains("}")) {
      throw new JobFileException(where + ": unknown placeholder in \"" + template
          + "\" (use {job}, {time}, {time:PATTERN})");
    }
    NameTemplate t = new NameTemplate(template, job, fmt, Pattern.compile(re.toString()));
    // the time must come back from the name to the second, or retention could not use it
    Instant probe = Instant.parse("2026-03-07T05:04:03Z");
    String name;
    try {
      name = t.format(probe);
    } catch (DateTimeException e) {
      throw new JobFileException(where + ": the time pattern in \"" + template + "\" cannot print a time: " + e.getMessage());
    }
    if (!probe.equals(t.parseTime(name))) {
      throw new JobFileException(where + ": the time pattern in \"" + template
          + "\" must name the date and the time to the second (e.g. {time:yyyy-MM-dd_HH:mm:ss})");
    }
    if (name.getBytes(StandardCharsets.UTF_8).length > 255) {
      throw new JobFileException(where + ": snapshot names from \"" + template + "\" are longer than 255 bytes");
    }
    return t;
  }

  /** The name of a snapshot taken at {@code at} (to the second). */
  public String format(Instant at) {
    Matcher m = PLACEHOLDER.matcher(template);
    StringBuilder sb = new StringBuilder();
    while (m.find()) {
      String v = m.group(1).equals("job") ? job : time.format(at.truncatedTo(ChronoUnit.SECONDS));
      m.appendReplacement(sb, Matcher.quoteReplacement(v));
    }
    m.appendTail(sb);
    return sb.toString();
  }

  /** The time in a name that matches the template, or null for any other name. */
  public Instant parseTime(String name) {
    Matcher m = pattern.matcher(name);
    if (!m.matches()) {
      return null;
    }
    try {
      return ZonedDateTime.parse(m.group("t"), time).toInstant();
    } catch (DateTimeException e) { // a parse error, or fields that do not make an instant
      return null;
    }
  }

  @Override
  public String toString() {
    return template;
  }
}
