package io.deltasnap.cli;

import io.deltasnap.cli.job.JobMonitor;
import io.deltasnap.engine.Volume;
import io.deltasnap.engine.VolumeStatus;
import io.deltasnap.receiver.ReceiverStats;
import io.deltasnap.receiver.ReplicationServer;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The {@code --metrics} endpoint: a Prometheus registry of collectors that read every value when
 * scraped, from the volume, the receiver's counters and the job's state (nothing is counted
 * twice), served by the client library's HTTP server. Each collector reads its source once per
 * scrape, so the values of one scrape agree with each other. The names and their meaning are a
 * stable contract, listed in docs/metrics.md; MetricsDocTest holds that document against what is
 * served.
 *
 * <p>A source that cannot be read at a scrape (a replica with no volume yet, a closed volume, an
 * unreadable state file) is left out of that scrape rather than failing it.
 */
final class MetricsServer implements AutoCloseable {
  private final HTTPServer http;
  private final String url;

  private MetricsServer(HTTPServer http, String host) {
    this.http = http;
    this.url = "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + http.getPort() + "/metrics";
  }

  static MetricsServer start(InetSocketAddress address, MetricsSources s) throws IOException {
    PrometheusRegistry r = new PrometheusRegistry();
    if (s.volume() != null) {
      r.register(collector(() -> volume(s)));
    }
    if (s.receiver() != null) {
      r.register(collector(() -> receiver(s.volumeLabel(), s.receiver())));
    }
    if (s.job() != null) {
      r.register(collector(() -> job(s.job())));
    }
    HTTPServer http;
    try {
      http = HTTPServer.builder().inetAddress(address.getAddress()).port(address.getPort()).registry(r)
          .buildAndStart();
    } catch (IOException e) {
      throw new Main.UserError("cannot serve metrics on " + address.getHostString() + ":" + address.getPort() + ": "
          + e.getMessage());
    }
    return new MetricsServer(http, address.getHostString());
  }

  String url() {
    return url;
  }

  @Override
  public void close() {
    http.close();
  }

  /** Reads one source into metric families; throws when it cannot be read now. */
  private interface Read {
    List<MetricSnapshot> families() throws IOException;
  }

  private static MultiCollector collector(Read read) {
    return () -> {
      try {
        return new MetricSnapshots(read.families());
      } catch (IOException | RuntimeException e) {
        return new MetricSnapshots(); // closed or failing: this scrape goes without it
      }
    };
  }

  /** One family's samples, built up label set by label set. */
  private static final class Family {
    private final boolean counter;
    private final String name;
    private final String help;
    private final String[] labelNames;
    private final List<Labels> labels = new ArrayList<>();
    private final List<Double> values = new ArrayList<>();

    Family(boolean counter, String name, String help, String... labelNames) {
      assert counter == name.endsWith("_total") : name;
      this.counter = counter;
      this.name = name;
      this.help = help;
      this.labelNames = labelNames;
    }

    static Family gauge(String name, String help, String... labelNames) {
      return new Family(false, name, help, labelNames);
    }

    static Family counter(String name, String help, String... labelNames) {
      return new Family(true, name, help, labelNames);
    }

    Family add(double value, String... labelValues) {
      labels.add(Labels.of(labelNames, labelValues));
      values.add(value);
      return this;
    }

    MetricSnapshot build() {
      if (counter) {
        CounterSnapshot.Builder b = CounterSnapshot.builder().name(name).help(help);
        for (int i = 0; i < values.size(); i++) {
          b.dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().labels(labels.get(i)).value(values.get(i))
              .build());
        }
        return b.build();
      }
      GaugeSnapshot.Builder b = GaugeSnapshot.builder().name(name).help(help);
      for (int i = 0; i < values.size(); i++) {
        b.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().labels(labels.get(i)).value(values.get(i)).build());
      }
      return b.build();
    }
  }

  // ------------------------------------------------------------------ volume

  private static List<MetricSnapshot> volume(MetricsSources s) throws IOException {
    Volume v = s.volume().get();
    if (v == null) {
      return List.of();
    }
    VolumeStatus st = v.status();
    String l = s.volumeLabel();
    return List.of(
        Family.gauge("deltasnap_volume_size_bytes", "Size of the origin, as readers see it", "volume")
            .add(st.size(), l).build(),
        Family.gauge("deltasnap_volume_store_bytes", "Size of the exception store file", "volume")
            .add(st.storeBytes(), l).build(),
        Family.gauge("deltasnap_volume_store_free_bytes", "Free space inside the store file, reused before it grows",
            "volume").add(st.freeBytes(), l).build(),
        Family.gauge("deltasnap_volume_capacity_bytes", "The store's capacity limit (0: none)", "volume")
            .add(v.capacityBytes(), l).build(),
        Family.gauge("deltasnap_volume_snapshots", "Live snapshots", "volume").add(st.snapshots(), l).build(),
        Family.gauge("deltasnap_volume_pending_deletions", "Deleted snapshots whose space is not reclaimed yet",
            "volume").add(st.pendingDeletions(), l).build(),
        Family.gauge("deltasnap_volume_reclaimable_bytes", "Bytes the pending deletions will give back at least",
            "volume").add(v.reclaimableBytes(), l).build(),
        Family.gauge("deltasnap_volume_exceptions", "Exception keys in the store's tree", "volume")
            .add(st.exceptions(), l).build(),
        Family.counter("deltasnap_volume_cache_hits_total", "Tree node lookups the metadata cache answered", "volume")
            .add(st.cacheHits(), l).build(),
        Family.counter("deltasnap_volume_cache_misses_total", "Tree node lookups that read the store", "volume")
            .add(st.cacheMisses(), l).build());
  }

  // ------------------------------------------------------------------ receiver

  private static List<MetricSnapshot> receiver(String l, ReplicationServer server) {
    ReceiverStats st = server.stats();
    Family refused = Family.counter("deltasnap_receiver_refused_total",
        "Connections and requests refused before a transfer began, by reason", "volume", "reason");
    st.refused().forEach((reason, n) -> refused.add(n, l, reason));
    Family failed = Family.counter("deltasnap_receiver_transfers_failed_total",
        "Transfers that began and ended without a commit, by reason", "volume", "reason");
    st.failed().forEach((reason, n) -> failed.add(n, l, reason));
    return List.of(
        Family.counter("deltasnap_receiver_transfers_applied_total", "Transfers applied and committed on the replica",
            "volume").add(st.applied(), l).build(),
        Family.counter("deltasnap_receiver_transfers_resumed_total",
            "Applied transfers that continued a staged earlier attempt", "volume").add(st.resumed(), l).build(),
        Family.counter("deltasnap_receiver_received_bytes_total", "Delta stream bytes received", "volume")
            .add(st.receivedBytes(), l).build(),
        refused.build(), failed.build(),
        Family.gauge("deltasnap_receiver_transfers_active", "Transfers under way", "volume")
            .add(server.activeTransfers(), l).build());
  }

  // ------------------------------------------------------------------ job

  private static List<MetricSnapshot> job(JobMonitor m) throws IOException {
    String job = m.spec().name();
    Family success = Family.gauge("deltasnap_job_last_success_timestamp_seconds",
        "When the target was last brought up to date (unix time)", "job", "target");
    Family lagSnaps = Family.gauge("deltasnap_job_lag_snapshots",
        "The job's snapshots on the source that the target does not hold yet", "job", "target");
    Family lagSeconds = Family.gauge("deltasnap_job_lag_seconds",
        "How much older the target's newest snapshot is than the source's newest", "job", "target");
    Family bytes = Family.counter("deltasnap_job_sent_bytes_total",
        "Delta bytes sent to the target (all time, from the job's state file)", "job", "target");
    Family records = Family.counter("deltasnap_job_sent_records_total",
        "Delta records sent to the target by this process", "job", "target");
    Family failures = Family.counter("deltasnap_job_failures_total",
        "Failed attempts to bring the target up to date, by cause", "job", "target", "cause");
    Family active = Family.gauge("deltasnap_job_transfer_active", "1 while a delta is being sent to the target",
        "job", "target");
    Family done = Family.gauge("deltasnap_job_transfer_done_bytes",
        "Volume bytes of the transfer under way read so far", "job", "target");
    Family remaining = Family.gauge("deltasnap_job_transfer_remaining_bytes",
        "Volume bytes of the transfer under way still to read", "job", "target");
    for (JobMonitor.TargetView t : m.targets()) {
      String n = t.name();
      if (t.lastSuccess() != null) {
        success.add(t.lastSuccess().toEpochMilli() / 1000.0, job, n);
      }
      lagSnaps.add(t.lagSnapshots(), job, n);
      lagSeconds.add(t.lagSeconds(), job, n);
      bytes.add(t.bytesSent(), job, n);
      records.add(t.recordsSent(), job, n);
      for (Map.Entry<String, Long> f : t.failures().entrySet()) {
        failures.add(f.getValue(), job, n, f.getKey());
      }
      JobMonitor.Transfer x = t.transfer();
      active.add(x == null ? 0 : 1, job, n);
      done.add(x == null ? 0 : x.doneBytes(), job, n);
      remaining.add(x == null ? 0 : x.remainingBytes(), job, n);
    }
    List<MetricSnapshot> out = new ArrayList<>();
    for (Family f : List.of(success, lagSnaps, lagSeconds, bytes, records, failures, active, done, remaining)) {
      out.add(f.build());
    }
    return out;
  }
}
