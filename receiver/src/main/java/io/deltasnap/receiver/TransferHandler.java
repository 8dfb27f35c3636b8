package io.deltasnap.receiver;

import io.deltasnap.delta.DeltaFormatException;
import io.deltasnap.delta.Keys;
import io.deltasnap.delta.TrustedKeys;
import io.deltasnap.engine.EngineException;
import io.deltasnap.engine.Volume;
import io.deltasnap.wire.Protocol;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import java.io.IOException;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;

/**
 * One transfer per connection, after the handshake: OFFER (the delta header) → the replica's
 * worker checks it and finds the resume point → ACCEPT(offset) → DATA… END → the worker applies,
 * commits → ACK, sent only once the new snapshot's commit is durable. Any refusal is an ERROR
 * naming what is wrong. The event loop only moves bytes into the transfer's {@link InboundStream};
 * all disk work is on the replica's worker thread.
 */
final class TransferHandler extends SimpleChannelInboundHandler<Protocol.Message> {
  private final ReplicationServer.Transfers transfers;
  private final Replica replica;
  private final TrustedKeys trust;
  private final ReplicationServer.Settings settings;
  private final Consumer<String> log;
  private final ReceiverStats stats;
  private byte[] key;
  private InboundStream stream;
  private boolean offered;

  TransferHandler(ReplicationServer.Transfers transfers, Replica replica, TrustedKeys trust, ReplicationServer.Settings settings,
      Consumer<String> log, ReceiverStats stats) {
    this.transfers = transfers;
    this.replica = replica;
    this.trust = trust;
    this.settings = settings;
    this.log = log;
    this.stats = stats;
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    if (evt instanceof HandshakeHandler.Authenticated a) {
      key = a.key();
      return;
    }
    super.userEventTriggered(ctx, evt);
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, Protocol.Message m) {
    if (m instanceof Protocol.Data d) {
      if (stream == null) {
        d.bytes().release();
        refuse(ctx, Protocol.Code.PROTOCOL, "DATA before the receiver accepted an OFFER");
      } else {
        stats.received(d.bytes().readableBytes());
        stream.add(d.bytes());
      }
      return;
    }
    if (key == null) {
      refuse(ctx, Protocol.Code.PROTOCOL, "unexpected " + HandshakeHandler.name(m) + " before authentication");
    } else if (m instanceof Protocol.Offer o && !offered) {
      offered = true;
      offer(ctx, o.header());
    } else if (m instanceof Protocol.Prune p && !offered) {
      offered = true;
      prune(ctx, p);
    } else if (m instanceof Protocol.End && stream != null) {
      stream.end();
    } else if (m instanceof Protocol.Bye) {
      ctx.close();
    } else {
      refuse(ctx, Protocol.Code.PROTOCOL, "unexpected " + HandshakeHandler.name(m));
    }
  }

  private void offer(ChannelHandlerContext ctx, byte[] header) {
    if (!replica.tryAcquire()) {
      refuse(ctx, Protocol.Code.BUSY, "replica " + replica.name() + " is busy with another transfer; try again later");
      return;
    }
    InboundStream s = new InboundStream(ctx.channel(), ReplicationServer.HIGH_WATER, ReplicationServer.LOW_WATER,
        settings.idle().toMillis());
    stream = s;
    transfers.register(s);
    try {
      replica.worker().execute(() -> transfer(ctx.channel(), header, s));
    } catch (RejectedExecutionException e) {
      transfers.unregister(s);
      replica.release();
      refuse(ctx, Protocol.Code.SHUTDOWN, "the receiver is stopping");
    }
  }

  /**
   * Deletes the named snapshots (ID and UUID must match; others are skipped) if this receiver
   * allows senders to prune. Their space comes back through background reclamation.
   */
  private void prune(ChannelHandlerContext ctx, Protocol.Prune p) {
    if (!settings.allowPrune()) {
      refuse(ctx, Protocol.Code.REFUSED, "this receiver does not let senders delete snapshots (start it with --allow-prune)");
      return;
    }
    if (!replica.tryAcquire()) {
      refuse(ctx, Protocol.Code.BUSY, "replica " + replica.name() + " is busy with another transfer; try again later");
      return;
    }
    Channel ch = ctx.channel();
    String who = Keys.fingerprint(key) + " at " + ch.remoteAddress();
    try {
      replica.worker().execute(() -> {
        try {
          Volume v = replica.volume();
          long deleted = 0;
          if (v != null) {
            for (Protocol.Snap s : p.snapshots()) {
              io.deltasnap.engine.SnapshotInfo i = v.snapshot(s.id());
              if (i != null && i.live() && i.uuid().equals(s.uuid())) {
                v.deleteSnapshot(s.id());
                deleted++;
              }
            }
          }
          log.accept("pruned " + deleted + " of " + p.snapshots().size() + " snapshots for " + who);
          ch.writeAndFlush(new Protocol.Pruned(deleted)).addListener(ChannelFutureListener.CLOSE);
        } catch (IOException | RuntimeException e) {
          log.accept("prune from " + who + " failed: " + e.getMessage());
          ch.writeAndFlush(new Protocol.Error(Protocol.Code.INTERNAL, String.valueOf(e.getMessage())))
              .addListener(ChannelFutureListener.CLOSE);
        } finally {
          replica.release();
        }
      });
    } catch (RejectedExecutionException e) {
      replica.release();
      refuse(ctx, Protocol.Code.SHUTDOWN, "the receiver is stopping");
    }
  }

  /** On the replica's worker thread. */
  private void transfer(Channel ch, byte[] header, InboundStream s) {
    String who = Keys.fingerprint(key) + " at " + ch.remoteAddress();
    boolean[] done = {false};
    Runnable finish = () -> { // once: the replica is let go before the sender hears of the commit
      if (!done[0]) {
        done[0] = true;
        s.close();
        transfers.unregister(s);
        replica.release();
      }
    };
    try {
      ResumableApply a = new ResumableApply(replica, header, trust,
          new ResumableApply.Checkpoints(settings.checkpointBytes(), settings.checkpointInterval()), settings.staleAfter());
      long offset = a.prepare(key);
      ch.writeAndFlush(new Protocol.Accept(offset));
      ResumableApply.Result r = a.apply(s, Volume.Progress.NONE);
      log.accept("applied snapshot " + r.snapshot().id() + " (" + r.snapshot().uuid() + ") from " + who + ": "
          + r.streamBytes() + " delta bytes" + (r.resumedFrom() > header.length ? ", resumed at byte " + r.resumedFrom() : "")
          + String.format(java.util.Locale.ROOT, " in %.3f s (waiting for the stream %.3f s, last writes and commit %.3f s)",
              r.seconds(), r.inputSeconds(), r.finishSeconds()));
      stats.applied(r.resumedFrom() > header.length);
      finish.run(); // the sender's next request must not find the replica busy
      ch.writeAndFlush(new Protocol.Ack(r.snapshot().id(), r.snapshot().uuid(), s.received()))
          .addListener(ChannelFutureListener.CLOSE);
    } catch (Throwable e) {
      Protocol.Code code = classify(e);
      String msg = describe(e);
      log.accept("transfer from " + who + " failed: " + msg);
      stats.failed(code);
      finish.run();
      if (ch.isActive()) {
        ch.writeAndFlush(new Protocol.Error(code, msg)).addListener(ChannelFutureListener.CLOSE);
      }
      if (e instanceof Error err && !(e instanceof AssertionError)) {
        throw err;
      }
    } finally {
      finish.run();
    }
  }

  private Protocol.Code classify(Throwable e) {
    if (e instanceof DeltaFormatException f) {
      return f.code() == DeltaFormatException.Code.UNTRUSTED ? Protocol.Code.UNTRUSTED : Protocol.Code.CORRUPT;
    }
    if (e instanceof RefusedException r) {
      return r.reason().code();
    }
    if (e instanceof EngineException) {
      return Protocol.Code.REFUSED;
    }
    if (transfers.stopping()) {
      return Protocol.Code.SHUTDOWN;
    }
    if (e instanceof IdleTimeoutException) {
      return Protocol.Code.TIMEOUT;
    }
    return Protocol.Code.INTERNAL;
  }

  static String describe(Throwable e) {
    if (e instanceof DeltaFormatException || e instanceof EngineException) {
      return e.getMessage();
    }
    if (e instanceof IOException) {
      return "I/O: " + e.getMessage();
    }
    return e.toString();
  }

  private void refuse(ChannelHandlerContext ctx, Protocol.Code code, String why) {
    stats.refused(code);
    log.accept("refused " + ctx.channel().remoteAddress() + ": " + why);
    ctx.writeAndFlush(new Protocol.Error(code, why)).addListener(ChannelFutureListener.CLOSE);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    if (stream != null) {
      stream.fail(new IOException("the sender's connection was lost"));
    }
    super.channelInactive(ctx);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (stream != null) {
      stream.fail(new IOException("connection failed: " + cause.getMessage(), cause));
    }
    if (cause instanceof IOException && !(cause instanceof io.netty.handler.codec.DecoderException)) {
      ctx.close(); // the peer went away: nobody to tell
      return;
    }
    refuse(ctx, Protocol.Code.PROTOCOL, String.valueOf(cause.getMessage()));
  }
}
