/**
 * `NetGraphMsgHandler` (LDK's `P2PGossipSync`): BOLT 7 gossip into a {@link NetworkGraph}, and
 * the gossip protocol around it. Announcements are checked as BOLT 7 requires — chain, node
 * order, all four signatures, features — and, when the user gives a `chain.Access`, the funding
 * output must be the P2WSH 2-of-2 of the two bitcoin keys (its value becomes the capacity).
 * Without one, channels are accepted without that check and without a known capacity.
 *
 * Around the graph: accepted gossip is relayed to the other peers through their filters
 * ({@link GossipRelay}), queries are answered as the peer drains, a new `gossip_timestamp_filter`
 * starts a backfill, and we run the initial sync with the first few `gossip_queries` peers
 * ({@link GossipSync}). Work and memory per peer are bounded ({@link GossipLimits}).
 * `PeerManager` pulls what each peer is sent with {@link NetGraphMsgHandler.nextGossipForPeer}.
 * @module
 */
import { p2wshForScript } from '../bitcoin/outputs.js';
import type { OutPoint } from '../bitcoin/tx.js';
import type { Filter } from '../chain/filter.js';
import type { Access, AccessError, ChainTxOut } from '../chain/interfaces.js';
import type { CryptoBackend } from '../crypto/backend.js';
import { fundingScript } from '../ln/chan_utils/scripts.js';
import { Features } from '../ln/features.js';
import type { RoutingMessageHandler } from '../ln/msg_handlers.js';
import { parseAddresses } from '../ln/msgs/address.js';
import type { Init } from '../ln/msgs/bolt01.js';
import { ChannelAnnouncement, type ChannelUpdate, type NodeAnnouncement } from '../ln/msgs/bolt07.js';
import type { WireMessage } from '../ln/msgs/index.js';
import { compareBytes, equalBytes } from '../util/bytes.js';
import { DecodeError, LightningError } from '../util/errors.js';
import type { MessageSendEvent } from '../util/events.js';
import { toHex } from '../util/hex.js';
import type { Logger } from '../util/logger.js';
import { presetVerdict, prepareGossipBatch, type SignedGossip, type SignedGossipMessage, signedGossip } from './gossip_batch.js';
import { DEFAULT_GOSSIP_LIMITS, type GossipLimits, GossipRateLimiter } from './gossip_limits.js';
import { decodeStored, parseShortChannelIdsQuery } from './gossip_queries.js';
import { GossipRelay, type PeerGossipState, type RelayMessage } from './gossip_relay.js';
import { GossipSync } from './gossip_sync.js';
import { type ChannelInfo, type NetworkGraph, STALE_CHANNEL_SECS } from './network_graph.js';

function ignore(msg: string, duplicate = false): LightningError {
  return new LightningError(msg, duplicate ? { kind: 'ignore-duplicate-gossip' } : { kind: 'ignore', log: 'debug' });
}

function warn(log: string, data: string): LightningError {
  return new LightningError(log, { kind: 'send-warning', send: { channelId: new Uint8Array(32), data }, log: 'debug' });
}

/** Options of {@link NetGraphMsgHandler}; all optional. */
export interface NetGraphMsgHandlerConfig {
  /**
   * Our node id (the `PeerManager`'s). Gossip about our node or channels, or handed in with our
   * id as the sender (`PeerManager`'s `broadcast-gossip`), is ours: BOLT 7 sends it regardless
   * of filters, and it is never dropped from a full queue or rate limited. Without it, our own
   * gossip is relayed like anyone's.
   */
  readonly ourNodeId?: Uint8Array;
  /** The caller's clock (UNIX seconds) to start with; see {@link NetGraphMsgHandler.setCurrentTime}. */
  readonly nowSecs?: number;
  /** Spam bounds to change from {@link DEFAULT_GOSSIP_LIMITS}. */
  readonly limits?: Partial<GossipLimits>;
  /**
   * A filtering chain source (BIP 157/158, Electrum, Esplora): each funding output the
   * `chain.Access` located is registered with it, so the spend that closes the channel reaches
   * a `GraphChainWatcher`. A source that hands over whole blocks needs none.
   */
  readonly filter?: Filter;
}

/** One peer's gossip as the handler sees it (diagnostics, tests). */
export interface PeerGossipStatus extends PeerGossipState {
  /** We run the initial sync with this peer. */
  readonly syncing: boolean;
  /** Unknown short channel ids from its `reply_channel_range`s not yet queried. */
  readonly wantedScids: number;
  /** Its `channel_announcement`s waiting on a chain lookup, and messages queued behind them. */
  readonly pendingLookups: number;
  readonly queuedBehindLookups: number;
}

interface Waiting {
  readonly from: Uint8Array;
  readonly m: WireMessage;
  readonly timestamp: number;
}

/** A `channel_announcement` whose funding output is being looked up. */
interface PendingLookup {
  readonly from: Uint8Array;
  /** The newest update of each direction (`u0`, `u1`) and node announcements (`n<id>`) that arrived meanwhile. */
  readonly waiting: Map<string, Waiting>;
}

interface PeerCounts {
  lookups: number;
  queued: number;
}

/** Receives gossip from `PeerManager`, keeps the graph, and decides what every peer is sent. */
export class NetGraphMsgHandler implements RoutingMessageHandler {
  private readonly limits: GossipLimits;
  private readonly ourNodeId: Uint8Array | undefined;
  private nowSecs: number | undefined;
  private readonly relay: GossipRelay;
  private readonly sync: GossipSync;
  private readonly rateLimiter: GossipRateLimiter;
  private readonly pending = new Map<bigint, PendingLookup>();
  /** For each node with a channel being checked (and none in the graph), that channel. */
  private readonly pendingByNode = new Map<string, bigint>();
  private readonly counts = new Map<string, PeerCounts>();
  private queuedTotal = 0;
  private readonly filter: Filter | undefined;
  /** While a batch is applied: the current message's payload, digest and verdicts reached ahead. */
  private prepared: SignedGossip | undefined;

  constructor(
    readonly graph: NetworkGraph,
    private readonly chainAccess: Access | null,
    private readonly logger: Logger,
    private readonly crypto: CryptoBackend,
    config: NetGraphMsgHandlerConfig = {},
  ) {
    this.limits = { ...DEFAULT_GOSSIP_LIMITS, ...config.limits };
    this.ourNodeId = config.ourNodeId?.slice();
    this.filter = config.filter;
    this.nowSecs = config.nowSecs;
    this.relay = new GossipRelay(graph, logger, this.limits);
    this.sync = new GossipSync(graph.chainHash, logger, this.limits, (scid) => graph.channel(scid) !== undefined || this.pending.has(scid));
    this.rateLimiter = new GossipRateLimiter(this.limits.updateBurst, this.limits.updateIntervalSecs);
  }

  /**
   * Tells the handler the time (UNIX seconds; the core reads no clock — call it about once a
   * minute). It sets the `first_timestamp` of the filters we send (two weeks back for peers we
   * sync from, an hour for the rest), discards `channel_update`s more than a day in the future
   * or older than two weeks, drives the per-channel update rate limit, and gives up a sync whose
   * peer leaves our query unanswered for `syncStallSecs`. Until it is called,
   * filters ask for everything (`first_timestamp` 0, range 0xFFFFFFFF) and those time checks
   * are off.
   */
  setCurrentTime(nowSecs: number): void {
    this.nowSecs = nowSecs;
    this.rateLimiter.prune(nowSecs);
    this.sync.expire(nowSecs);
  }

  /**
   * A peer completed `init`. A `gossip_queries` peer on our chain is sent our
   * `gossip_timestamp_filter` (without it, BOLT 7 peers relay us nothing) and, while fewer than
   * `maxSyncPeers` syncs run, a `query_channel_range` for the whole chain.
   */
  peerConnected(theirNodeId: Uint8Array, init: Init, _inbound: boolean): undefined {
    const f = Features.fromBytes('init', init.globalFeatures).or(Features.fromBytes('init', init.features));
    const gossipQueries = f.supports('gossip_queries');
    const sameChain = !init.networks || init.networks.some((n) => equalBytes(n, this.graph.chainHash));
    // Bit 3 is the obsolete `initial_routing_sync`: a peer without queries asking for the full dump.
    this.relay.addPeer(theirNodeId, { gossipQueries, initialRoutingSync: !gossipQueries && f.isSet(3), sameChain });
    if (gossipQueries && sameChain) this.sync.peerConnected(theirNodeId, this.nowSecs);
    return undefined;
  }

  /** The peer is gone: its queues, cursors and sync slot are freed. */
  peerDisconnected(theirNodeId: Uint8Array): void {
    this.relay.removePeer(theirNodeId);
    this.sync.peerDisconnected(theirNodeId);
  }

  /** `gossip_queries` (optional): we answer queries, honour filters and query ourselves (BOLT 7, BOLT 9). */
  providedInitFeatures(): Features {
    return Features.of('init', { gossip_queries: 'optional' });
  }

  /** As {@link providedInitFeatures}, for our `node_announcement`. */
  providedNodeFeatures(): Features {
    return Features.of('node', { gossip_queries: 'optional' });
  }

  /** Our filters and queries (sync), as `send-message` events. Relay and replies are pulled instead. */
  getAndClearPendingMsgEvents(): MessageSendEvent[] {
    return this.sync.takeEvents((id) => this.mayQuery(id), this.nowSecs);
  }

  /**
   * The next gossip to send the peer, at most `maxMessages` (a backfilled channel may add two):
   * relayed gossip, then replies to its queries, then its backfill. `PeerManager` calls this
   * while the peer's outbound queue is low, which is what paces a whole-graph backfill.
   */
  nextGossipForPeer(theirNodeId: Uint8Array, maxMessages: number): WireMessage[] {
    return this.relay.next(theirNodeId, maxMessages);
  }

  /** What the handler holds for one peer, or `undefined` if it is not connected. */
  peerGossipStatus(theirNodeId: Uint8Array): PeerGossipStatus | undefined {
    const s = this.relay.state(theirNodeId);
    if (!s) return undefined;
    const c = this.countOf(theirNodeId);
    return {
      ...s,
      syncing: this.sync.isSyncing(theirNodeId),
      wantedScids: this.sync.wantedCount(theirNodeId),
      pendingLookups: c.lookups,
      queuedBehindLookups: c.queued,
    };
  }

  /** `channel_announcement`s waiting on a chain lookup, and messages queued behind them (all peers). */
  get pendingLookupTotals(): { readonly lookups: number; readonly queued: number } {
    return { lookups: this.pending.size, queued: this.queuedTotal };
  }

  /**
   * A BOLT 7 message from the peer. Announcements and updates: `true` when accepted and relayed
   * (by this handler, to the other peers through their filters; a channel_announcement goes out
   * with its first update), `false` when accepted but not relayed or still being checked, a
   * {@link LightningError} otherwise. Queries, replies and filters: `false`, or a warning.
   */
  handleGossipMessage(theirNodeId: Uint8Array, m: WireMessage): boolean | LightningError {
    switch (m.name) {
      case 'channel_announcement':
        return this.onChannelAnnouncement(theirNodeId, m.msg, m);
      case 'channel_update':
        return this.onChannelUpdate(theirNodeId, m.msg, m);
      case 'node_announcement':
        return this.onNodeAnnouncement(theirNodeId, m.msg, m);
      case 'gossip_timestamp_filter':
        this.ensurePeer(theirNodeId);
        this.relay.setFilter(theirNodeId, m.msg);
        return false;
      case 'query_channel_range':
        this.ensurePeer(theirNodeId);
        if (!this.relay.answerRange(theirNodeId, m.msg)) {
          return warn('query_channel_range while the previous one is being answered', 'query_channel_range before the previous one was answered');
        }
        return false;
      case 'query_short_channel_ids': {
        const q = parseShortChannelIdsQuery(m.msg, this.graph.chainHash);
        if (q instanceof DecodeError) return warn(`query_short_channel_ids: ${q.message}`, 'Malformed query_short_channel_ids');
        this.ensurePeer(theirNodeId);
        if (!this.relay.answerShortIds(theirNodeId, q)) {
          return warn('query_short_channel_ids while the previous one is being answered', 'query_short_channel_ids before reply_short_channel_ids_end');
        }
        return false;
      }
      case 'reply_channel_range':
        return this.sync.onReplyChannelRange(theirNodeId, m.msg, this.nowSecs) ?? false;
      case 'reply_short_channel_ids_end':
        return this.sync.onReplyShortChannelIdsEnd(theirNodeId, m.msg, this.nowSecs) ?? false;
      default:
        return false;
    }
  }

  /**
   * Several gossip messages from the peer, handled in order exactly as {@link handleGossipMessage}
   * would one by one — same graph, same relay, same result per message — but with the
   * signatures checked up front: when the crypto backend has `verifyEcdsaBatch`, every check
   * the batch is predicted to need (a `channel_announcement`'s four, a `node_announcement`'s,
   * a `channel_update`'s by the node of its direction, from the graph or from an announcement
   * earlier in the batch) is verified in one call, which a backend may spread over cores. A
   * check that was not predicted is verified when its message is applied. BOLT 7 is unchanged:
   * this is how the work is scheduled, not what is accepted.
   * @param after - called with each message's index and result once it is applied; returning
   *   `true` stops there (`PeerManager` stops at the first result that disconnects the peer, as
   *   it would reading messages one by one) and the array ends with that result.
   */
  handleGossipMessages(
    theirNodeId: Uint8Array,
    msgs: readonly WireMessage[],
    after?: (index: number, result: boolean | LightningError) => boolean,
  ): Array<boolean | LightningError> {
    const crypto = this.crypto;
    const prepared = crypto.verifyEcdsaBatch
      ? prepareGossipBatch(crypto, (items) => crypto.verifyEcdsaBatch!(items), { graph: this.graph, isPending: (scid) => this.pending.has(scid) }, msgs)
      : undefined;
    const out: Array<boolean | LightningError> = [];
    for (let i = 0; i < msgs.length; i++) {
      let r: boolean | LightningError;
      this.prepared = prepared?.[i];
      try {
        r = this.handleGossipMessage(theirNodeId, msgs[i]!);
      } finally {
        this.prepared = undefined;
      }
      out.push(r);
      if (after?.(i, r)) break;
    }
    return out;
  }

  // A handler used without PeerManager's peerConnected (tools, tests) still answers: the peer
  // is taken as a `gossip_queries` peer, which is relayed nothing until it sends a filter.
  private ensurePeer(id: Uint8Array): void {
    if (!this.relay.hasPeer(id)) this.relay.addPeer(id, { gossipQueries: true, initialRoutingSync: false, sameChain: true });
  }

  private counted(id: Uint8Array): PeerCounts {
    const k = toHex(id);
    let c = this.counts.get(k);
    if (!c) {
      c = { lookups: 0, queued: 0 };
      this.counts.set(k, c);
    }
    return c;
  }

  private countOf(id: Uint8Array): PeerCounts {
    return this.counts.get(toHex(id)) ?? { lookups: 0, queued: 0 };
  }

  private release(id: Uint8Array, lookups: number, queued: number): void {
    const k = toHex(id);
    const c = this.counts.get(k);
    if (!c) return;
    c.lookups -= lookups;
    c.queued -= queued;
    this.queuedTotal -= queued;
    if (c.lookups <= 0 && c.queued <= 0) this.counts.delete(k);
  }

  /** Room for the answer to one more of our queries: its announcements will each need a lookup. */
  private mayQuery(id: Uint8Array): boolean {
    if (!this.chainAccess) return true;
    const q = this.limits.scidsPerQuery;
    const mine = this.countOf(id).lookups;
    return mine + q <= this.limits.maxPendingLookupsPerPeer && this.pending.size + q <= this.limits.maxPendingLookups;
  }

  private isOurs(...nodeIds: Uint8Array[]): boolean {
    const us = this.ourNodeId;
    return us !== undefined && nodeIds.some((n) => equalBytes(n, us));
  }

  /** The message's payload and signed digest: from the batch being applied when it has them. */
  private signed(m: SignedGossipMessage): SignedGossip {
    const p = this.prepared;
    return p !== undefined && p.msg === m.msg ? p : signedGossip(this.crypto, m);
  }

  // A verdict reached ahead (handleGossipMessages) is used only for this very signature, digest
  // and key; anything else is verified now.
  private verify(s: SignedGossip, sig: Uint8Array, key: Uint8Array): boolean {
    const preset = s.verdicts.length > 0 ? presetVerdict(s, sig, key) : undefined;
    return preset ?? this.crypto.verifyEcdsa(sig, s.digest, key);
  }

  private onChannelAnnouncement(from: Uint8Array, a: ChannelAnnouncement, m: WireMessage & { name: 'channel_announcement' }): boolean | LightningError {
    if (!equalBytes(a.chainHash, this.graph.chainHash)) return ignore('channel_announcement for another chain');
    if (this.graph.channel(a.shortChannelId)) return ignore('channel already known', true);
    if (this.pending.has(a.shortChannelId)) return ignore('channel lookup already pending', true);
    if (compareBytes(a.nodeId1, a.nodeId2) >= 0) return new LightningError('node_id_1 is not lower than node_id_2', { kind: 'ignore', log: 'debug' });
    const feats = Features.fromBytes('channel', a.features);
    if (feats.unknownRequiredBits().length > 0) return ignore('channel_announcement requires unknown features');
    // Checked before the signatures, so a flood costs neither verification nor memory.
    if (this.chainAccess && !this.isOurs(a.nodeId1, a.nodeId2) && (this.pending.size >= this.limits.maxPendingLookups || this.countOf(from).lookups >= this.limits.maxPendingLookupsPerPeer)) {
      return ignore('too many channel_announcements waiting on chain lookups');
    }
    // The four signatures cover the message after them (BOLT 7: from `len` of features on).
    const s = this.signed(m);
    const payload = s.payload;
    if (
      !this.verify(s, a.nodeSignature1, a.nodeId1) ||
      !this.verify(s, a.nodeSignature2, a.nodeId2) ||
      !this.verify(s, a.bitcoinSignature1, a.bitcoinKey1) ||
      !this.verify(s, a.bitcoinSignature2, a.bitcoinKey2)
    ) {
      // BOLT 7: an invalid signature is a peer fault worth a warning and a disconnect.
      return new LightningError('Invalid signature on channel_announcement', {
        kind: 'disconnect-with-warning',
        send: { channelId: new Uint8Array(32), data: 'Invalid signature on channel_announcement' },
      });
    }
    // Accepted channels are relayed with their first channel_update (BOLT 7: never without one).
    if (!this.chainAccess) return this.addChannel(a, payload, undefined);
    let r: ReturnType<Access['getUtxo']>;
    try {
      r = this.chainAccess.getUtxo(a.chainHash, a.shortChannelId);
    } catch (e) {
      this.logger.log({ level: 'error', module: 'gossip', message: `chain.Access.getUtxo threw: ${String(e)}` });
      return ignore('funding output lookup failed');
    }
    if (r instanceof Promise) {
      this.pending.set(a.shortChannelId, { from: from.slice(), waiting: new Map() });
      this.counted(from).lookups++;
      for (const id of [a.nodeId1, a.nodeId2]) if (!this.graph.node(id)) this.pendingByNode.set(toHex(id), a.shortChannelId);
      r.then(
        (out) => this.finishLookup(a, payload, out),
        () => this.finishLookup(a, payload, 'UnknownTx'),
      );
      return false;
    }
    return this.checkFunding(a, payload, r);
  }

  private checkFunding(a: ChannelAnnouncement, payload: Uint8Array, r: ChainTxOut | AccessError): boolean | LightningError {
    if (r === 'UnknownChain' || r === 'UnknownTx') return ignore(`funding output lookup: ${r}`);
    const want = p2wshForScript(fundingScript(a.bitcoinKey1, a.bitcoinKey2), this.crypto);
    if (!equalBytes(r.script, want)) return ignore('funding output is not the 2-of-2 of the announced bitcoin keys');
    const added = this.addChannel(a, payload, r.value, r.outpoint);
    if (added && r.outpoint) this.filter?.registerOutput({ blockHash: undefined, outpoint: r.outpoint, scriptPubkey: want });
    return added;
  }

  private finishLookup(a: ChannelAnnouncement, payload: Uint8Array, r: ChainTxOut | AccessError): void {
    const entry = this.pending.get(a.shortChannelId);
    if (!entry) return;
    this.pending.delete(a.shortChannelId);
    for (const id of [a.nodeId1, a.nodeId2]) {
      const k = toHex(id);
      if (this.pendingByNode.get(k) === a.shortChannelId) this.pendingByNode.delete(k);
    }
    this.release(entry.from, 1, 0);
    for (const w of entry.waiting.values()) this.release(w.from, 0, 1);
    try {
      const ok = this.checkFunding(a, payload, r);
      if (ok !== true) {
        this.logger.log({ level: 'debug', module: 'gossip', message: `channel ${a.shortChannelId} not added: ${ok instanceof LightningError ? ok.message : 'known'}` });
        return;
      }
      // Updates first: node announcements need the channel, relaying needs an update.
      const ordered = [...entry.waiting.entries()].sort(([x], [y]) => (x[0] === y[0] ? 0 : x[0] === 'u' ? -1 : 1));
      for (const [, w] of ordered) this.handleGossipMessage(w.from, w.m);
    } catch (e) {
      // Runs from a promise callback: nothing must escape into an unhandled rejection.
      this.logger.log({ level: 'error', module: 'gossip', message: `finishing the lookup of ${a.shortChannelId}: ${String(e)}` });
    }
  }

  /** Keeps the newest message of its kind behind a pending lookup, within the per-peer and total caps. */
  private queueBehind(p: PendingLookup, key: string, from: Uint8Array, m: WireMessage, timestamp: number): boolean | LightningError {
    const old = p.waiting.get(key);
    if (old && old.timestamp >= timestamp) return ignore('not newer than the message already waiting', true);
    if (!old && (this.queuedTotal >= this.limits.maxQueuedBehindLookups || this.countOf(from).queued >= this.limits.maxQueuedBehindLookupsPerPeer)) {
      return ignore('too many messages waiting on chain lookups');
    }
    if (old) this.release(old.from, 0, 1);
    this.counted(from).queued++;
    this.queuedTotal++;
    p.waiting.set(key, { from: from.slice(), m, timestamp });
    return false;
  }

  private addChannel(a: ChannelAnnouncement, announcement: Uint8Array, capacitySat: bigint | undefined, fundingOutpoint?: OutPoint): boolean {
    return this.graph.addChannel({
      shortChannelId: a.shortChannelId,
      node1: a.nodeId1,
      node2: a.nodeId2,
      features: a.features,
      capacitySat,
      announcement,
      ...(fundingOutpoint ? { fundingOutpoint } : {}),
    });
  }

  /** BOLT 7 lets a receiver discard updates far in the future; with a clock we also drop stale ones and rate limit. */
  private timeCheck(kind: string, timestamp: number, rateKey: bigint | string, own: boolean): LightningError | undefined {
    const now = this.nowSecs;
    if (now === undefined || own) return undefined;
    if (timestamp > now + this.limits.maxFutureSecs) return ignore(`${kind} timestamp too far in the future`);
    if (kind === 'channel_update' && timestamp + STALE_CHANNEL_SECS < now) return ignore('channel_update older than two weeks');
    if (!this.rateLimiter.allows(rateKey, now)) return ignore(`${kind} rate limit: too many updates`);
    return undefined;
  }

  private onChannelUpdate(from: Uint8Array, u: ChannelUpdate, m: WireMessage & { name: 'channel_update' }): boolean | LightningError {
    if (!equalBytes(u.chainHash, this.graph.chainHash)) return ignore('channel_update for another chain');
    const direction = (u.channelFlags & 1) as 0 | 1;
    const waiting = this.pending.get(u.shortChannelId);
    if (waiting) return this.queueBehind(waiting, `u${direction}`, from, m, u.timestamp);
    const c = this.graph.channel(u.shortChannelId);
    if (!c) return ignore('channel_update for an unknown channel');
    if ((u.messageFlags & 1) === 0) return ignore('channel_update without htlc_maximum_msat');
    const current = direction === 0 ? c.oneToTwo : c.twoToOne;
    if (current && current.lastUpdate >= u.timestamp) return ignore('channel_update not newer', true);
    const own = this.isOurs(c.node1, c.node2);
    const rateKey = u.shortChannelId * 2n + BigInt(direction);
    const late = this.timeCheck('channel_update', u.timestamp, rateKey, own);
    if (late) return late;
    const key = direction === 0 ? c.node1 : c.node2;
    const s = this.signed(m);
    const payload = s.payload;
    if (!this.verify(s, u.signature, key)) {
      return new LightningError('Invalid signature on channel_update', {
        kind: 'disconnect-with-warning',
        send: { channelId: new Uint8Array(32), data: 'Invalid signature on channel_update' },
      });
    }
    if (c.capacitySat !== undefined && u.htlcMaximumMsat > c.capacitySat * 1000n) return ignore('htlc_maximum_msat above the channel capacity');
    const first = !c.oneToTwo && !c.twoToOne;
    const added = this.graph.updateChannel(u.shortChannelId, direction, {
      enabled: (u.channelFlags & 2) === 0,
      cltvExpiryDelta: u.cltvExpiryDelta,
      htlcMinimumMsat: u.htlcMinimumMsat,
      htlcMaximumMsat: u.htlcMaximumMsat,
      feeBaseMsat: u.feeBaseMsat,
      feeProportionalMillionths: u.feeProportionalMillionths,
      lastUpdate: u.timestamp,
      message: payload,
    });
    if (!added) return false;
    if (this.nowSecs !== undefined && !own) this.rateLimiter.take(rateKey, this.nowSecs);
    if ((u.excessData?.length ?? 0) > this.limits.maxExcessBytesForRelay) return false;
    this.relayUpdate(from, c, first, { msg: m, bytes: payload.length + 2 }, u.timestamp, own);
    return true;
  }

  // BOLT 7 §"The gossip_timestamp_filter Message": a channel_announcement goes out with its first
  // channel_update, taking that update's timestamp, and before it.
  private relayUpdate(from: Uint8Array, c: ChannelInfo, first: boolean, update: RelayMessage, timestamp: number, own: boolean): void {
    if (this.relay.peerCount === 0) return;
    const group: RelayMessage[] = [];
    if (first && c.announcement) {
      const ann = decodeStored(ChannelAnnouncement, c.announcement);
      if (ann && (ann.excessData?.length ?? 0) <= this.limits.maxExcessBytesForRelay) {
        group.push({ msg: { name: 'channel_announcement', msg: ann }, bytes: c.announcement.length + 2 });
      }
    }
    group.push(update);
    this.relay.relay(group, { from, timestamp, own: own || this.isOurs(from) });
  }

  private onNodeAnnouncement(from: Uint8Array, n: NodeAnnouncement, m: WireMessage & { name: 'node_announcement' }): boolean | LightningError {
    const nodeKey = toHex(n.nodeId);
    const node = this.graph.node(n.nodeId);
    if (!node) {
      const scid = this.pendingByNode.get(nodeKey);
      const p = scid === undefined ? undefined : this.pending.get(scid);
      if (p) return this.queueBehind(p, `n${nodeKey}`, from, m, n.timestamp);
      return ignore('node_announcement for a node without channels');
    }
    if (node.announcement && node.announcement.timestamp >= n.timestamp) return ignore('node_announcement not newer', true);
    if (Features.fromBytes('node', n.features).unknownRequiredBits().length > 0) return ignore('node_announcement requires unknown features');
    const own = this.isOurs(n.nodeId);
    const late = this.timeCheck('node_announcement', n.timestamp, nodeKey, own);
    if (late) return late;
    const s = this.signed(m);
    const payload = s.payload;
    if (!this.verify(s, n.signature, n.nodeId)) {
      return new LightningError('Invalid signature on node_announcement', {
        kind: 'disconnect-with-warning',
        send: { channelId: new Uint8Array(32), data: 'Invalid signature on node_announcement' },
      });
    }
    const parsed = parseAddresses(n.addresses);
    if (parsed instanceof DecodeError) {
      // BOLT 7: `addrlen` too short for the descriptors it holds — warn; the message is not used.
      return warn(`node_announcement addresses: ${parsed.message}`, 'Malformed addresses in node_announcement');
    }
    const info = { timestamp: n.timestamp, features: n.features, rgbColor: n.rgbColor, alias: n.alias, addresses: n.addresses, netAddresses: parsed.addresses, message: payload };
    if (!this.graph.updateNode(n.nodeId, info)) return false;
    if (this.nowSecs !== undefined && !own) this.rateLimiter.take(nodeKey, this.nowSecs);
    // BOLT 7: an announcement with more than one DNS hostname is kept but MUST NOT be forwarded.
    if (parsed.multipleHostnames || (n.excessData?.length ?? 0) > this.limits.maxExcessBytesForRelay) return false;
    this.relay.relay([{ msg: m, bytes: payload.length + 2 }], { from, about: n.nodeId, timestamp: n.timestamp, own: own || this.isOurs(from) });
    return true;
  }
}
