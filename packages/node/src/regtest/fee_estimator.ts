/**
 * A fixed `FeeEstimator` for the regtest chain, whose mempool never fills: every target gets the
 * same feerate, at least BOLT 3's floor of 253 sat per 1000 weight units.
 * @module
 */
import type { ConfirmationTarget, FeeEstimator } from '@lnts/lightning/chain';
import { FEERATE_FLOOR_SATS_PER_KW } from '@lnts/lightning/chain';

/** Answers every `ConfirmationTarget` with one feerate (default 253 sat/kW), or per-target overrides. */
export class RegtestFeeEstimator implements FeeEstimator {
  constructor(
    private readonly feeratePerKw = FEERATE_FLOOR_SATS_PER_KW,
    private readonly overrides: Partial<Record<ConfirmationTarget, number>> = {},
  ) {}

  getEstSatPer1000Weight(target: ConfirmationTarget): number {
    return Math.max(FEERATE_FLOOR_SATS_PER_KW, this.overrides[target] ?? this.feeratePerKw);
  }
}
