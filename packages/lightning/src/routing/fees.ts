/**
 * The forwarding fee a node charges, exactly as it checks it (BOLT 7 §"HTLC Fees").
 * @module
 */

/** A channel direction's fee policy (BOLT 7 `channel_update` `fee_base_msat`, `fee_proportional_millionths`). */
export interface RoutingFees {
  /** Base fee, msat (u32). */
  readonly feeBaseMsat: number;
  /** Proportional fee, millionths of the forwarded amount (u32). */
  readonly feeProportionalMillionths: number;
}

/**
 * BOLT 7 §"HTLC Fees": `fee = fee_base_msat + (amount_to_forward * fee_proportional_millionths /
 * 1000000)`, integer division rounding down, where `amount_to_forward` is what the node sends on
 * over the channel. LDK's `compute_fees` (bigint here, so nothing overflows).
 * @param amountToForwardMsat - the amount leaving the charging node over this channel, msat.
 */
export function computeFeeMsat(amountToForwardMsat: bigint, fees: RoutingFees): bigint {
  return BigInt(fees.feeBaseMsat) + (amountToForwardMsat * BigInt(fees.feeProportionalMillionths)) / 1_000_000n;
}
