/**
 * Weights and fees, BOLT 3 §"Fees" › "Fee Calculation" and Appendix A ("Expected Weights").
 * @module
 */

/** Commitment transaction weight before HTLC outputs, without anchors. */
export const COMMITMENT_TX_BASE_WEIGHT = 724;
/** Commitment transaction weight before HTLC outputs, with `option_anchors`. */
export const COMMITMENT_TX_BASE_WEIGHT_ANCHORS = 1124;
/** Weight each untrimmed HTLC output adds. */
export const COMMITMENT_TX_WEIGHT_PER_HTLC = 172;
/** HTLC-timeout weight without anchors. */
export const HTLC_TIMEOUT_TX_WEIGHT = 663;
/** HTLC-timeout weight with anchors. */
export const HTLC_TIMEOUT_TX_WEIGHT_ANCHORS = 666;
/** HTLC-success weight without anchors. */
export const HTLC_SUCCESS_TX_WEIGHT = 703;
/** HTLC-success weight with anchors. */
export const HTLC_SUCCESS_TX_WEIGHT_ANCHORS = 706;
/** Value of each anchor output, sat (the P2WSH dust limit). */
export const ANCHOR_OUTPUT_VALUE_SAT = 330n;

/**
 * The channel-type facts the transaction formats depend on. `anchors` means
 * `option_anchors` as the spec now defines it (LDK: `anchors_zero_fee_htlc_tx`): anchor outputs,
 * 1-block CSV on counterparty outputs, and zero-fee HTLC transactions signed
 * SIGHASH_SINGLE|ANYONECANPAY by the countersignatory.
 */
export interface ChannelTypeFlags {
  readonly anchors: boolean;
}

/** `feerate_per_kw × weight / 1000`, rounded down (BOLT 3 §"Fee Calculation"). */
export function feeForWeight(feeratePerKw: number, weight: number): bigint {
  return (BigInt(feeratePerKw) * BigInt(weight)) / 1000n;
}

/** The HTLC-timeout transaction fee (zero with anchors). */
export function htlcTimeoutFeeSat(feeratePerKw: number, channelType: ChannelTypeFlags): bigint {
  return channelType.anchors ? 0n : feeForWeight(feeratePerKw, HTLC_TIMEOUT_TX_WEIGHT);
}

/** The HTLC-success transaction fee (zero with anchors). */
export function htlcSuccessFeeSat(feeratePerKw: number, channelType: ChannelTypeFlags): bigint {
  return channelType.anchors ? 0n : feeForWeight(feeratePerKw, HTLC_SUCCESS_TX_WEIGHT);
}

/** The expected commitment weight with `numUntrimmedHtlcs` HTLC outputs. */
export function commitmentTxWeight(numUntrimmedHtlcs: number, channelType: ChannelTypeFlags): number {
  const base = channelType.anchors ? COMMITMENT_TX_BASE_WEIGHT_ANCHORS : COMMITMENT_TX_BASE_WEIGHT;
  return base + COMMITMENT_TX_WEIGHT_PER_HTLC * numUntrimmedHtlcs;
}

/** The commitment transaction's base fee, which the funder pays (BOLT 3 §"Fee Payment"). */
export function commitmentTxFeeSat(feeratePerKw: number, numUntrimmedHtlcs: number, channelType: ChannelTypeFlags): bigint {
  return feeForWeight(feeratePerKw, commitmentTxWeight(numUntrimmedHtlcs, channelType));
}

/**
 * True when an HTLC of `amountMsat` gets no output (BOLT 3 §"Trimmed Outputs"): its amount in
 * whole satoshis, less the second-stage transaction's fee, is below the broadcaster's dust limit.
 * `offered` is from the broadcaster's view (offered → HTLC-timeout, received → HTLC-success).
 */
export function isHtlcTrimmed(
  offered: boolean,
  amountMsat: bigint,
  feeratePerKw: number,
  dustLimitSat: bigint,
  channelType: ChannelTypeFlags,
): boolean {
  const fee = offered ? htlcTimeoutFeeSat(feeratePerKw, channelType) : htlcSuccessFeeSat(feeratePerKw, channelType);
  return amountMsat / 1000n < dustLimitSat + fee;
}
