package io.deltasnap.cli.job;

import io.deltasnap.engine.SnapshotInfo;
import io.deltasnap.engine.Volume;
import io.deltasnap.sender.DeltaProducer;
import io.deltasnap.sender.ReplicationClient;
import io.deltasnap.wire.Protocol;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.UUID;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;

/**
 * A {@code deltasnap receive} on another host ({@code to: host:port} in a job file), through the
 * sender's {@link ReplicationClient}: each call is one authenticated connection. The receiver
 * verifies with its own trust file, applies atomically and resumes an interrupted transfer.
 *
 * <p>The protocol lists the replica's snapshots by ID and UUID only, and has no way to delete
 * one: snapshots on a network target carry no name (so the job owns none of them there) and a
 * job file may not give a network target a retention (refused at load time).
 */
public final class NetworkTarget implements ReplicationTarget {
  private final String name;
  private final String to;
  private final UUID sourceVolume;
  private final Ed25519PrivateKeyParameters key;
  private final ReplicationClient.Options options;

  public NetworkTarget(String name, String to, UUID sourceVolume, Ed25519PrivateKeyParameters key,
      ReplicationClient.Options options) {
    this.name = name;
    this.to = to;
    this.sourceVolume = sourceVolume;
    this.key = key;
    this.options = options;
  }

  /** Checks {@code host:port} (an IPv6 host in brackets); returns null if it is fine, else why not. */
  static String checkAddress(String to) {
    int colon = to.lastIndexOf(':');
    if (colon <= 0 || colon == to.length() - 1) {
      return "\"" + to + "\" is not host:port";
    }
    try {
      int port = Integer.parseInt(to.substring(colon + 1));
      if (port < 1 || port > 65535) {
        return "port " + port + " is out of range";
      }
    } catch (NumberFormatException e) {
      return "\"" + to + "\" is not host:port";
    }
    return null;
  }

  private InetSocketAddress address() {
    int colon = to.lastIndexOf(':');
    String host = to.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    return new InetSocketAddress(host, Integer.parseInt(to.substring(colon + 1))); // resolved now, each pass
  }

  private ReplicationClient connect() throws IOException {
    InetSocketAddress a = address();
    if (a.isUnresolved()) {
      throw new IOException("cannot resolve " + to);
    }
    ReplicationClient c = ReplicationClient.connect(a, key, sourceVolume, options);
    if (c.replicaVolume() != null && !c.replicaVolume().equals(sourceVolume)) {
      c.close();
      throw new IOException("the receiver at " + to + " holds volume " + c.replicaVolume() + ", not " + sourceVolume);
    }
    return c;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public String where() {
    return to;
  }

  @Override
  public List<SnapshotInfo> snapshots() throws IOException {
    try (ReplicationClient c = connect()) {
      List<SnapshotInfo> out = new ArrayList<>();
      for (Protocol.Snap s : c.replicaSnapshots()) {
        out.add(new SnapshotInfo(s.id(), s.uuid(), s.name(), s.created(), 0, false, SnapshotInfo.LIVE));
      }
      c.bye();
      return out;
    }
  }

  @Override
  public Sent send(Volume source, long base, long target, Ed25519PrivateKeyParameters signer, Volume.Progress progress)
      throws IOException {
    try (ReplicationClient c = connect()) {
      ReplicationClient.Outcome o = c.send(source, base, target, signer, DeltaProducer.Options.defaults(), progress);
      return new Sent(o.bytesSent(), o.records(), o.resumedFrom());
    }
  }

  /** Deletes on the receiver, which must run with {@code --allow-prune}; matched by ID and UUID. */
  @Override
  public void delete(Collection<Long> ids) throws IOException {
    if (ids.isEmpty()) {
      return;
    }
    List<Protocol.Snap> named = new ArrayList<>();
    try (ReplicationClient c = connect()) {
      for (Protocol.Snap s : c.replicaSnapshots()) {
        if (ids.contains(s.id())) {
          named.add(s);
        }
      }
      c.bye();
    }
    for (int i = 0; i < named.size(); i += Protocol.MAX_SNAPSHOTS_PER_FRAME) {
      try (ReplicationClient c = connect()) {
        c.prune(named.subList(i, Math.min(named.size(), i + Protocol.MAX_SNAPSHOTS_PER_FRAME)));
      }
    }
  }
}
