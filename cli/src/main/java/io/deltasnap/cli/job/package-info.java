/**
 * Replication jobs: a job file ({@link JobFile} → {@link JobSpec}) names a volume, a schedule, a
 * snapshot name template, targets and retention. {@link JobRunner} does one pass — snapshot,
 * replicate to every {@link ReplicationTarget}, prune by {@link RetentionPolicy} — and records
 * what happened in a {@link JobState} file; {@link JobDaemon} runs passes on the {@link Schedule}
 * with retry and backoff. Time comes from an injected {@link java.time.Clock} everywhere.
 *
 * <p>Guarantees: a job prunes only snapshots whose names match its template; it never prunes the
 * newest snapshot a target shares with the source (the base of that target's next increment), on
 * either side; a target that fails delays only itself.
 */
package io.deltasnap.cli.job;
