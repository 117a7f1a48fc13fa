/**
 * Commitment transaction construction, BOLT 3 §"Commitment Transaction" and §"Commitment
 * Transaction Construction": obscured commitment number, trimming, fee, anchors, BIP 69+CLTV
 * output order. Built for the channel state machine, which calls it for both parties' commitments
 * on every update, so it is a hot path (benchmarked with 483 HTLCs).
 * Vectors: BOLT 3 Appendix C and F, in `test/ln/chan_utils/commitment.test.ts`. Deviations: none.
 * @module
 */
import type { CryptoBackend } from '../../crypto/backend.js';
import { p2wshForScript } from '../../bitcoin/outputs.js';
import { txid as computeTxid } from '../../bitcoin/serialize.js';
import type { OutPoint, Transaction, TxOut } from '../../bitcoin/tx.js';
import { compareBytes } from '../../util/bytes.js';
import { APIMisuseError } from '../../util/errors.js';
import {
  ANCHOR_OUTPUT_VALUE_SAT,
  type ChannelTypeFlags,
  commitmentTxFeeSat,
  isHtlcTrimmed,
} from './fees.js';
import { type HtlcScriptKeys, offeredHtlcScript, receivedHtlcScript, toLocalScript } from './scripts.js';
import { staticAnchor, staticFundingScript, staticToRemoteAnchors, staticToRemoteP2wpkh } from './static_scripts.js';

/** An HTLC as a commitment transaction sees it (LDK: `HTLCOutputInCommitment`). */
export interface CommitmentHtlc {
  /** True when the broadcaster offered it (BOLT 3 "offered HTLC"), false when it received it. */
  readonly offered: boolean;
  /** Amount (msat); the output carries the whole satoshis. */
  readonly amountMsat: bigint;
  /** `cltv_expiry` (block height). */
  readonly cltvExpiry: number;
  /** `payment_hash` (32 bytes). */
  readonly paymentHash: Uint8Array;
}

/**
 * The keys of one commitment transaction ("broadcaster" = the party who holds and may broadcast
 * it, BOLT 3's "local"; "countersignatory" = the other, "remote").
 */
export interface CommitmentKeys {
  /** `revocationpubkey` (from the countersignatory's revocation basepoint). */
  readonly revocationPubkey: Uint8Array;
  /** `local_delayedpubkey`. */
  readonly broadcasterDelayedPubkey: Uint8Array;
  /** `remotepubkey`: with `option_static_remotekey` the countersignatory's payment basepoint. */
  readonly countersignatoryPaymentPubkey: Uint8Array;
  /** `local_htlcpubkey`. */
  readonly broadcasterHtlcPubkey: Uint8Array;
  /** `remote_htlcpubkey`. */
  readonly countersignatoryHtlcPubkey: Uint8Array;
  /** The broadcaster's `funding_pubkey`. */
  readonly broadcasterFundingPubkey: Uint8Array;
  /** The countersignatory's `funding_pubkey`. */
  readonly countersignatoryFundingPubkey: Uint8Array;
}

/** Everything that determines one commitment transaction. */
export interface CommitmentTxParams {
  /** The funding output (`funding_txid`, `funding_output_index`). */
  readonly fundingOutpoint: OutPoint;
  /** Channel capacity (sat). */
  readonly fundingSatoshis: bigint;
  /** Channel-type facts (anchors or not). */
  readonly channelType: ChannelTypeFlags;
  /** The 48-bit commitment number as BOLT 3 counts it (0 for the first commitment, rising). */
  readonly commitmentNumber: bigint;
  /** Lower 48 bits of SHA256(opener payment_basepoint ‖ accepter payment_basepoint); see {@link commitmentObscureFactor}. */
  readonly obscureFactor: bigint;
  /** The broadcaster's balance before fee and anchors (msat; HTLCs excluded). */
  readonly toBroadcasterValueMsat: bigint;
  /** The countersignatory's balance (msat; HTLCs excluded). */
  readonly toCountersignatoryValueMsat: bigint;
  /** `feerate_per_kw`. */
  readonly feeratePerKw: number;
  /** The broadcaster's `dust_limit_satoshis`. */
  readonly dustLimitSat: bigint;
  /** `to_self_delay` the countersignatory imposed on the broadcaster (blocks). */
  readonly toSelfDelay: number;
  /** Keys for this commitment. */
  readonly keys: CommitmentKeys;
  /** HTLCs committed (any order). */
  readonly htlcs: readonly CommitmentHtlc[];
  /** True when the broadcaster funded the channel, so it pays the fee and the anchors. */
  readonly isOutboundFromBroadcaster: boolean;
}

/** What each output of a commitment transaction is. */
export type CommitmentOutputKind = 'to_local' | 'to_remote' | 'to_local_anchor' | 'to_remote_anchor' | 'htlc';

/** Per output: its kind, witness script (null for P2WPKH `to_remote`) and HTLC (index into `params.htlcs`). */
export interface CommitmentOutputInfo {
  readonly kind: CommitmentOutputKind;
  readonly witnessScript: Uint8Array | null;
  readonly htlcIndex: number | null;
}

/** An untrimmed HTLC with its place in the transaction. */
export interface CommitmentHtlcOutput {
  readonly htlc: CommitmentHtlc;
  /** Index into `params.htlcs`. */
  readonly htlcIndex: number;
  /** Index of its output in the commitment transaction. */
  readonly outputIndex: number;
  /** Its witness script. */
  readonly witnessScript: Uint8Array;
  /** The output value (whole satoshis of the HTLC amount). */
  readonly amountSat: bigint;
}

/** A built commitment transaction and what the channel needs to know about it (LDK: `CommitmentTransaction`). */
export interface CommitmentTransaction {
  readonly params: CommitmentTxParams;
  /** The unsigned transaction (the funding input's witness is empty). */
  readonly tx: Transaction;
  /** Its txid, internal byte order. */
  readonly txid: Uint8Array;
  /** The funding witness script the input spends. */
  readonly fundingScript: Uint8Array;
  /** Per output, what it is. */
  readonly outputs: readonly CommitmentOutputInfo[];
  /** For each of `params.htlcs`, its output index, or `null` when trimmed. */
  readonly htlcOutputIndices: readonly (number | null)[];
  /** Untrimmed HTLCs in output order: the order of `commitment_signed.htlc_signatures` (BOLT 2). */
  readonly htlcOutputs: readonly CommitmentHtlcOutput[];
  /** The weight-based fee the funder pays (BOLT 3 "base fee"). */
  readonly baseFeeSat: bigint;
  /** What the transaction actually pays: funding value minus the outputs (base fee + trimmed amounts + rounding). */
  readonly totalFeeSat: bigint;
  /** Sum of trimmed HTLCs' whole satoshis (they go to fees). */
  readonly trimmedHtlcSat: bigint;
  /** The `to_local` value after fee and anchors, or 0 when it is below the dust limit (no output). */
  readonly toBroadcasterValueSat: bigint;
  /** The `to_remote` value, or 0 when it is below the dust limit. */
  readonly toCountersignatoryValueSat: bigint;
  /** The `to_local` witness script, which is also every HTLC transaction's output script. */
  readonly toLocalScript: Uint8Array;
  /** P2WSH of {@link toLocalScript}. */
  readonly toLocalScriptPubkey: Uint8Array;
}

const MASK48 = (1n << 48n) - 1n;

/**
 * The factor that hides the commitment number (BOLT 3 §"Commitment Transaction"): the lower
 * 48 bits of SHA256(payment_basepoint from open_channel ‖ payment_basepoint from accept_channel).
 */
export function commitmentObscureFactor(openerPaymentBasepoint: Uint8Array, accepterPaymentBasepoint: Uint8Array, crypto: CryptoBackend): bigint {
  const buf = new Uint8Array(66);
  buf.set(openerPaymentBasepoint);
  buf.set(accepterPaymentBasepoint, 33);
  const h = crypto.sha256(buf);
  let v = 0n;
  for (let i = 26; i < 32; i++) v = (v << 8n) | BigInt(h[i]!);
  return v;
}

/** The commitment input's `locktime` and `sequence` carrying the obscured commitment number (upper 8 bits 0x20 / 0x80). */
export function obscuredCommitmentLocktimeSequence(commitmentNumber: bigint, obscureFactor: bigint): { locktime: number; sequence: number } {
  const obscured = (commitmentNumber ^ obscureFactor) & MASK48;
  const lo = Number(obscured & 0xffffffn);
  const hi = Number(obscured >> 24n);
  return { locktime: (0x20000000 | lo) >>> 0, sequence: (0x80000000 | hi) >>> 0 };
}

/** Recovers the commitment number from a commitment transaction's locktime and sequence (BOLT 5 uses this to spot revoked ones). */
export function commitmentNumberFromTx(locktime: number, sequence: number, obscureFactor: bigint): bigint {
  const obscured = (BigInt(sequence & 0xffffff) << 24n) | BigInt(locktime & 0xffffff);
  return (obscured ^ obscureFactor) & MASK48;
}

interface PendingOutput {
  readonly out: TxOut;
  readonly info: CommitmentOutputInfo;
  readonly cltv: number;
}

function compareOutputs(a: PendingOutput, b: PendingOutput): number {
  if (a.out.value !== b.out.value) return a.out.value < b.out.value ? -1 : 1;
  const c = compareBytes(a.out.script, b.out.script);
  if (c !== 0) return c;
  return a.cltv - b.cltv;
}

/**
 * Builds a commitment transaction (BOLT 3 §"Commitment Transaction Construction"):
 * 1. input and locktime from the obscured commitment number;
 * 2. trims HTLCs whose whole satoshis less the second-stage fee are below the dust limit
 *    (second-stage fee zero with anchors);
 * 3. the base fee from the expected weight, and with anchors 2×330 sat, come out of the
 *    funder's balance (floored at zero);
 * 4. HTLC, `to_local`, `to_remote` outputs (the latter two only at or above the dust limit);
 * 5. anchors: `to_local_anchor` if `to_local` exists or any HTLC is untrimmed, likewise
 *    `to_remote_anchor`;
 * 6. BIP 69 order (value, then scriptPubKey), ties between HTLCs broken by `cltv_expiry`.
 *
 * The funder's balance is floored at zero when it cannot pay (BOLT 2 makes that state
 * unreachable; the vector "fee greater than funder amount" exercises it).
 * @throws {APIMisuseError} when the balances and HTLCs add up to more than the channel value.
 */
export function buildCommitmentTx(params: CommitmentTxParams, crypto: CryptoBackend): CommitmentTransaction {
  const { channelType, feeratePerKw, dustLimitSat, keys } = params;
  let committedMsat = params.toBroadcasterValueMsat + params.toCountersignatoryValueMsat;
  for (const h of params.htlcs) committedMsat += h.amountMsat;
  // A caller bug, not a peer's: the channel state must never commit more than the channel holds.
  if (committedMsat > params.fundingSatoshis * 1000n || params.toBroadcasterValueMsat < 0n || params.toCountersignatoryValueMsat < 0n) {
    throw new APIMisuseError(`commitment spends ${committedMsat} msat of a ${params.fundingSatoshis} sat channel`);
  }
  const anchors = channelType.anchors;
  const pending: PendingOutput[] = [];
  // Read the HTLC keys only when an HTLC output is built: they may be derived on first read.
  let htlcKeys: HtlcScriptKeys | undefined;
  let untrimmed = 0;
  let trimmedHtlcSat = 0n;
  for (let i = 0; i < params.htlcs.length; i++) {
    const h = params.htlcs[i]!;
    const sat = h.amountMsat / 1000n;
    if (isHtlcTrimmed(h.offered, h.amountMsat, feeratePerKw, dustLimitSat, channelType)) {
      trimmedHtlcSat += sat;
      continue;
    }
    untrimmed++;
    htlcKeys ??= {
      revocationPubkeyHash: crypto.hash160(keys.revocationPubkey),
      broadcasterHtlcPubkey: keys.broadcasterHtlcPubkey,
      countersignatoryHtlcPubkey: keys.countersignatoryHtlcPubkey,
    };
    const ws = h.offered ? offeredHtlcScript(htlcKeys, h.paymentHash, anchors) : receivedHtlcScript(htlcKeys, h.paymentHash, h.cltvExpiry, anchors);
    pending.push({ out: { value: sat, script: p2wshForScript(ws, crypto) }, info: { kind: 'htlc', witnessScript: ws, htlcIndex: i }, cltv: h.cltvExpiry });
  }

  const baseFeeSat = commitmentTxFeeSat(feeratePerKw, untrimmed, channelType);
  const funderCost = baseFeeSat + (anchors ? 2n * ANCHOR_OUTPUT_VALUE_SAT : 0n);
  let toLocal = params.toBroadcasterValueMsat / 1000n;
  let toRemote = params.toCountersignatoryValueMsat / 1000n;
  if (params.isOutboundFromBroadcaster) toLocal = toLocal > funderCost ? toLocal - funderCost : 0n;
  else toRemote = toRemote > funderCost ? toRemote - funderCost : 0n;

  const localScript = toLocalScript(keys.revocationPubkey, params.toSelfDelay, keys.broadcasterDelayedPubkey);
  const localSpk = p2wshForScript(localScript, crypto);
  const hasLocal = toLocal >= dustLimitSat;
  const hasRemote = toRemote >= dustLimitSat;
  if (hasLocal) pending.push({ out: { value: toLocal, script: localSpk }, info: { kind: 'to_local', witnessScript: localScript, htlcIndex: null }, cltv: 0 });
  if (hasRemote) {
    if (anchors) {
      const r = staticToRemoteAnchors(keys.countersignatoryPaymentPubkey, crypto);
      pending.push({ out: { value: toRemote, script: r.scriptPubkey }, info: { kind: 'to_remote', witnessScript: r.witnessScript, htlcIndex: null }, cltv: 0 });
    } else {
      const spk = staticToRemoteP2wpkh(keys.countersignatoryPaymentPubkey, crypto);
      pending.push({ out: { value: toRemote, script: spk }, info: { kind: 'to_remote', witnessScript: null, htlcIndex: null }, cltv: 0 });
    }
  }
  if (anchors) {
    if (hasLocal || untrimmed > 0) {
      const a = staticAnchor(keys.broadcasterFundingPubkey, crypto);
      pending.push({ out: { value: ANCHOR_OUTPUT_VALUE_SAT, script: a.scriptPubkey }, info: { kind: 'to_local_anchor', witnessScript: a.witnessScript, htlcIndex: null }, cltv: 0 });
    }
    if (hasRemote || untrimmed > 0) {
      const a = staticAnchor(keys.countersignatoryFundingPubkey, crypto);
      pending.push({ out: { value: ANCHOR_OUTPUT_VALUE_SAT, script: a.scriptPubkey }, info: { kind: 'to_remote_anchor', witnessScript: a.witnessScript, htlcIndex: null }, cltv: 0 });
    }
  }

  pending.sort(compareOutputs);

  const { locktime, sequence } = obscuredCommitmentLocktimeSequence(params.commitmentNumber, params.obscureFactor);
  const outputs: TxOut[] = new Array(pending.length);
  const infos: CommitmentOutputInfo[] = new Array(pending.length);
  const htlcOutputIndices: (number | null)[] = new Array(params.htlcs.length).fill(null);
  const htlcOutputs: CommitmentHtlcOutput[] = [];
  let outSum = 0n;
  for (let k = 0; k < pending.length; k++) {
    const p = pending[k]!;
    outputs[k] = p.out;
    infos[k] = p.info;
    outSum += p.out.value;
    if (p.info.htlcIndex !== null) {
      htlcOutputIndices[p.info.htlcIndex] = k;
      htlcOutputs.push({
        htlc: params.htlcs[p.info.htlcIndex]!,
        htlcIndex: p.info.htlcIndex,
        outputIndex: k,
        witnessScript: p.info.witnessScript!,
        amountSat: p.out.value,
      });
    }
  }
  const tx: Transaction = {
    version: 2,
    inputs: [{ prevout: params.fundingOutpoint, scriptSig: new Uint8Array(0), sequence, witness: [] }],
    outputs,
    locktime,
  };
  return {
    params,
    tx,
    txid: computeTxid(tx, crypto),
    fundingScript: staticFundingScript(keys.broadcasterFundingPubkey, keys.countersignatoryFundingPubkey),
    outputs: infos,
    htlcOutputIndices,
    htlcOutputs,
    baseFeeSat,
    totalFeeSat: params.fundingSatoshis - outSum,
    trimmedHtlcSat,
    toBroadcasterValueSat: hasLocal ? toLocal : 0n,
    toCountersignatoryValueSat: hasRemote ? toRemote : 0n,
    toLocalScript: localScript,
    toLocalScriptPubkey: localSpk,
  };
}
