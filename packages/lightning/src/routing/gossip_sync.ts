/**
 * Our side of the BOLT 7 gossip sync (§"Query Messages", §"The gossip_timestamp_filter
 * Message"): when a `gossip_queries` peer connects we send it a `gossip_timestamp_filter` (so it
 * relays to us at all) and, with the first few such peers, a `query_channel_range` for the whole
 * chain; the ids it lists that we do not know are asked for with `query_short_channel_ids`, a
 * batch at a time with one query in flight per peer, as BOLT 7 requires.
 *
 * The core has no clock: the filter's `first_timestamp` is two weeks before the caller's time for
 * a peer we sync from and an hour before it for the others (as LDK), or 0 — everything — while
 * the caller has not said what time it is.
 * @module
 */
import type { ReplyChannelRange, ReplyShortChannelIdsEnd } from '../ln/msgs/bolt07.js';
import { equalBytes } from '../util/bytes.js';
import { DecodeError, LightningError } from '../util/errors.js';
import type { MessageSendEvent } from '../util/events.js';
import { toHex } from '../util/hex.js';
import type { Logger } from '../util/logger.js';
import { decodeShortIds, encodeShortIds } from './gossip_queries.js';

/** How far back a syncing peer's filter reaches: the BOLT 7 staleness horizon of two weeks. */
export const SYNC_FILTER_BACK_SECS = 14 * 24 * 3600;
/** How far back the filter for a peer we do not sync from reaches (LDK: an hour). */
export const RELAY_FILTER_BACK_SECS = 3600;

const WHOLE_CHAIN = { firstBlocknum: 0, numberOfBlocks: 0xffffffff };

interface SyncPeer {
  readonly nodeId: Uint8Array;
  /** Our `query_channel_range` whose replies are still coming: its end block (exclusive). */
  rangeEnd: number | undefined;
  /** Unknown ids to ask for, in the order we learnt them. */
  readonly wanted: bigint[];
  wantedHead: number;
  readonly wantedSet: Set<bigint>;
  /** Ids beyond `maxWantedScidsPerPeer` that were not remembered. */
  overflow: number;
  /** A `query_short_channel_ids` was sent and its `reply_short_channel_ids_end` has not come. */
  inFlight: boolean;
  /** The caller's time of the last query or reply; `undefined` until a clock is known. */
  lastProgressSecs: number | undefined;
}

/** The sync bounds (see `GossipLimits`). */
export interface SyncLimits {
  readonly maxSyncPeers: number;
  readonly syncStallSecs: number;
  readonly scidsPerQuery: number;
  readonly maxWantedScidsPerPeer: number;
}

function ignore(message: string): LightningError {
  return new LightningError(message, { kind: 'ignore', log: 'debug' });
}

/** Runs the initial sync with a few peers and answers their replies with further queries. */
export class GossipSync {
  private readonly syncing = new Map<string, SyncPeer>();
  private pending: MessageSendEvent[] = [];

  constructor(
    private readonly chainHash: Uint8Array,
    private readonly logger: Logger,
    private readonly limits: SyncLimits,
    /** True when the channel is in the graph or being checked: no need to ask for it. */
    private readonly known: (scid: bigint) => boolean,
  ) {}

  /**
   * A peer that negotiated `gossip_queries` completed `init`: send our filter and, while fewer
   * than `maxSyncPeers` syncs run, start one with it.
   */
  peerConnected(nodeId: Uint8Array, nowSecs: number | undefined): void {
    const sync = this.syncing.size < this.limits.maxSyncPeers;
    const back = sync ? SYNC_FILTER_BACK_SECS : RELAY_FILTER_BACK_SECS;
    const firstTimestamp = nowSecs === undefined ? 0 : Math.max(0, Math.min(0xffffffff, Math.floor(nowSecs) - back));
    this.send(nodeId, { name: 'gossip_timestamp_filter', msg: { chainHash: this.chainHash, firstTimestamp, timestampRange: 0xffffffff } });
    if (!sync) return;
    this.syncing.set(toHex(nodeId), {
      nodeId: nodeId.slice(),
      rangeEnd: WHOLE_CHAIN.firstBlocknum + WHOLE_CHAIN.numberOfBlocks,
      wanted: [],
      wantedHead: 0,
      wantedSet: new Set(),
      overflow: 0,
      inFlight: false,
      lastProgressSecs: nowSecs,
    });
    this.send(nodeId, { name: 'query_channel_range', msg: { chainHash: this.chainHash, ...WHOLE_CHAIN } });
  }

  /** The peer is gone; its sync slot frees up for the next peer to connect. */
  peerDisconnected(nodeId: Uint8Array): void {
    this.syncing.delete(toHex(nodeId));
  }

  /** True while we sync from the peer. */
  isSyncing(nodeId: Uint8Array): boolean {
    return this.syncing.has(toHex(nodeId));
  }

  /** Ids from the peer's replies still waiting to be queried. */
  wantedCount(nodeId: Uint8Array): number {
    const s = this.syncing.get(toHex(nodeId));
    return s ? s.wanted.length - s.wantedHead : 0;
  }

  private send(nodeId: Uint8Array, msg: Extract<MessageSendEvent, { kind: 'send-message' }>['msg']): void {
    this.pending.push({ kind: 'send-message', nodeId, msg });
  }

  /**
   * A `reply_channel_range`: remember the ids we do not know (up to `maxWantedScidsPerPeer`) and
   * finish the range once a reply reaches the end of what we asked for (BOLT 7 §Rationale: replies
   * are in order, so coverage tells the end).
   */
  onReplyChannelRange(nodeId: Uint8Array, r: ReplyChannelRange, nowSecs: number | undefined): LightningError | undefined {
    const s = this.syncing.get(toHex(nodeId));
    if (!s || s.rangeEnd === undefined) return ignore('reply_channel_range to no query of ours');
    s.lastProgressSecs = nowSecs;
    if (!equalBytes(r.chainHash, this.chainHash)) {
      s.rangeEnd = undefined;
      this.maybeFinish(s);
      return ignore('reply_channel_range for another chain');
    }
    const ids = decodeShortIds(r.encodedShortIds);
    if (ids instanceof DecodeError) {
      s.rangeEnd = undefined;
      this.maybeFinish(s);
      return new LightningError(`reply_channel_range: ${ids.message}`, {
        kind: 'send-warning',
        send: { channelId: new Uint8Array(32), data: 'Malformed reply_channel_range' },
        log: 'debug',
      });
    }
    for (const scid of ids) {
      if (this.known(scid) || s.wantedSet.has(scid)) continue;
      if (s.wantedSet.size >= this.limits.maxWantedScidsPerPeer) {
        s.overflow++;
        continue;
      }
      s.wanted.push(scid);
      s.wantedSet.add(scid);
    }
    if (r.firstBlocknum + r.numberOfBlocks >= s.rangeEnd) {
      s.rangeEnd = undefined;
      if (s.overflow > 0) {
        this.logger.log({ level: 'info', module: 'gossip', message: `reply_channel_range listed ${s.overflow} more unknown channels than we keep`, peerId: s.nodeId });
      }
      this.maybeFinish(s);
    }
    return undefined;
  }

  /** The end of the answer to our `query_short_channel_ids`: the next batch may go. */
  onReplyShortChannelIdsEnd(nodeId: Uint8Array, r: ReplyShortChannelIdsEnd, nowSecs: number | undefined): LightningError | undefined {
    const s = this.syncing.get(toHex(nodeId));
    if (!s?.inFlight) return ignore('reply_short_channel_ids_end to no query of ours');
    s.inFlight = false;
    s.lastProgressSecs = nowSecs;
    if (!equalBytes(r.chainHash, this.chainHash) || r.fullInformation === 0) {
      // BOLT 7: full_information = 0 says to look elsewhere; stop asking this peer.
      this.logger.log({ level: 'debug', module: 'gossip', message: 'peer lacks full information; sync with it ends', peerId: s.nodeId });
      s.wanted.length = 0;
      s.wantedHead = 0;
      s.wantedSet.clear();
    }
    this.maybeFinish(s);
    return undefined;
  }

  /**
   * The caller's clock moved: a sync whose peer has not answered our outstanding query for
   * `syncStallSecs` is given up, freeing its slot (some peers, LDK among them, never answer
   * `query_short_channel_ids`). A query sent before any clock was known starts counting now.
   */
  expire(nowSecs: number): void {
    for (const s of [...this.syncing.values()]) {
      if (s.rangeEnd === undefined && !s.inFlight) continue;
      s.lastProgressSecs ??= nowSecs;
      if (nowSecs - s.lastProgressSecs < this.limits.syncStallSecs) continue;
      this.syncing.delete(toHex(s.nodeId));
      this.logger.log({ level: 'info', module: 'gossip', message: `gossip sync with peer stalled for ${nowSecs - s.lastProgressSecs}s; giving up`, peerId: s.nodeId });
    }
  }

  private maybeFinish(s: SyncPeer): void {
    if (s.rangeEnd !== undefined || s.inFlight || s.wantedHead < s.wanted.length) return;
    this.syncing.delete(toHex(s.nodeId));
    this.logger.log({ level: 'info', module: 'gossip', message: 'initial gossip sync with peer complete', peerId: s.nodeId });
  }

  /**
   * The events to send now: our filters and range queries, and for each syncing peer with no
   * query in flight and `mayQuery` true (its announcements are not piling up behind chain
   * lookups), the next `query_short_channel_ids` of up to `scidsPerQuery` ids, ascending.
   */
  takeEvents(mayQuery: (nodeId: Uint8Array) => boolean, nowSecs: number | undefined): MessageSendEvent[] {
    for (const s of [...this.syncing.values()]) {
      if (s.inFlight || s.wantedHead >= s.wanted.length || !mayQuery(s.nodeId)) continue;
      const batch: bigint[] = [];
      while (batch.length < this.limits.scidsPerQuery && s.wantedHead < s.wanted.length) {
        const scid = s.wanted[s.wantedHead++]!;
        s.wantedSet.delete(scid);
        // Another peer may have told us about it meanwhile.
        if (!this.known(scid)) batch.push(scid);
      }
      // Compact, so a peer streaming replies while we query cannot grow the array past the cap.
      if (s.wantedHead === s.wanted.length || s.wantedHead > 4096) {
        s.wanted.splice(0, s.wantedHead);
        s.wantedHead = 0;
      }
      if (batch.length === 0) {
        this.maybeFinish(s);
        continue;
      }
      batch.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      s.inFlight = true;
      s.lastProgressSecs = nowSecs;
      this.send(s.nodeId, { name: 'query_short_channel_ids', msg: { chainHash: this.chainHash, encodedShortIds: encodeShortIds(batch) } });
    }
    const out = this.pending;
    this.pending = [];
    return out;
  }
}
