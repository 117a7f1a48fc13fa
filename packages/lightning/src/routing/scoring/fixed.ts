/**
 * A scorer with one penalty for every channel (LDK's `FixedPenaltyScorer` in
 * `lightning/src/routing/scoring.rs`): it makes the router prefer fewer hops by a fixed cost per
 * hop and learns nothing from payment outcomes.
 * @module
 */
import { DecodeError } from '../../util/errors.js';
import type { Path } from '../route.js';
import type { ChannelUsage, Score } from './score.js';

/** Format version of {@link FixedPenaltyScorer.write}. */
const FIXED_VERSION = 1;

/** The same penalty for every channel; updates are ignored (LDK's `FixedPenaltyScorer`). */
export class FixedPenaltyScorer implements Score {
  /** @param penaltyMsat - the penalty of every channel (msat-equivalent, ≥ 0). */
  constructor(readonly penaltyMsat: number) {}

  channelPenaltyMsat(_shortChannelId: bigint, _oneToTwo: boolean, _usage: ChannelUsage): number {
    return this.penaltyMsat;
  }

  /** Every channel costs the same, so that is the least one can. */
  minimumPenaltyMsat(_amountMsat: number): number {
    return this.penaltyMsat;
  }

  paymentPathFailed(_path: Path, _shortChannelId: bigint, _nowSecs: number): void {}
  paymentPathSuccessful(_path: Path, _nowSecs: number): void {}
  probeFailed(_path: Path, _shortChannelId: bigint, _nowSecs: number): void {}
  probeSuccessful(_path: Path, _nowSecs: number): void {}
  timePassed(_nowSecs: number): void {}

  /**
   * Nothing is learned, so only the format version is written (one byte); the penalty is given
   * again to {@link FixedPenaltyScorer.read}, as LDK's `ReadableArgs<u64>` does.
   */
  write(): Uint8Array {
    return Uint8Array.of(FIXED_VERSION);
  }

  /** Reads what {@link FixedPenaltyScorer.write} wrote; a {@link DecodeError} otherwise (never throws). */
  static read(bytes: Uint8Array, penaltyMsat: number): FixedPenaltyScorer | DecodeError {
    if (bytes.length === 0) return new DecodeError('ShortRead', 'fixed penalty scorer: no version byte');
    if (bytes[0] !== FIXED_VERSION) return new DecodeError('UnknownVersion', `fixed penalty scorer version ${bytes[0]}`);
    if (bytes.length > 1) return new DecodeError('InvalidValue', 'trailing bytes after the fixed penalty scorer');
    return new FixedPenaltyScorer(penaltyMsat);
  }
}
