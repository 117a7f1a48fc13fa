/**
 * Spam bounds of the gossip handler: how much work and memory one peer (and all peers together)
 * can make `NetGraphMsgHandler` spend, and the per-channel rate limit on `channel_update`s
 * (BOLT 7 §"The channel_update Message": a receiver MAY discard updates far in the future, and
 * §"Rebroadcasting" leaves the rebroadcast rate to the node). Every bound drops or ignores
 * gossip; none disconnects a peer or throws.
 * @module
 */

/** The bounds `NetGraphMsgHandler` enforces; every field has a default in {@link DEFAULT_GOSSIP_LIMITS}. */
export interface GossipLimits {
  /** `channel_announcement`s one peer may have waiting on an asynchronous `chain.Access` lookup. */
  readonly maxPendingLookupsPerPeer: number;
  /** The same, over all peers. */
  readonly maxPendingLookups: number;
  /** `channel_update`s / `node_announcement`s one peer may have queued behind those lookups. */
  readonly maxQueuedBehindLookupsPerPeer: number;
  /** The same, over all peers. */
  readonly maxQueuedBehindLookups: number;
  /**
   * Bytes of relayed gossip queued for one peer; past it relayed gossip is dropped for that peer
   * (LDK's `OUTBOUND_BUFFER_SIZE_LIMIT_DROP_GOSSIP`, 128 KiB). Our own gossip is never dropped.
   */
  readonly relayQueueBytesPerPeer: number;
  /** Peers answered a `query_channel_range` at the same time (each holds a sorted id list); the rest wait their turn. */
  readonly maxConcurrentRangeReplies: number;
  /** Peers we run an initial sync (`query_channel_range` + `query_short_channel_ids`) with at once (LDK: the first few). */
  readonly maxSyncPeers: number;
  /** Seconds (caller's clock) our sync waits for a reply to its outstanding query before giving the peer up. */
  readonly syncStallSecs: number;
  /** Short channel ids per `query_short_channel_ids` we send. */
  readonly scidsPerQuery: number;
  /** Unknown short channel ids from one peer's `reply_channel_range`s that we remember to query. */
  readonly maxWantedScidsPerPeer: number;
  /** Updates a channel direction (or a node's announcements) may burst before the rate limit applies. */
  readonly updateBurst: number;
  /** Seconds (of the caller's clock) to earn one more update after the burst. */
  readonly updateIntervalSecs: number;
  /** A `channel_update`/`node_announcement` this far past the caller's clock is discarded (LDK: a day). */
  readonly maxFutureSecs: number;
  /**
   * Gossip whose unknown trailing data (`excessData`) is longer than this is kept but not relayed
   * (LDK's `MAX_EXCESS_BYTES_FOR_RELAY`), so no peer can make us forward near-64 KiB messages.
   */
  readonly maxExcessBytesForRelay: number;
}

/**
 * Defaults. The lookup caps are ~2 queries' worth of `scidsPerQuery`, so our own sync never
 * outruns them; the update rate (a burst of 10, then one a minute per channel direction) is lnd's.
 */
export const DEFAULT_GOSSIP_LIMITS: GossipLimits = {
  maxPendingLookupsPerPeer: 1000,
  maxPendingLookups: 4000,
  maxQueuedBehindLookupsPerPeer: 2000,
  maxQueuedBehindLookups: 8000,
  relayQueueBytesPerPeer: 128 * 1024,
  maxConcurrentRangeReplies: 4,
  maxSyncPeers: 3,
  syncStallSecs: 300,
  scidsPerQuery: 500,
  maxWantedScidsPerPeer: 100_000,
  updateBurst: 10,
  updateIntervalSecs: 60,
  maxFutureSecs: 24 * 3600,
  maxExcessBytesForRelay: 1024,
};

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * A token bucket per key (a channel direction, a node) over the caller's clock: `burst` updates at
 * once, then one per `intervalSecs`. The core has no clock, so time only moves when the caller
 * says; signed timestamps are not used, as the origin chooses them.
 */
export class GossipRateLimiter {
  private readonly buckets = new Map<bigint | string, Bucket>();

  constructor(
    private readonly burst: number,
    private readonly intervalSecs: number,
  ) {}

  private tokens(b: Bucket | undefined, nowSecs: number): number {
    if (!b) return this.burst;
    return Math.min(this.burst, b.tokens + Math.max(0, nowSecs - b.at) / this.intervalSecs);
  }

  /** True when `key` may have one more update at `nowSecs` (nothing is taken). */
  allows(key: bigint | string, nowSecs: number): boolean {
    return this.tokens(this.buckets.get(key), nowSecs) >= 1;
  }

  /** Spends one update of `key`'s allowance. */
  take(key: bigint | string, nowSecs: number): void {
    this.buckets.set(key, { tokens: this.tokens(this.buckets.get(key), nowSecs) - 1, at: nowSecs });
  }

  /** Forgets buckets that have refilled (they behave as absent), keeping memory to active keys. */
  prune(nowSecs: number): void {
    for (const [k, b] of this.buckets) if (this.tokens(b, nowSecs) >= this.burst) this.buckets.delete(k);
  }

  /** Number of keys tracked. */
  get size(): number {
    return this.buckets.size;
  }
}
