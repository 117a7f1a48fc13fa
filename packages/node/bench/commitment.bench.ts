/**
 * BOLT 3 hot path: building and signing commitment transactions, verifying HTLC signatures.
 *
 * - `commitment.build_sign.{0,10,483}`: per second, one counterparty commitment built (BOLT 3
 *   §"Commitment Transaction Construction", static_remotekey, HTLCs split offered/received,
 *   all untrimmed) and everything `commitment_signed` carries signed (BOLT 2): the commitment
 *   signature and one HTLC-transaction signature per HTLC output.
 * - `commitment.htlc_verify`: HTLC-transaction signatures verified per second (the receiving
 *   side of `commitment_signed`), sighash computation included, on the 483-HTLC commitment.
 * - `commitment.txlayer.{hand,scure}`: the Bitcoin-layer share of the 483-HTLC build (serialize,
 *   txid, BIP 143 sighash of the commitment and of each HTLC transaction) with lnts' hand-written
 *   serializer vs @scure/btc-signer's `Transaction`, same hashing (noble). Kept so the choice of
 *   serializer stays justified by a figure.
 *
 * Every figure is given per crypto backend available (`backend` field). LDK: lightningdevkit
 * 0.1.0's bindings offer no constructor for `CommitmentTransaction` (only `read`), so there is
 * no side-by-side LDK figure here (`ldk: null`).
 */
import { bip143Cache, segwitV0Sighash, serializeTx, SIGHASH_ALL, txid as txidOf } from '@lnts/lightning/bitcoin';
import { type CryptoBackend, nobleBackend } from '@lnts/lightning/crypto';
import {
  buildCommitmentTx,
  buildHtlcTx,
  type CommitmentHtlc,
  type CommitmentTxParams,
  signFundingSpend,
  signHtlcTxs,
  verifyHtlcTxSignatures,
} from '@lnts/lightning/ln/chan_utils';
import { Transaction as ScureTransaction } from '@scure/btc-signer';
import { emit, opsPerSec, wanted } from './util.js';

async function backends(): Promise<CryptoBackend[]> {
  const out: CryptoBackend[] = [nobleBackend];
  // The fast Node backends are another engineer's work; use them when they exist.
  const spec = '../src/crypto/index.js';
  try {
    const mod = (await import(spec)) as Record<string, unknown>;
    for (const name of ['nativeBackend', 'wasmBackend']) {
      const b = mod[name];
      if (b && typeof b === 'object' && typeof (b as CryptoBackend).signEcdsa === 'function') out.push(b as CryptoBackend);
    }
  } catch {
    // not there yet: noble only
  }
  return out;
}

const secret = (k: number) => nobleBackend.sha256(Uint8Array.of(0xbe, k));

function params(n: number, crypto: CryptoBackend): CommitmentTxParams {
  const pub = (k: number) => crypto.publicKey(secret(k));
  const htlcs: CommitmentHtlc[] = Array.from({ length: n }, (_, i) => ({
    offered: i % 2 === 0,
    amountMsat: 5_000_000n + BigInt(i) * 1_000n,
    cltvExpiry: 800_000 + i,
    paymentHash: crypto.sha256(Uint8Array.of(i & 0xff, i >> 8)),
  }));
  const htlcMsat = htlcs.reduce((a, h) => a + h.amountMsat, 0n);
  return {
    fundingOutpoint: { txid: crypto.sha256(Uint8Array.of(1)), vout: 0 },
    fundingSatoshis: 16_000_000n,
    channelType: { anchors: false },
    commitmentNumber: 42n,
    obscureFactor: 0x2bb038521914n,
    toBroadcasterValueMsat: 8_000_000_000n - htlcMsat,
    toCountersignatoryValueMsat: 8_000_000_000n,
    feeratePerKw: 253,
    dustLimitSat: 546n,
    toSelfDelay: 144,
    keys: {
      revocationPubkey: pub(1),
      broadcasterDelayedPubkey: pub(2),
      countersignatoryPaymentPubkey: pub(3),
      broadcasterHtlcPubkey: pub(4),
      countersignatoryHtlcPubkey: pub(5),
      broadcasterFundingPubkey: pub(6),
      countersignatoryFundingPubkey: pub(7),
    },
    htlcs,
    isOutboundFromBroadcaster: true,
  };
}

const list = await backends();
for (const crypto of list) {
  for (const n of [0, 10, 483]) {
    const bench = `commitment.build_sign.${n}`;
    if (!wanted(bench)) continue;
    const p = params(n, crypto);
    const fundingSecret = secret(7);
    const htlcSecret = secret(5);
    const value = opsPerSec(() => {
      const c = buildCommitmentTx(p, crypto);
      signFundingSpend(c.tx, c.fundingScript, p.fundingSatoshis, fundingSecret, crypto);
      signHtlcTxs(c, htlcSecret, 'countersignatory', crypto);
      return 1;
    }, n === 483 ? 4000 : 2000);
    emit({ bench, unit: 'commitments/s', value, ldk: null, ratio: null, backend: crypto.name, htlcs: n, signatures: n + 1, anchors: false });
  }
  if (wanted('commitment.htlc_verify')) {
    const p = params(483, crypto);
    const c = buildCommitmentTx(p, crypto);
    const sigs = signHtlcTxs(c, secret(5), 'countersignatory', crypto);
    const pub = p.keys.countersignatoryHtlcPubkey;
    const value = opsPerSec(() => {
      if (verifyHtlcTxSignatures(c, sigs, pub, 'countersignatory', crypto) !== -1) throw new Error('bad signature');
      return sigs.length;
    }, 3000);
    emit({ bench: 'commitment.htlc_verify', unit: 'sigs/s', value, ldk: null, ratio: null, backend: crypto.name, htlcs: 483 });
  }
}

// Serializer choice: hand-written vs @scure/btc-signer on the same transactions (noble hashing).
if (wanted('commitment.txlayer')) {
  const crypto = nobleBackend;
  const c = buildCommitmentTx(params(483, crypto), crypto);
  const htlcTxs = c.htlcOutputs.map((h) => ({ h, tx: buildHtlcTx(c, h) }));
  const toScure = (tx: typeof c.tx, prevScripts: Uint8Array[], amounts: bigint[]) => {
    const t = new ScureTransaction({ version: tx.version, lockTime: tx.locktime, allowUnknownOutputs: true, allowUnknownInputs: true, disableScriptCheck: true });
    for (const [k, i] of tx.inputs.entries()) {
      t.addInput({ txid: i.prevout.txid.slice().reverse(), index: i.prevout.vout, sequence: i.sequence, witnessUtxo: { script: prevScripts[k]!, amount: amounts[k]! } });
    }
    for (const o of tx.outputs) t.addOutput({ script: o.script, amount: o.value });
    return t;
  };
  const fundingSpk = Uint8Array.of(0, 32, ...crypto.sha256(c.fundingScript));
  // Same answers first, so the race is fair.
  const ours = segwitV0Sighash(c.tx, 0, c.fundingScript, c.params.fundingSatoshis, SIGHASH_ALL, crypto);
  const theirs = toScure(c.tx, [fundingSpk], [c.params.fundingSatoshis]).preimageWitnessV0(0, c.fundingScript, SIGHASH_ALL, c.params.fundingSatoshis);
  if (Buffer.compare(Buffer.from(ours), Buffer.from(theirs)) !== 0) throw new Error('sighash mismatch between lnts and scure');
  const hand = opsPerSec(() => {
    serializeTx(c.tx);
    txidOf(c.tx, crypto);
    segwitV0Sighash(c.tx, 0, c.fundingScript, c.params.fundingSatoshis, SIGHASH_ALL, crypto, bip143Cache(c.tx, crypto));
    for (const { h, tx } of htlcTxs) segwitV0Sighash(tx, 0, h.witnessScript, h.amountSat, SIGHASH_ALL, crypto);
    return 1;
  }, 2000);
  emit({ bench: 'commitment.txlayer.hand', unit: 'commitments/s', value: hand, htlcs: 483, backend: crypto.name });
  const scure = opsPerSec(() => {
    const t = toScure(c.tx, [fundingSpk], [c.params.fundingSatoshis]);
    t.toBytes(true, true);
    void t.id;
    t.preimageWitnessV0(0, c.fundingScript, SIGHASH_ALL, c.params.fundingSatoshis);
    for (const { h, tx } of htlcTxs) toScure(tx, [c.toLocalScriptPubkey], [h.amountSat]).preimageWitnessV0(0, h.witnessScript, SIGHASH_ALL, h.amountSat);
    return 1;
  }, 2000);
  emit({ bench: 'commitment.txlayer.scure', unit: 'commitments/s', value: scure, htlcs: 483, backend: crypto.name, handOverScure: hand / scure });
}
