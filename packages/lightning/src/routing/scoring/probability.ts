/**
 * The success probability of an HTLC given liquidity bounds, and the penalty derived from it
 * (LDK 0.1's `success_probability_float`, `linear_success_probability`,
 * `nonlinear_success_probability` and `combined_penalty_msat` in `lightning/src/routing/scoring.rs`).
 *
 * Deviation from LDK: LDK turns probabilities into integer fractions and takes `−log10` from a
 * 64×64 lookup table in 1/2048 steps (`log_approx.rs`), then divides in integers; lnts computes in
 * doubles with `Math.log10` and rounds only the final penalty down, so its penalties are LDK's up
 * to LDK's approximation: usually within 3%, more where LDK's table is coarse (it reads every
 * integer from 8 to 15 as 9).
 * @module
 */

/**
 * LDK's `MIN_ZERO_IMPLIES_NO_SUCCESSES_PENALTY_ON_64`: with a lower bound of zero (no recent
 * success), probabilities are scaled down by 64/78 (≈ 82%).
 */
export const MIN_ZERO_SCALE = 78 / 64;

/** `−log10` of a success probability is capped at this (probability 1%), LDK's `NEGATIVE_LOG10_UPPER_BOUND`. */
export const NEGATIVE_LOG10_UPPER_BOUND = 2;

/** Amount multipliers are per 2^20 msat (LDK's `AMOUNT_PENALTY_DIVISOR`). */
export const AMOUNT_PENALTY_DIVISOR = 2 ** 20;
/** The base amount multiplier is per 2^30 msat (LDK's `BASE_AMOUNT_PENALTY_DIVISOR`). */
export const BASE_AMOUNT_PENALTY_DIVISOR = 2 ** 30;

/**
 * The probability that `amount` fits, given that the liquidity lies in [`min`, `max`] of a channel
 * of `capacity` (all msat, or bucket positions for the history): the integral of the liquidity's
 * density from `amount` to `max` over that from `min` to `max`. Requires
 * `min ≤ amount < max ≤ capacity`.
 *
 * - linear: density constant, `(max − amount) / (max − min + 1)`;
 * - otherwise LDK's density `128·(1/256 + 9·(x − 0.5)^8)` over `x = liquidity / capacity`, whose
 *   antiderivative is `(x − 0.5)^9 + (x − 0.5)/256` (up to the factor 128, which cancels).
 *
 * `minZeroImpliesNoSuccesses`: a lower bound of zero means no recent success, so the probability
 * is scaled down by {@link MIN_ZERO_SCALE}.
 */
export function successProbability(
  amount: number,
  min: number,
  max: number,
  capacity: number,
  linear: boolean,
  minZeroImpliesNoSuccesses: boolean,
): number {
  let num: number;
  let den: number;
  if (linear) {
    num = max - amount;
    den = max - min + 1;
  } else {
    const maxN = max / capacity - 0.5;
    const minN = min / capacity - 0.5;
    const amtN = amount / capacity - 0.5;
    const max4 = maxN * maxN * maxN * maxN;
    const min4 = minN * minN * minN * minN;
    const amt4 = amtN * amtN * amtN * amtN;
    const maxV = maxN * max4 * max4 + maxN / 256;
    const minV = minN * min4 * min4 + minN / 256;
    const amtV = amtN * amt4 * amt4 + amtN / 256;
    num = maxV - amtV;
    den = maxV - minV;
  }
  if (minZeroImpliesNoSuccesses && min === 0) den *= MIN_ZERO_SCALE;
  return num / den;
}

/**
 * `−log10(p)`, capped at {@link NEGATIVE_LOG10_UPPER_BOUND} (`p` ≤ 0.01); 0 for `p ≥ 1`. A NaN or
 * non-positive `p` gives the cap.
 */
export function negativeLog10(p: number): number {
  // Clamping the argument (not the result) keeps every path a double: once inlined, a merge of
  // small-integer constants with a double makes V8 box the double, one allocation per lookup.
  return 0 - Math.log10(p >= 1 ? 1 : p > 0.01 ? p : 0.01);
}
