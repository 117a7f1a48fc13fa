/**
 * Mutual-close transactions, BOLT 3 §"Legacy Closing Transaction" (`closing_signed`) and
 * §"Closing Transaction" (`closing_complete`/`closing_sig`, `option_simple_close`).
 * @module
 */
import { isOpReturn } from '../../bitcoin/outputs.js';
import { SEQUENCE_FINAL, type OutPoint, type Transaction, type TxOut } from '../../bitcoin/tx.js';
import { compareBytes } from '../../util/bytes.js';

/** Inputs of a closing transaction; "holder" is the party building it. */
export interface ClosingTxParams {
  /** The funding output being spent. */
  readonly fundingOutpoint: OutPoint;
  /** The holder's final balance (msat; rounded down to whole satoshis). */
  readonly toHolderValueMsat: bigint;
  /** The counterparty's final balance (msat). */
  readonly toCounterpartyValueMsat: bigint;
  /** The holder's `shutdown` scriptpubkey. */
  readonly holderScript: Uint8Array;
  /** The counterparty's `shutdown` scriptpubkey. */
  readonly counterpartyScript: Uint8Array;
  /** The fee (sat), subtracted from the payer's output. */
  readonly feeSat: bigint;
  /** True when the holder pays the fee (legacy: the funder; simple close: the closer). */
  readonly holderPaysFee: boolean;
  /** The holder's `dust_limit_satoshis`; outputs below it are removed (legacy). */
  readonly dustLimitSat: bigint;
  /**
   * `legacy`: locktime 0, sequence 0xFFFFFFFF. `simple` (option_simple_close): the
   * `closing_complete.locktime`, sequence 0xFFFFFFFD, OP_RETURN outputs carry 0 sat.
   */
  readonly variant: 'legacy' | 'simple';
  /** Locktime for the `simple` variant. */
  readonly locktime?: number;
  /** Leave out the holder's own output (both variants allow it). */
  readonly omitHolderOutput?: boolean;
}

/**
 * Builds the unsigned closing transaction: whole-satoshi outputs, fee subtracted from the payer
 * (floored at 0), outputs below the dust limit removed (an OP_RETURN output in the simple
 * variant is kept with value 0), BIP 69 order.
 */
export function buildClosingTx(p: ClosingTxParams): Transaction {
  let holder = p.toHolderValueMsat / 1000n;
  let counterparty = p.toCounterpartyValueMsat / 1000n;
  if (p.holderPaysFee) holder = holder > p.feeSat ? holder - p.feeSat : 0n;
  else counterparty = counterparty > p.feeSat ? counterparty - p.feeSat : 0n;
  const outs: TxOut[] = [];
  const add = (value: bigint, script: Uint8Array) => {
    if (p.variant === 'simple' && isOpReturn(script)) outs.push({ value: 0n, script });
    else if (value >= p.dustLimitSat && value > 0n) outs.push({ value, script });
  };
  if (!p.omitHolderOutput) add(holder, p.holderScript);
  add(counterparty, p.counterpartyScript);
  outs.sort((a, b) => (a.value !== b.value ? (a.value < b.value ? -1 : 1) : compareBytes(a.script, b.script)));
  return {
    version: 2,
    inputs: [
      {
        prevout: p.fundingOutpoint,
        scriptSig: new Uint8Array(0),
        sequence: p.variant === 'simple' ? 0xfffffffd : SEQUENCE_FINAL,
        witness: [],
      },
    ],
    outputs: outs,
    locktime: p.variant === 'simple' ? (p.locktime ?? 0) : 0,
  };
}
