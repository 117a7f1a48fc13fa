/**
 * Scorers: what the router adds to each channel's fee to steer payments towards channels likely
 * to succeed (LDK's `lightning/src/routing/scoring.rs`). {@link FixedPenaltyScorer} charges every
 * hop the same; {@link ProbabilisticScorer} learns liquidity bounds from payment outcomes.
 * @module
 */
export { FixedPenaltyScorer } from './fixed.js';
export {
  DEFAULT_DECAY_PARAMETERS,
  defaultFeeParameters,
  type ProbabilisticScoringDecayParameters,
  type ProbabilisticScoringFeeParameters,
  UNKNOWN_CHANNEL_CAPACITY_MSAT,
} from './params.js';
export { type LiquidityRange, ProbabilisticScorer } from './probabilistic.js';
export type { CapacityKind, ChannelUsage, Score, ScoreLookUp, ScoreUpdate } from './score.js';
