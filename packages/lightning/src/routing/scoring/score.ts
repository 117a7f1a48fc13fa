/**
 * What the router asks a scorer, and what payment outcomes tell it (LDK's `ScoreLookUp` /
 * `ScoreUpdate` in `lightning/src/routing/scoring.rs`). The router adds a scorer's penalty to each
 * channel's fee when it compares paths, so a scorer steers payments away from channels that are
 * likely to fail without changing what the hops are paid.
 *
 * Amounts are `number` msat here (not bigint): the router calls {@link ScoreLookUp.channelPenaltyMsat}
 * for every channel it relaxes, and every amount that can exist on one channel (< 2^53 msat, about
 * 90,000 BTC) is exact in a double. Penalties are costs to compare, not money paid.
 * @module
 */
import type { Path } from '../route.js';

/**
 * How much is known about a channel's capacity in the direction being scored (LDK's
 * `EffectiveCapacity`):
 * - `exact`: our own channel; `capacityMsat` is exactly what it can send now;
 * - `total`: the funding output's value is known (a `chain.Access` checked it);
 * - `htlc-maximum`: only the direction's `htlc_maximum_msat` is known (gossip without chain access);
 * - `hint`: a route hint's `htlc_maximum_msat` (or none: then `capacityMsat` is `Infinity`);
 * - `unknown`: nothing is known; `capacityMsat` is `Infinity`.
 */
export type CapacityKind = 'exact' | 'total' | 'htlc-maximum' | 'hint' | 'unknown';

/**
 * One channel direction as the router is about to use it (LDK's `ChannelUsage`). The router may
 * reuse one object for every call: a scorer must not keep it.
 */
export interface ChannelUsage {
  /** What this path would send over the channel (msat). */
  amountMsat: number;
  /** What other parts of the same payment already send over it (msat). */
  inflightHtlcMsat: number;
  /** The capacity estimate of {@link capacityKind} (msat), `Infinity` when unknown. */
  capacityMsat: number;
  capacityKind: CapacityKind;
  /**
   * The direction's `htlc_maximum_msat` (msat), when the router has it at hand: for `total`
   * capacity the probabilistic scorer adds its anti-probing penalty when it is at least half the
   * capacity. Optional: without it (`undefined`) the scorer reads it from the graph. A reused
   * usage object must set it for every channel or for none.
   */
  htlcMaximumMsat?: number;
}

/** Read side of a scorer: the router's cost term. */
export interface ScoreLookUp {
  /**
   * The penalty (msat-equivalent cost, ≥ 0) for sending `usage.amountMsat` over channel
   * `shortChannelId` in direction `oneToTwo` (true: from the lexicographically lesser node id to
   * the greater, BOLT 7 `channel_flags` direction bit 0). `Infinity` forbids the channel.
   */
  channelPenaltyMsat(shortChannelId: bigint, oneToTwo: boolean, usage: ChannelUsage): number;
  /**
   * Optional: a lower bound of {@link channelPenaltyMsat} for any gossip channel (capacity kinds
   * `total`, `htlc-maximum`, `unknown`) carrying at least `amountMsat`. The router uses it as an
   * A* estimate of what the rest of a path must cost, so it must never exceed a real penalty.
   */
  minimumPenaltyMsat?(amountMsat: number): number;
}

/**
 * Write side of a scorer: payment and probe outcomes (LDK's `ScoreUpdate`). `nowSecs` is the
 * caller's clock (the core reads none); a scorer decays what it learned as that time advances.
 */
export interface ScoreUpdate {
  /** A payment path failed at channel `shortChannelId` (the one whose source reported the failure's cause). */
  paymentPathFailed(path: Path, shortChannelId: bigint, nowSecs: number): void;
  /** A payment path succeeded: every channel on it carried its amount. */
  paymentPathSuccessful(path: Path, nowSecs: number): void;
  /** A probe failed at `shortChannelId` (the channels before it had the liquidity). */
  probeFailed(path: Path, shortChannelId: bigint, nowSecs: number): void;
  /** A probe reached the end of its path. */
  probeSuccessful(path: Path, nowSecs: number): void;
  /** Time moved on to `nowSecs` without a payment outcome: decay what was learned. */
  timePassed(nowSecs: number): void;
}

/** A scorer the router reads and payment outcomes update; `write` so it survives a restart. */
export interface Score extends ScoreLookUp, ScoreUpdate {
  /** Serialized state, to be read back by the implementation's `read`. */
  write(): Uint8Array;
}
