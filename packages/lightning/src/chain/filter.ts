/**
 * `chain.Filter` (LDK's `chain::Filter`): how a chain source that serves only the transactions a
 * node cares about (BIP 157/158 filters, Electrum, Esplora) learns what those are. A source that
 * hands over whole blocks needs none.
 * @module
 */
import type { OutPoint } from '../bitcoin/tx.js';

/** An output whose spend must be reported (LDK's `WatchedOutput`). */
export interface WatchedOutput {
  /** The block the output confirmed in, when known (lets a source start scanning there). */
  readonly blockHash: Uint8Array | undefined;
  readonly outpoint: OutPoint;
  readonly scriptPubkey: Uint8Array;
}

/**
 * Registers transactions and outputs of interest with a filtering chain source. Afterwards the
 * source MUST report, through `Listen` or `Confirm`, every transaction with that txid and every
 * transaction spending those outputs, in the blocks it processes from then on.
 */
export interface Filter {
  /** Watch for the transaction `txid` (whose outputs include `scriptPubkey`). */
  registerTx(txid: Uint8Array, scriptPubkey: Uint8Array): void;
  /** Watch for any transaction spending `output`. */
  registerOutput(output: WatchedOutput): void;
}
