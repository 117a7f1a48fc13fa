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

/** Core's default `-limitancestorcount` / `-limitdescendantcount`. */
export const DEFAULT_CHAIN_COUNT_LIMIT = 25;
/** Core's default `-limitancestorsize` / `-limitdescendantsize`, in virtual bytes. */
export const DEFAULT_CHAIN_SIZE_LIMIT = 101_000;
/** The CPFP carve-out allows one extra descendant of at most this many virtual bytes. */
export const EXTRA_DESCENDANT_TX_SIZE_LIMIT = 10_000;

interface ChainLimits {
  readonly ancestorCount: number;
  readonly ancestorSize: number;
  readonly descendantCount: number;
  readonly descendantSize: number;
}

function chainLimitError(tx: Transaction, vsize: number, view: ReplacementView, limits: ChainLimits): string | null {
  const ancestors = view.ancestorsOf(tx);
  if (ancestors.size + 1 > limits.ancestorCount) return `too many unconfirmed ancestors [limit: ${limits.ancestorCount}]`;
  let size = vsize;
  for (const a of ancestors) size += view.entry(a)!.vsize;
  if (size > limits.ancestorSize) return `exceeds ancestor size limit [limit: ${limits.ancestorSize}]`;
  for (const a of ancestors) {
    const desc = view.withDescendants([a]);
    if (desc.size + 1 > limits.descendantCount) return `too many descendants for tx ${a} [limit: ${limits.descendantCount}]`;
    let dsize = vsize;
    for (const d of desc) dsize += view.entry(d)!.vsize;
    if (dsize > limits.descendantSize) return `exceeds descendant size limit for tx ${a} [limit: ${limits.descendantSize}]`;
  }
  return null;
}

/**
 * Core 26's unconfirmed-chain limits (25 transactions / 101 kvB of ancestors and of each
 * ancestor's descendants) with the CPFP carve-out: a transaction of at most 10 kvB with a single
 * unconfirmed ancestor may exceed the descendant limits by one — what lets either party of a
 * Lightning channel fee-bump its anchor whatever the other attached (BOLT 3 §"to_local_anchor and
 * to_remote_anchor Output"). A replacement of a single conflict gets that conflict's room.
 * @returns `null`, or the `too-long-mempool-chain` detail.
 */
export function checkChainLimits(tx: Transaction, vsize: number, conflicts: ReadonlySet<string>, view: ReplacementView): string | null {
  let limits: ChainLimits = {
    ancestorCount: DEFAULT_CHAIN_COUNT_LIMIT,
    ancestorSize: DEFAULT_CHAIN_SIZE_LIMIT,
    descendantCount: DEFAULT_CHAIN_COUNT_LIMIT,
    descendantSize: DEFAULT_CHAIN_SIZE_LIMIT,
  };
  if (conflicts.size === 1) {
    const [c] = conflicts;
    let room = 0;
    for (const d of view.withDescendants([c!])) room += view.entry(d)!.vsize;
    limits = { ...limits, descendantCount: limits.descendantCount + 1, descendantSize: limits.descendantSize + room };
  }
  const err = chainLimitError(tx, vsize, view, limits);
  if (err === null) return null;
  if (vsize > EXTRA_DESCENDANT_TX_SIZE_LIMIT) return err;
  const carveOut: ChainLimits = {
    ancestorCount: 2,
    ancestorSize: limits.ancestorSize,
    descendantCount: limits.descendantCount + 1,
    descendantSize: limits.descendantSize + EXTRA_DESCENDANT_TX_SIZE_LIMIT,
  };
  return chainLimitError(tx, vsize, view, carveOut) === null ? null : err;
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
