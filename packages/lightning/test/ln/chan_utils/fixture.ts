// Loads the BOLT 3 vectors transcribed in test/fixtures/bolt03.json (copied from the spec at
// lightning/bolts a3772650) and builds commitment parameters from Appendix C's shared values.
import { readFileSync } from 'node:fs';
import { txidFromHex } from '../../../src/bitcoin/tx.js';
import type { CryptoBackend } from '../../../src/crypto/backend.js';
import type { CommitmentHtlc, CommitmentTxParams } from '../../../src/ln/chan_utils/commitment.js';
import { commitmentObscureFactor } from '../../../src/ln/chan_utils/commitment.js';
import { fromHex } from '../../../src/util/hex.js';

export interface HtlcTxVector {
  output: number;
  type: 'success' | 'timeout';
  htlc: number;
  remote_sig: string;
  local_sig?: string;
  tx: string;
}
export interface CommitTxVector {
  name: string;
  to_local_msat: number;
  to_remote_msat: number;
  feerate_per_kw: number;
  dust_limit_sat?: number;
  base_fee_sat?: number;
  actual_fee_sat?: number;
  use_test_htlcs?: boolean;
  num_htlcs?: number;
  outputs?: { type: string; htlc?: number; amount_sat: number; wscript?: string; p2wpkh_pubkey?: string }[];
  remote_sig: string;
  local_sig?: string;
  tx: string;
  htlc_txs: HtlcTxVector[];
}
export interface CommitParams {
  htlcs: { id: number; dir: 'remote_to_local' | 'local_to_remote'; amount_msat: number; expiry: number; preimage: string }[];
  internal: Record<string, string>;
  funding_txid: string;
  funding_output_index: number;
  funding_sat: number;
  commitment_number: number;
  local_delay: number;
  dust_limit_sat: number;
  [k: string]: unknown;
}
export interface Bolt03 {
  weights: Record<string, number>[];
  funding_tx: Record<string, string | number>[];
  commit_params: CommitParams[];
  commit_txs: CommitTxVector[];
  anchor_commit_txs: CommitTxVector[];
  fee_example: {
    feerate_per_kw: number;
    dust_limit_sat: number;
    offered_msat: number[];
    received_msat: number[];
    htlc_timeout_fee_sat: number;
    htlc_success_fee_sat: number;
    weight_steps: number[];
    untrimmed_msat: number[];
    trimmed_msat: number[];
    base_fee_sat: number;
    actual_fee_sat: number;
    weight: number;
  }[];
  secret_gen: { name: string; seed: string; index: number; secret: string }[];
  secret_store: { name: string; seed: string; steps: { index: number; secret: string; ok: boolean }[] }[];
  key_derivation: Record<string, string>[];
}

export const V = JSON.parse(readFileSync(new URL('../../fixtures/bolt03.json', import.meta.url), 'utf8')) as Bolt03;
export const P = V.commit_params[0]!;
export const str = (k: string): string => P[k] as string;
export const hex = (k: string): Uint8Array => fromHex(str(k));

/** Which of Appendix C's HTLCs a vector commits (the spec's prose says so per vector). */
export function vectorHtlcIds(v: CommitTxVector): number[] {
  if (v.name.includes('2 offered having the same amount')) return [1, 5, 6];
  if (v.use_test_htlcs === false || v.name.startsWith('simple commitment tx with no HTLCs')) return [];
  return [0, 1, 2, 3, 4];
}

/** The commitment parameters of one vector (local = broadcaster = funder). */
export function vectorParams(v: CommitTxVector, anchors: boolean, crypto: CryptoBackend): CommitmentTxParams {
  const htlcs: CommitmentHtlc[] = vectorHtlcIds(v).map((id) => {
    const h = P.htlcs[id]!;
    return {
      offered: h.dir === 'local_to_remote',
      amountMsat: BigInt(h.amount_msat),
      cltvExpiry: h.expiry,
      paymentHash: crypto.sha256(fromHex(h.preimage)),
    };
  });
  return {
    fundingOutpoint: { txid: txidFromHex(P.funding_txid), vout: P.funding_output_index },
    fundingSatoshis: BigInt(P.funding_sat),
    channelType: { anchors },
    commitmentNumber: BigInt(P.commitment_number),
    obscureFactor: commitmentObscureFactor(hex('local_payment_basepoint'), hex('remote_payment_basepoint'), crypto),
    toBroadcasterValueMsat: BigInt(v.to_local_msat),
    toCountersignatoryValueMsat: BigInt(v.to_remote_msat),
    feeratePerKw: v.feerate_per_kw,
    dustLimitSat: BigInt(v.dust_limit_sat ?? P.dust_limit_sat),
    toSelfDelay: P.local_delay,
    keys: {
      revocationPubkey: hex('local_revocation_pubkey'),
      broadcasterDelayedPubkey: hex('local_delayedpubkey'),
      countersignatoryPaymentPubkey: hex('remote_payment_basepoint'),
      broadcasterHtlcPubkey: hex('local_htlcpubkey'),
      countersignatoryHtlcPubkey: hex('remote_htlcpubkey'),
      broadcasterFundingPubkey: hex('local_funding_pubkey'),
      countersignatoryFundingPubkey: hex('remote_funding_pubkey'),
    },
    htlcs,
    isOutboundFromBroadcaster: true,
  };
}
