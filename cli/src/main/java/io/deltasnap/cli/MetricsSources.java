package io.deltasnap.cli;

import io.deltasnap.cli.job.JobMonitor;
import io.deltasnap.engine.Volume;
import io.deltasnap.receiver.ReplicationServer;
import java.util.function.Supplier;

/**
 * What a long-running command exposes on {@code --metrics}: its volume (label {@code volume},
 * the directory; the supplier may give null while a replica holds none yet), and its receiver or
 * job when it runs one (null otherwise). No metrics library types here: a command that is not
 * asked for metrics never loads the client.
 */
record MetricsSources(String volumeLabel, Supplier<Volume> volume, ReplicationServer receiver, JobMonitor job) {}
