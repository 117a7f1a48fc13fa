/**
 * The history of a channel's liquidity bounds (LDK 0.1's `bucketed_history` module in
 * `lightning/src/routing/scoring.rs`): for each of the lower-bound and upper-bound offsets, 32
 * leaky buckets over the channel's capacity, narrow at the edges (2^-14 of the capacity) and an
 * eighth wide in the middle. Every update adds 1.0 (32 in 5-bit fixed point) to the bucket of the
 * current lower-bound offset and to that of the upper-bound offset, after decaying every bucket of
 * that side by 2047/2048, so a bucket holds the recent frequency of a bound in its range.
 *
 * Storage: one `Uint16Array(64)` per channel, in the node1 → node2 direction: `[0, 32)` the lower
 * bound's offset (from zero), `[32, 64)` the upper bound's offset (from the capacity). The other
 * direction reads them swapped, as LDK's `DirectedHistoricalLiquidityTracker` does.
 * @module
 */
import { successProbability } from './probability.js';

/** Buckets per bound. */
export const BUCKETS = 32;
/** A position is a liquidity in 2^14ths of the capacity (LDK's `POSITION_TICKS`). */
export const POSITION_TICKS = 1 << 14;
/** One datapoint: 1.0 in the buckets' 5-bit fixed point (LDK's `BUCKET_FIXED_POINT_ONE`). */
export const BUCKET_FIXED_POINT_ONE = 32;
/** Less total weight than one full datapoint (32^4 after the 4th-power weighting) means "no history". */
const FULLY_DECAYED = BUCKET_FIXED_POINT_ONE ** 4;

/** Where each bucket starts, in positions (LDK's `BUCKET_START_POS`); the 33rd entry is the end. */
export const BUCKET_START_POS: readonly number[] = Object.freeze([
  0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 3072, 4096, 6144, 8192, 10240, 12288, 13312, 14336, 15360,
  15872, 16128, 16256, 16320, 16352, 16368, 16376, 16380, 16382, 16383, 16384,
]);

/** The position of `amountMsat` in a channel of `capacityMsat` (≥ {@link POSITION_TICKS}: beyond it). */
export function amountToPos(amountMsat: number, capacityMsat: number): number {
  const pos = Math.floor((amountMsat * POSITION_TICKS) / (capacityMsat + 1));
  return pos < POSITION_TICKS ? pos : POSITION_TICKS;
}

function posToBucket(pos: number): number {
  for (let b = 0; b < BUCKETS; b++) if (pos < BUCKET_START_POS[b + 1]!) return b;
  return BUCKETS;
}

/**
 * Adds one datapoint at `offsetMsat` to the 32 buckets starting at `base` (LDK's
 * `HistoricalBucketRangeTracker::track_datapoint`); an offset at or beyond the capacity is ignored.
 */
function trackDatapoint(buckets: Uint16Array, base: number, offsetMsat: number, capacityMsat: number): void {
  const pos = amountToPos(offsetMsat, capacityMsat);
  if (pos >= POSITION_TICKS) return;
  for (let i = base; i < base + BUCKETS; i++) buckets[i] = Math.floor((buckets[i]! * 2047) / 2048);
  const b = base + posToBucket(pos);
  buckets[b] = Math.min(0xffff, buckets[b]! + BUCKET_FIXED_POINT_ONE);
}

/**
 * Records the bounds of one direction (offsets as that direction sees them) in the node1 → node2
 * buckets, swapping sides for the node2 → node1 direction.
 */
export function trackBounds(
  buckets: Uint16Array,
  oneToTwo: boolean,
  minOffsetMsat: number,
  maxOffsetMsat: number,
  capacityMsat: number,
): void {
  trackDatapoint(buckets, oneToTwo ? 0 : BUCKETS, minOffsetMsat, capacityMsat);
  trackDatapoint(buckets, oneToTwo ? BUCKETS : 0, maxOffsetMsat, capacityMsat);
}

/**
 * Halves every bucket per elapsed half-life (LDK 0.1.x's `HistoricalBucketRangeTracker::decay`,
 * as fixed in 0.1.1: `bucket × ⌊1024 · 0.5^halfLives⌋ / 1024`; v0.1.0 divided by `2048^halfLives`
 * instead, which forgot almost everything after two half-lives).
 */
export function decayBuckets(buckets: Uint16Array, halfLives: number): void {
  const factor = Math.floor(1024 * 0.5 ** halfLives);
  for (let i = 0; i < buckets.length; i++) buckets[i] = Math.floor((buckets[i]! * factor) / 1024);
}

/** True when some bucket holds weight (LDK's `has_datapoints`). */
export function hasDatapoints(buckets: Uint16Array): boolean {
  for (let i = 0; i < buckets.length; i++) if (buckets[i] !== 0) return true;
  return false;
}

/**
 * The total weight of every valid (lower, upper) bucket pair, a pair weighing `(min · max)²`, so
 * bucket values count to the 4th power, which LDK found to score better (LDK's
 * `recalculate_valid_point_count`). A pair is valid when the two bounds do not cross
 * (`minIdx + maxIdx < 32`). Direction-independent.
 */
export function validPointCount(buckets: Uint16Array): number {
  let total = 0;
  for (let mi = 0; mi < BUCKETS; mi++) {
    const m = buckets[mi]!;
    if (m === 0) continue;
    for (let xi = 0; xi < BUCKETS - mi; xi++) {
      const w = m * buckets[BUCKETS + xi]!;
      total += w * w;
    }
  }
  return total;
}

/**
 * The probability that `amountMsat` fits, from the history of one direction (LDK's
 * `calculate_success_probability_times_billion`, as a fraction): for every valid pair of a lower-
 * and an upper-bound bucket, the probability as if those were the bounds, weighted by the pair's
 * weight. A lower-bound bucket 0 (usually a failure) is paired only with the highest upper-bound
 * bucket that has data, so repeated failures at decreasing amounts do not make larger amounts look
 * likely. Returns -1 when there is too little history ({@link FULLY_DECAYED}) or the amount is at or
 * beyond the capacity.
 */
export function historicalSuccessProbability(
  buckets: Uint16Array,
  oneToTwo: boolean,
  totalValidPoints: number,
  amountMsat: number,
  capacityMsat: number,
  linear: boolean,
): number {
  const pos = amountToPos(amountMsat, capacityMsat);
  if (pos >= POSITION_TICKS) return -1;
  if (totalValidPoints < FULLY_DECAYED) return -1;
  const minBase = oneToTwo ? 0 : BUCKETS;
  const maxBase = oneToTwo ? BUCKETS : 0;
  const ticksMax = POSITION_TICKS - 1;
  let cumulative = 0;

  const min0 = buckets[minBase]!;
  if (min0 !== 0) {
    let highestWithPoints = 0;
    let highestWithFullPoints = -1;
    let totalWeight = 0;
    for (let xi = 0; xi < BUCKETS; xi++) {
      const x = buckets[maxBase + xi]!;
      if (x >= BUCKET_FIXED_POINT_ONE) highestWithFullPoints = xi;
      if (x !== 0) highestWithPoints = xi;
      const w = x * min0;
      totalWeight += w * w;
    }
    const selected = highestWithFullPoints >= 0 ? highestWithFullPoints : highestWithPoints;
    const maxEnd = BUCKET_START_POS[BUCKETS - selected]! - 1;
    if (pos < maxEnd) {
      cumulative += (totalWeight / totalValidPoints) * successProbability(pos, 0, maxEnd, ticksMax, linear, true);
    }
  }

  for (let mi = 1; mi < BUCKETS; mi++) {
    const m = buckets[minBase + mi]!;
    if (m === 0) continue; // every pair with it weighs nothing
    const minStart = BUCKET_START_POS[mi]!;
    for (let xi = 0; xi < BUCKETS - mi; xi++) {
      const maxEnd = BUCKET_START_POS[BUCKETS - xi]! - 1;
      if (pos >= maxEnd) break; // the amount is above this and every later upper bound
      const x = buckets[maxBase + xi]!;
      if (x === 0) continue;
      const w = m * x;
      const weight = (w * w) / totalValidPoints;
      cumulative += pos < minStart ? weight : weight * successProbability(pos, minStart, maxEnd, ticksMax, linear, true);
    }
  }
  return cumulative;
}
