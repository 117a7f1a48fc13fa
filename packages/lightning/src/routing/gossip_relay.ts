/**
 * What `NetGraphMsgHandler` sends each peer besides direct answers: relayed gossip (BOLT 7
 * §"Rebroadcasting"), the stored gossip matching a new `gossip_timestamp_filter` (the backfill,
 * §"The gossip_timestamp_filter Message"), and the replies to its queries (§"Query Messages").
 * Nothing is pushed: `PeerManager` pulls the next few messages whenever the peer's outbound
 * queue runs low, so a whole-graph backfill or an 8,000-id query costs a cursor, not a queue.
 * @module
 */
import { ChannelAnnouncement, ChannelUpdate, type GossipTimestampFilter, NodeAnnouncement, type QueryChannelRange, type ReplyChannelRange } from '../ln/msgs/bolt07.js';
import type { WireMessage } from '../ln/msgs/index.js';
import { equalBytes } from '../util/bytes.js';
import { toHex } from '../util/hex.js';
import type { Logger } from '../util/logger.js';
import { channelRangeReplies, decodeStored, type ShortChannelIdsQuery, shortChannelIdsReplies } from './gossip_queries.js';
import type { ChannelInfo, DirectionalChannelInfo, NetworkGraph, NodeInfo } from './network_graph.js';

/** A `gossip_timestamp_filter` as a half-open range of timestamps: `first` ≤ t < `end`. */
export interface TimestampRange {
  readonly first: number;
  readonly end: number;
}

/** Every timestamp: what a peer without `gossip_queries` gets (BOLT 7 relays to it unfiltered). */
export const ALL_TIMESTAMPS: TimestampRange = { first: 0, end: 2 ** 32 };

/** A message to relay with its encoded size, which is what bounds a peer's relay queue. */
export interface RelayMessage {
  readonly msg: WireMessage;
  readonly bytes: number;
}

/** Where relayed gossip came from and what it is about. */
export interface RelayOrigin {
  /** The peer that sent it: never sent back to it. */
  readonly from: Uint8Array | undefined;
  /** A node the gossip is about (a `node_announcement`'s node): it is not told about itself. */
  readonly about?: Uint8Array;
  /** The timestamp filters are checked against (for a channel_announcement, its update's). */
  readonly timestamp: number;
  /** Gossip we generated: BOLT 7 sends it regardless of filters, and it is never dropped. */
  readonly own: boolean;
}

/** How a connected peer takes gossip, from its `init`. */
export interface RelayPeerOptions {
  /** It negotiated `gossip_queries`: nothing is relayed to it until it sends `gossip_timestamp_filter`. */
  readonly gossipQueries: boolean;
  /** Without `gossip_queries`, it set `initial_routing_sync` (bit 3): it is sent the whole graph first. */
  readonly initialRoutingSync: boolean;
  /** Its `init` `networks` include our chain, or it sent none (BOLT 7: no gossip for chains it did not ask for). */
  readonly sameChain: boolean;
}

/** A snapshot of one peer's outbound gossip, for tests and diagnostics. */
export interface PeerGossipState {
  /** The range relayed to it; `undefined` before a `gossip_queries` peer sent its filter. */
  readonly filter: TimestampRange | undefined;
  readonly relayQueued: number;
  readonly relayBytes: number;
  /** Relayed messages dropped because its queue was full. */
  readonly dropped: number;
  readonly backfilling: boolean;
  readonly answeringRange: boolean;
  readonly answeringShortIds: boolean;
}

const inRange = (r: TimestampRange, t: number): boolean => t >= r.first && t < r.end;

function updateIn(r: TimestampRange, d: DirectionalChannelInfo | undefined): d is DirectionalChannelInfo & { message: Uint8Array } {
  return d?.message !== undefined && inRange(r, d.lastUpdate);
}

/**
 * Walks the graph for one filter: each channel with an update in range, as its announcement then
 * those updates, then the announcement of each node with such a channel (BOLT 7: announcements
 * before their updates and node announcements; none without an update). The walk holds live map
 * iterators, so channels added or removed meanwhile are handled as JavaScript maps iterate.
 */
class Backfill {
  private channels: Iterator<ChannelInfo> | undefined;
  private nodes: Iterator<NodeInfo> | undefined;

  constructor(
    private readonly graph: NetworkGraph,
    private readonly range: TimestampRange,
  ) {
    this.channels = graph.allChannels();
  }

  private channelSendable(c: ChannelInfo | undefined): boolean {
    return c?.announcement !== undefined && (updateIn(this.range, c.oneToTwo) || updateIn(this.range, c.twoToOne));
  }

  /** Appends messages until `out` holds at least `max` (a channel's group may run two over); false once the walk is over. */
  fill(out: WireMessage[], max: number): boolean {
    while (out.length < max && this.channels) {
      const n = this.channels.next();
      if (n.done) {
        this.channels = undefined;
        this.nodes = this.graph.allNodes();
        break;
      }
      const c = n.value;
      if (!this.channelSendable(c)) continue;
      const ann = decodeStored(ChannelAnnouncement, c.announcement!);
      if (!ann) continue;
      out.push({ name: 'channel_announcement', msg: ann });
      for (const d of [c.oneToTwo, c.twoToOne]) {
        const u = updateIn(this.range, d) ? decodeStored(ChannelUpdate, d.message) : undefined;
        if (u) out.push({ name: 'channel_update', msg: u });
      }
    }
    while (out.length < max && this.nodes) {
      const n = this.nodes.next();
      if (n.done) {
        this.nodes = undefined;
        break;
      }
      const a = n.value.announcement;
      if (!a?.message || !inRange(this.range, a.timestamp)) continue;
      // Only nodes the peer was just told a channel of: it would ignore the others.
      if (!n.value.channels.some((s) => this.channelSendable(this.graph.channel(s)))) continue;
      const msg = decodeStored(NodeAnnouncement, a.message);
      if (msg) out.push({ name: 'node_announcement', msg });
    }
    return this.channels !== undefined || this.nodes !== undefined;
  }
}

interface OutPeer {
  readonly nodeId: Uint8Array;
  readonly opts: RelayPeerOptions;
  filter: TimestampRange | undefined;
  readonly relay: RelayMessage[];
  relayHead: number;
  relayBytes: number;
  dropped: number;
  backfill: Backfill | undefined;
  /** A `query_channel_range` waiting for a reply slot, then its replies being sent. */
  rangeQuery: QueryChannelRange | undefined;
  rangeReplies: Iterator<WireMessage> | undefined;
  shortIdReplies: Iterator<WireMessage> | undefined;
}

/** Per-peer outbound gossip: filters, relay queues, backfills and owed query replies. */
export class GossipRelay {
  private readonly peers = new Map<string, OutPeer>();
  private activeRangeReplies = 0;

  constructor(
    private readonly graph: NetworkGraph,
    private readonly logger: Logger,
    private readonly limits: { readonly relayQueueBytesPerPeer: number; readonly maxConcurrentRangeReplies: number },
  ) {}

  /** A peer completed `init`. */
  addPeer(nodeId: Uint8Array, opts: RelayPeerOptions): void {
    this.removePeer(nodeId);
    const p: OutPeer = {
      nodeId: nodeId.slice(),
      opts,
      filter: opts.gossipQueries || !opts.sameChain ? undefined : ALL_TIMESTAMPS,
      relay: [],
      relayHead: 0,
      relayBytes: 0,
      dropped: 0,
      backfill: undefined,
      rangeQuery: undefined,
      rangeReplies: undefined,
      shortIdReplies: undefined,
    };
    if (p.filter && opts.initialRoutingSync) p.backfill = new Backfill(this.graph, ALL_TIMESTAMPS);
    this.peers.set(toHex(nodeId), p);
  }

  /** The peer is gone: its queues, cursors and reply slot are freed. */
  removePeer(nodeId: Uint8Array): void {
    const k = toHex(nodeId);
    const p = this.peers.get(k);
    if (!p) return;
    if (p.rangeReplies) this.activeRangeReplies--;
    this.peers.delete(k);
  }

  /** Number of connected peers (none: accepted gossip needs no relay work at all). */
  get peerCount(): number {
    return this.peers.size;
  }

  /** True when the peer is known (completed `init` and not gone). */
  hasPeer(nodeId: Uint8Array): boolean {
    return this.peers.has(toHex(nodeId));
  }

  /**
   * The peer's `gossip_timestamp_filter` replaces any earlier one (BOLT 7) and starts sending it
   * the stored gossip in the new range. A filter for another chain asks for none of ours.
   */
  setFilter(nodeId: Uint8Array, f: GossipTimestampFilter): void {
    const p = this.peers.get(toHex(nodeId));
    if (!p) return;
    const range: TimestampRange =
      equalBytes(f.chainHash, this.graph.chainHash) && p.opts.sameChain
        ? { first: f.firstTimestamp, end: f.firstTimestamp + f.timestampRange }
        : { first: 0, end: 0 };
    // Some nodes resend the same filter; restarting the walk would only resend what it has sent.
    if (p.filter && p.filter.first === range.first && p.filter.end === range.end) return;
    p.filter = range;
    p.backfill = range.end > range.first ? new Backfill(this.graph, range) : undefined;
  }

  /**
   * Queues `group` (sent in order, e.g. a channel_announcement then its first update) for every
   * peer but the sender whose filter holds `origin.timestamp`. A peer whose queue is full loses
   * the group (counted in `dropped`), unless it is our own gossip.
   */
  relay(group: readonly RelayMessage[], origin: RelayOrigin): void {
    if (this.peers.size === 0 || group.length === 0) return;
    const size = group.reduce((n, m) => n + m.bytes, 0);
    for (const p of this.peers.values()) {
      if (origin.from && equalBytes(p.nodeId, origin.from)) continue;
      if (origin.about && equalBytes(p.nodeId, origin.about)) continue;
      if (!origin.own && (!p.filter || !inRange(p.filter, origin.timestamp))) continue;
      if (!origin.own && p.relayBytes + size > this.limits.relayQueueBytesPerPeer) {
        p.dropped += group.length;
        this.logger.log({ level: 'trace', module: 'gossip', message: `relay queue full, dropping ${group[0]!.msg.name}`, peerId: p.nodeId });
        continue;
      }
      for (const m of group) p.relay.push(m);
      p.relayBytes += size;
    }
  }

  /**
   * Takes a `query_channel_range` to answer as the peer drains. False when a previous one is
   * still being answered (BOLT 7 lets the receiver warn then; the query is not taken).
   */
  answerRange(nodeId: Uint8Array, q: QueryChannelRange): boolean {
    const p = this.peers.get(toHex(nodeId));
    if (!p) return true;
    if (p.rangeQuery) return false;
    p.rangeQuery = q;
    return true;
  }

  /** Takes a checked `query_short_channel_ids` to answer as the peer drains; false while one is being answered. */
  answerShortIds(nodeId: Uint8Array, q: ShortChannelIdsQuery): boolean {
    const p = this.peers.get(toHex(nodeId));
    if (!p) return true;
    if (p.shortIdReplies) return false;
    p.shortIdReplies = shortChannelIdsReplies(this.graph, q);
    return true;
  }

  /**
   * The next messages for the peer, at most `max` (a backfilled channel may add two): relayed
   * gossip first, then query replies, then the backfill. Empty when there is nothing to send now.
   */
  next(nodeId: Uint8Array, max: number): WireMessage[] {
    const p = this.peers.get(toHex(nodeId));
    const out: WireMessage[] = [];
    if (!p || max <= 0) return out;
    while (out.length < max && p.relayHead < p.relay.length) {
      const m = p.relay[p.relayHead++]!;
      p.relayBytes -= m.bytes;
      out.push(m.msg);
    }
    if (p.relayHead === p.relay.length) {
      p.relay.length = 0;
      p.relayHead = 0;
    } else if (p.relayHead > 1024) {
      p.relay.splice(0, p.relayHead);
      p.relayHead = 0;
    }
    if (p.shortIdReplies && !drain(p.shortIdReplies, out, max)) p.shortIdReplies = undefined;
    if (out.length < max && p.rangeQuery) {
      if (!p.rangeReplies && this.activeRangeReplies < this.limits.maxConcurrentRangeReplies) {
        p.rangeReplies = asReplies(channelRangeReplies(this.graph, p.rangeQuery));
        this.activeRangeReplies++;
      }
      if (p.rangeReplies && !drain(p.rangeReplies, out, max)) {
        p.rangeReplies = undefined;
        p.rangeQuery = undefined;
        this.activeRangeReplies--;
      }
    }
    if (out.length < max && p.backfill && !p.backfill.fill(out, max)) {
      p.backfill = undefined;
      this.logger.log({ level: 'debug', module: 'gossip', message: 'backfill complete', peerId: p.nodeId });
    }
    return out;
  }

  /** What is pending for the peer, or `undefined` for an unknown peer. */
  state(nodeId: Uint8Array): PeerGossipState | undefined {
    const p = this.peers.get(toHex(nodeId));
    if (!p) return undefined;
    return {
      filter: p.filter,
      relayQueued: p.relay.length - p.relayHead,
      relayBytes: p.relayBytes,
      dropped: p.dropped,
      backfilling: p.backfill !== undefined,
      answeringRange: p.rangeQuery !== undefined,
      answeringShortIds: p.shortIdReplies !== undefined,
    };
  }
}

function* asReplies(it: Iterable<ReplyChannelRange>): Generator<WireMessage, void, undefined> {
  for (const msg of it) yield { name: 'reply_channel_range', msg };
}

/** Moves messages from `it` into `out` up to `max`; false once `it` is exhausted. */
function drain(it: Iterator<WireMessage>, out: WireMessage[], max: number): boolean {
  while (out.length < max) {
    const n = it.next();
    if (n.done) return false;
    out.push(n.value);
  }
  return true;
}
