/**
 * Opt-in replace-by-fee (BIP 125) as Bitcoin Core 26 applies it (`policy/rbf.cpp`, without
 * `-mempoolfullrbf`): a transaction may replace mempool transactions it conflicts with when each
 * of them signals replaceability, it pays a higher feerate than each and more absolute fee than
 * all of them and their descendants together (plus its own relay cost), adds no new unconfirmed
 * inputs and evicts at most 100 transactions. LDK relies on this to fee-bump its claims.
 * @module
 */
import type { Transaction } from '@lnts/lightning/bitcoin';
import { toHex } from '@lnts/lightning/util';

/** nSequence at or below which an input signals replaceability (BIP 125). */
export const MAX_BIP125_RBF_SEQUENCE = 0xfffffffd;
/** Core's limit on transactions one replacement may evict. */
export const MAX_REPLACEMENT_CANDIDATES = 100;
/** Default `-incrementalrelayfee`: 1000 sat/kvB. */
export const INCREMENTAL_RELAY_FEE_PER_KVB = 1000n;

/** What replacement checks need to know about a mempool transaction. */
export interface MempoolTxInfo {
  readonly tx: Transaction;
  readonly fee: bigint;
  readonly vsize: number;
}

/** The mempool as replacement checks see it (transactions keyed by internal-order txid hex). */
export interface ReplacementView {
  entry(txidHex: string): MempoolTxInfo | undefined;
  /** The given transactions and all their in-mempool descendants. */
  withDescendants(txidHexes: Iterable<string>): Set<string>;
  /** In-mempool ancestors of a (candidate) transaction. */
  ancestorsOf(tx: Transaction): Set<string>;
}

/** True when any input signals BIP 125 replaceability. */
export function signalsOptInRbf(tx: Transaction): boolean {
  return tx.inputs.some((i) => i.sequence >>> 0 <= MAX_BIP125_RBF_SEQUENCE);
}

// CFeeRate(fee, size): satoshis per 1000 virtual bytes, rounded down, as Core compares them.
const feeRate = (fee: bigint, vsize: number): bigint => (fee * 1000n) / BigInt(vsize);

/**
 * Core's `ReplacementChecks` (and the `bad-txns-spends-conflicting-tx` check of `PreChecks`) for
 * `tx` paying `fee` at `vsize`, which directly conflicts with `conflicts`.
 * @returns the transactions to evict, or the reject reason with Core's detail text.
 */
export function checkReplacement(
  tx: Transaction,
  txidHex: string,
  fee: bigint,
  vsize: number,
  conflicts: ReadonlySet<string>,
  view: ReplacementView,
): { readonly ok: true; readonly evict: Set<string> } | { readonly ok: false; readonly reason: string; readonly detail: string } {
  for (const a of view.ancestorsOf(tx)) {
    if (conflicts.has(a)) return { ok: false, reason: 'bad-txns-spends-conflicting-tx', detail: `${txidHex} spends conflicting transaction ${a}` };
  }
  const rate = feeRate(fee, vsize);
  for (const c of conflicts) {
    const e = view.entry(c)!;
    const old = feeRate(e.fee, e.vsize);
    if (rate <= old) return { ok: false, reason: 'insufficient fee', detail: `rejecting replacement ${txidHex}; new feerate ${rate} <= old feerate ${old}` };
  }
  const evict = view.withDescendants(conflicts);
  if (evict.size > MAX_REPLACEMENT_CANDIDATES) {
    return { ok: false, reason: 'too many potential replacements', detail: `rejecting replacement ${txidHex}; too many potential replacements (${evict.size} > ${MAX_REPLACEMENT_CANDIDATES})` };
  }
  const parentsOfConflicts = new Set<string>();
  for (const c of conflicts) for (const i of view.entry(c)!.tx.inputs) parentsOfConflicts.add(toHex(i.prevout.txid));
  for (const i of tx.inputs) {
    const parent = toHex(i.prevout.txid);
    if (!parentsOfConflicts.has(parent) && view.entry(parent)) {
      return { ok: false, reason: 'replacement-adds-unconfirmed', detail: `replacement ${txidHex} adds unconfirmed input` };
    }
  }
  let evictedFees = 0n;
  for (const e of evict) evictedFees += view.entry(e)!.fee;
  if (fee < evictedFees) return { ok: false, reason: 'insufficient fee', detail: `rejecting replacement ${txidHex}, less fees than conflicting txs; ${fee} < ${evictedFees}` };
  const relay = (INCREMENTAL_RELAY_FEE_PER_KVB * BigInt(vsize)) / 1000n;
  if (fee - evictedFees < relay) {
    return { ok: false, reason: 'insufficient fee', detail: `rejecting replacement ${txidHex}, not enough additional fees to relay; ${fee - evictedFees} < ${relay}` };
  }
  return { ok: true, evict };
}
