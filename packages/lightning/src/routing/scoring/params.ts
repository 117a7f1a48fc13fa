/**
 * Parameters of the {@link ProbabilisticScorer} (LDK's `ProbabilisticScoringFeeParameters` and
 * `ProbabilisticScoringDecayParameters` in `lightning/src/routing/scoring.rs`). The defaults are
 * LDK 0.1's (read from the v0.1.12 tag, the same as at v0.1): note that LDK 0.1 lowered the
 * liquidity-offset half-life from 6 hours (0.0.116 – 0.0.125) to 30 minutes.
 * @module
 */

/**
 * What a channel's penalty is made of (LDK's `ProbabilisticScoringFeeParameters`). All values are
 * msat-equivalent costs. The penalty of a channel is the sum of:
 * - `basePenaltyMsat + basePenaltyAmountMultiplierMsat × amount / 2^30`;
 * - `−log10(p) × (liquidityPenaltyMultiplierMsat + liquidityPenaltyAmountMultiplierMsat × amount / 2^20)`
 *   with `p` the success probability from the current liquidity bounds, `−log10(p)` capped at 2
 *   (and taken as 0 when the failure probability is below 1/64, as LDK does);
 * - the same with the `historical*` multipliers and `p` from the liquidity-bound history (or, with
 *   no history, from the capacity alone, scaled down by 64/78 as LDK does for "never succeeded");
 * - `antiProbingPenaltyMsat` when the direction's `htlc_maximum_msat` ≥ half the funding capacity;
 * - `consideredImpossiblePenaltyMsat` when the amount (with in-flight HTLCs) is at or above the
 *   upper liquidity bound.
 */
export interface ProbabilisticScoringFeeParameters {
  /** Fixed penalty per channel. LDK 0.1 default: 1,024 msat (≈ 1 sat to avoid a hop). */
  readonly basePenaltyMsat: number;
  /** Multiplier of `amount / 2^30` added per channel. LDK 0.1 default: 131,072 msat (0.125 bps). */
  readonly basePenaltyAmountMultiplierMsat: number;
  /** Multiplier of `−log10(p)` from the current bounds. LDK 0.1 default: 0 (disabled). */
  readonly liquidityPenaltyMultiplierMsat: number;
  /** Multiplier of `−log10(p) × amount / 2^20` from the current bounds. LDK 0.1 default: 0 (disabled). */
  readonly liquidityPenaltyAmountMultiplierMsat: number;
  /** Multiplier of `−log10(p)` from the bound history. LDK 0.1 default: 10,000 msat. */
  readonly historicalLiquidityPenaltyMultiplierMsat: number;
  /** Multiplier of `−log10(p) × amount / 2^20` from the bound history. LDK 0.1 default: 1,250 msat. */
  readonly historicalLiquidityPenaltyAmountMultiplierMsat: number;
  /**
   * Penalties by the hex node id of a channel's *target* (replacing every other term for public
   * channels towards that node); `Infinity` bans the node. LDK's `manual_node_penalties`. Default: empty.
   */
  readonly manualNodePenalties: ReadonlyMap<string, number>;
  /** Added when `htlc_maximum_msat ≥ capacity / 2` (balance probing is easier). LDK 0.1 default: 250 msat. */
  readonly antiProbingPenaltyMsat: number;
  /**
   * Added when the amount is at or above the upper liquidity bound (`Infinity` forbids such
   * channels). LDK 0.1 default: 100,000,000,000 msat (1 BTC).
   */
  readonly consideredImpossiblePenaltyMsat: number;
  /**
   * Liquidity uniformly distributed between the bounds when true; otherwise LDK's PDF
   * `128·(1/256 + 9·(x − 0.5)^8)` (liquidity usually sits at a channel's edges). LDK 0.1 default: false.
   */
  readonly linearSuccessProbability: boolean;
}

/** LDK 0.1's `ProbabilisticScoringFeeParameters::default()`. */
export function defaultFeeParameters(): ProbabilisticScoringFeeParameters {
  return {
    basePenaltyMsat: 1024,
    basePenaltyAmountMultiplierMsat: 131_072,
    liquidityPenaltyMultiplierMsat: 0,
    liquidityPenaltyAmountMultiplierMsat: 0,
    historicalLiquidityPenaltyMultiplierMsat: 10_000,
    historicalLiquidityPenaltyAmountMultiplierMsat: 1_250,
    manualNodePenalties: new Map(),
    antiProbingPenaltyMsat: 250,
    consideredImpossiblePenaltyMsat: 100_000_000_000,
    linearSuccessProbability: false,
  };
}

/**
 * How fast learned liquidity is forgotten (LDK's `ProbabilisticScoringDecayParameters`), applied
 * by {@link ProbabilisticScorer.timePassed} against the caller's clock (seconds).
 */
export interface ProbabilisticScoringDecayParameters {
  /**
   * Half-life of the bounds' distance from "knowing nothing": each half-life halves the lower
   * bound and moves the upper bound half-way back to the capacity. 0: forgotten at the next
   * `timePassed`. LDK 0.1 default: 1,800 s (30 minutes).
   */
  readonly liquidityOffsetHalfLifeSecs: number;
  /**
   * When a channel's history got no datapoint for this long, its buckets are halved (per elapsed
   * half-life); after about 16 half-lives nothing is left. LDK 0.1 default: 1,209,600 s (14 days).
   */
  readonly historicalNoUpdatesHalfLifeSecs: number;
}

/** LDK 0.1's `ProbabilisticScoringDecayParameters::default()`. */
export const DEFAULT_DECAY_PARAMETERS: ProbabilisticScoringDecayParameters = Object.freeze({
  liquidityOffsetHalfLifeSecs: 30 * 60,
  historicalNoUpdatesHalfLifeSecs: 14 * 24 * 3600,
});

/**
 * Capacity assumed for a channel whose capacity is unknown (`capacityKind: 'unknown'`): LDK's
 * `UNKNOWN_CHANNEL_CAPACITY_MSAT`, 250,000 sat.
 */
export const UNKNOWN_CHANNEL_CAPACITY_MSAT = 250_000 * 1000;
