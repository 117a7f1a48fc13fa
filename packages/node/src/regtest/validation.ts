/**
 * Transaction validation against a view of spendable coins, in the order Bitcoin Core 26's
 * `MemPoolAccept::PreChecks` and script checks run, so the first failing rule (and its reject
 * reason) is the one `testmempoolaccept` reports: context-free checks, standardness, finality
 * (nLockTime), conflicts (BIP 125 signalling), missing inputs, BIP 68 sequence locks, amounts and coinbase maturity,
 * input and witness standardness, the relay fee floor, unconfirmed-chain limits (with the CPFP
 * carve-out), BIP 125 replacement rules, then scripts under standard flags (with
 * the mandatory-flags retry that tells policy from consensus failures).
 * @module
 */
import type { OutPoint, Transaction, TxOut } from '@lnts/lightning/bitcoin';
import { txid as computeTxid, txidToHex, wtxid as computeWtxid, weight as txWeight } from '@lnts/lightning/bitcoin';
import type { CryptoBackend } from '@lnts/lightning/crypto';
import { fromHex, toHex } from '@lnts/lightning/util';
import { COINBASE_MATURITY, MAX_MONEY } from './block.js';
import {
  inputsStandard,
  MAX_STANDARD_TX_SIGOPS_COST,
  MIN_RELAY_FEE_PER_KVB,
  MIN_STANDARD_TX_NONWITNESS_SIZE,
  nonWitnessSize,
  sigOpCost,
  sigopAdjustedVsize,
  standardTxReason,
  witnessStandard,
} from './policy.js';
import type { ReplacementView } from './rbf.js';
import { checkChainLimits, checkReplacement, signalsOptInRbf } from './rbf.js';
import { SEQUENCE_LOCKTIME_DISABLE_FLAG, SEQUENCE_LOCKTIME_MASK, SEQUENCE_LOCKTIME_TYPE_FLAG, TransactionSignatureChecker } from './script/checker.js';
import type { ScriptErrorCode } from './script/errors.js';
import { scriptErrorString } from './script/errors.js';
import { MANDATORY_FLAGS, STANDARD_FLAGS } from './script/flags.js';
import { verifyScript } from './script/verify.js';

/** An unspent output with where it came from. */
export interface Coin {
  readonly output: TxOut;
  /** Height of the block holding it; for a mempool output, the next block's height. */
  readonly height: number;
  readonly coinbase: boolean;
}

/** What validation needs from the chain and mempool. */
export interface ValidationView {
  /** The coin at `outpoint` if it is unspent (confirmed or in the mempool, not spent by the mempool). */
  getCoin(outpoint: OutPoint): Coin | undefined;
  /** The mempool transaction already spending `outpoint`, if any (its txid, internal-order hex). */
  spentInMempool(outpoint: OutPoint): string | undefined;
  /** The mempool, for BIP 125 replacement checks. */
  readonly replacement: ReplacementView;
  /** Whether a transaction with this txid is in the mempool: with the same witness (`'same'`), another one, or not at all. */
  inMempool(txid: Uint8Array, wtxid: Uint8Array): 'same' | 'other-witness' | undefined;
  /** True when an output of this txid is in the confirmed UTXO set (the transaction is already mined). */
  hasConfirmedOutputs(txid: Uint8Array, outputs: number): boolean;
  /** Height of the block the transaction would be mined in (tip + 1). */
  readonly nextHeight: number;
  /** Median time past of the block at `height` (BIP 113), `height` ≤ tip. */
  medianTimePast(height: number): number;
}

/** The outcome of validating one transaction. */
export type ValidationResult =
  | {
      readonly ok: true;
      readonly txid: Uint8Array;
      readonly fee: bigint;
      readonly vsize: number;
      /** Mempool transactions (internal-order txid hex) a BIP 125 replacement evicts. */
      readonly replaces: ReadonlySet<string>;
    }
  | {
      readonly ok: false;
      /** Core's reject reason (`bad-txns-inputs-missingorspent`, `non-BIP68-final`, `mandatory-script-verify-flag-failed`, ...). */
      readonly reason: string;
      /** Further detail: the script error text or amounts, as Core puts in parentheses or debug text. */
      readonly detail?: string;
      /** For script failures, the interpreter's error. */
      readonly scriptError?: ScriptErrorCode;
      /** For script failures, the failing input. */
      readonly inputIndex?: number;
    };

const LOCKTIME_THRESHOLD = 500_000_000;
const SEQUENCE_FINAL = 0xffffffff;

function reject(reason: string, detail?: string): ValidationResult {
  return { ok: false, reason, ...(detail !== undefined ? { detail } : {}) };
}

function scriptReject(reason: string, scriptError: ScriptErrorCode, inputIndex: number): ValidationResult {
  // `detail` is Core's parenthesized text, so `${reason} (${detail})` reads as testmempoolaccept's.
  return { ok: false, reason, detail: scriptErrorString(scriptError), scriptError, inputIndex };
}

const keyOf = (o: OutPoint): string => `${toHex(o.txid)}:${o.vout}`;

/** True for the null prevout only a coinbase input may carry. */
export function isNullPrevout(o: OutPoint): boolean {
  return o.vout === 0xffffffff && o.txid.every((b) => b === 0);
}

/** Core's `CheckTransaction`: the context-free consensus checks. */
export function checkTransaction(tx: Transaction): string | null {
  if (tx.inputs.length === 0) return 'bad-txns-vin-empty';
  if (tx.outputs.length === 0) return 'bad-txns-vout-empty';
  if (nonWitnessSize(tx) * 4 > 4_000_000) return 'bad-txns-oversize';
  let total = 0n;
  for (const o of tx.outputs) {
    // Core reads amounts as signed 64-bit.
    if (o.value >= 1n << 63n) return 'bad-txns-vout-negative';
    if (o.value > MAX_MONEY) return 'bad-txns-vout-toolarge';
    total += o.value;
    if (total > MAX_MONEY) return 'bad-txns-txouttotal-toolarge';
  }
  const seen = new Set<string>();
  for (const i of tx.inputs) {
    const k = keyOf(i.prevout);
    if (seen.has(k)) return 'bad-txns-inputs-duplicate';
    seen.add(k);
  }
  if (isCoinbase(tx)) {
    const n = tx.inputs[0]!.scriptSig.length;
    if (n < 2 || n > 100) return 'bad-cb-length';
  } else if (tx.inputs.some((i) => isNullPrevout(i.prevout))) return 'bad-txns-prevout-null';
  return null;
}

/** A coinbase has exactly one input, spending the null prevout. */
export function isCoinbase(tx: Transaction): boolean {
  return tx.inputs.length === 1 && isNullPrevout(tx.inputs[0]!.prevout);
}

/** Core's `IsFinalTx`: nLockTime is satisfied at `height` / `time`, or every input opts out with a final sequence. */
export function isFinalTx(tx: Transaction, height: number, time: number): boolean {
  if (tx.locktime === 0) return true;
  if (tx.locktime < (tx.locktime < LOCKTIME_THRESHOLD ? height : time)) return true;
  return tx.inputs.every((i) => i.sequence >>> 0 === SEQUENCE_FINAL);
}

/**
 * BIP 68 relative lock times (Core's `CalculateSequenceLocks` + `EvaluateSequenceLocks`): true when
 * a block at `view.nextHeight` may include the transaction, given each input's coin height.
 */
export function sequenceLocksSatisfied(tx: Transaction, coinHeights: readonly number[], view: ValidationView): boolean {
  if ((tx.version | 0) < 2) return true;
  let minHeight = -1;
  let minTime = -1;
  tx.inputs.forEach((input, k) => {
    const seq = input.sequence >>> 0;
    if (seq & SEQUENCE_LOCKTIME_DISABLE_FLAG) return;
    const coinHeight = coinHeights[k]!;
    const value = seq & SEQUENCE_LOCKTIME_MASK;
    if (seq & SEQUENCE_LOCKTIME_TYPE_FLAG) {
      const coinTime = view.medianTimePast(Math.max(coinHeight - 1, 0));
      minTime = Math.max(minTime, coinTime + value * 512 - 1);
    } else minHeight = Math.max(minHeight, coinHeight + value - 1);
  });
  return minHeight < view.nextHeight && minTime < view.medianTimePast(view.nextHeight - 1);
}

/**
 * Verifies every input's scripts under `flags`; on the first failure, retries that input under
 * the mandatory flags alone, as Core's `CheckInputScripts` does, to name the failure.
 */
export function checkInputScripts(tx: Transaction, prevouts: readonly TxOut[], crypto: CryptoBackend, flags = STANDARD_FLAGS): ValidationResult | null {
  for (let k = 0; k < tx.inputs.length; k++) {
    const input = tx.inputs[k]!;
    const prev = prevouts[k]!;
    const checker = new TransactionSignatureChecker(tx, k, prev.value, crypto, prevouts);
    const err = verifyScript(input.scriptSig, prev.script, input.witness, flags, checker, crypto);
    if (err === null) continue;
    if ((flags & ~MANDATORY_FLAGS) !== 0) {
      const again = verifyScript(input.scriptSig, prev.script, input.witness, flags & MANDATORY_FLAGS, checker, crypto);
      if (again === null) return scriptReject('non-mandatory-script-verify-flag', err, k);
    }
    return scriptReject('mandatory-script-verify-flag-failed', err, k);
  }
  return null;
}

/**
 * Validates `tx` for the next block against `view`, with relay policy when `policy` is set
 * (the mempool) or consensus rules only (`policy: false`).
 */
export function validateTransaction(tx: Transaction, view: ValidationView, crypto: CryptoBackend, policy = true): ValidationResult {
  const bad = checkTransaction(tx);
  if (bad) return reject(bad);
  if (isCoinbase(tx)) return reject('coinbase');
  const w = txWeight(tx);
  if (policy) {
    const std = standardTxReason(tx, w);
    if (std) return reject(std);
    if (nonWitnessSize(tx) < MIN_STANDARD_TX_NONWITNESS_SIZE) return reject('tx-size-small');
  }
  if (!isFinalTx(tx, view.nextHeight, view.medianTimePast(view.nextHeight - 1))) return reject('non-final');
  const id = computeTxid(tx, crypto);
  const present = view.inMempool(id, computeWtxid(tx, crypto));
  if (present) return reject(present === 'same' ? 'txn-already-in-mempool' : 'txn-same-nonwitness-data-in-mempool');
  const conflicts = new Set<string>();
  for (const i of tx.inputs) {
    const by = view.spentInMempool(i.prevout);
    if (by === undefined || conflicts.has(by)) continue;
    // Only transactions that signal BIP 125 themselves may be replaced (Core 26 without full RBF).
    if (!signalsOptInRbf(view.replacement.entry(by)!.tx)) return reject('txn-mempool-conflict', `spent by ${txidToHex(fromHex(by))}`);
    conflicts.add(by);
  }
  const coins: Coin[] = [];
  for (const i of tx.inputs) {
    const c = view.getCoin(i.prevout);
    if (!c) {
      if (view.hasConfirmedOutputs(id, tx.outputs.length)) return reject('txn-already-known');
      return reject('bad-txns-inputs-missingorspent', keyOf(i.prevout));
    }
    coins.push(c);
  }
  if (!sequenceLocksSatisfied(tx, coins.map((c) => c.height), view)) return reject('non-BIP68-final');
  let valueIn = 0n;
  for (const c of coins) {
    if (c.coinbase && view.nextHeight - c.height < COINBASE_MATURITY) {
      return reject('bad-txns-premature-spend-of-coinbase', `tried to spend coinbase at depth ${view.nextHeight - c.height}`);
    }
    valueIn += c.output.value;
    if (c.output.value > MAX_MONEY || valueIn > MAX_MONEY) return reject('bad-txns-inputvalues-outofrange');
  }
  let valueOut = 0n;
  for (const o of tx.outputs) valueOut += o.value;
  if (valueIn < valueOut) return reject('bad-txns-in-belowout', `value in (${valueIn}) < value out (${valueOut})`);
  const fee = valueIn - valueOut;
  const prevouts = coins.map((c) => c.output);
  const sigops = sigOpCost(tx, prevouts, crypto);
  // Mempool sizes are sigop-adjusted, so a transaction dense in signature checks pays for them.
  const vsize = sigopAdjustedVsize(w, sigops);
  if (policy) {
    if (!inputsStandard(tx, prevouts, crypto)) return reject('bad-txns-nonstandard-inputs');
    if (!witnessStandard(tx, prevouts, crypto)) return reject('bad-witness-nonstandard');
    if (sigops > MAX_STANDARD_TX_SIGOPS_COST) return reject('bad-txns-too-many-sigops', `${sigops}`);
    const minFee = (MIN_RELAY_FEE_PER_KVB * BigInt(vsize)) / 1000n;
    if (fee < minFee) return reject('min relay fee not met', `${fee} < ${minFee}`);
  }
  if (policy) {
    const tooLong = checkChainLimits(tx, vsize, conflicts, view.replacement);
    if (tooLong) return reject('too-long-mempool-chain', tooLong);
  }
  let replaces: ReadonlySet<string> = new Set();
  if (conflicts.size > 0) {
    const r = checkReplacement(tx, txidToHex(id), fee, vsize, conflicts, view.replacement);
    if (!r.ok) return reject(r.reason, r.detail);
    replaces = r.evict;
  }
  const scripts = checkInputScripts(tx, prevouts, crypto, policy ? STANDARD_FLAGS : MANDATORY_FLAGS);
  if (scripts) return scripts;
  return { ok: true, txid: id, fee, vsize, replaces };
}
