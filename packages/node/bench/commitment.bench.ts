/**
 * BOLT 3 hot path: building and signing commitment transactions, verifying HTLC signatures,
 * side by side with LDK (lightningdevkit 0.1.0, rust-lightning in WASM) in the same run.
 *
 * The work: a counterparty commitment (static_remotekey, feerate 253, HTLCs alternating
 * offered/received, all above dust) that our node — the funder — must sign for
 * `commitment_signed` (BOLT 2).
 * - `commitment.build_sign.{0,10,483}` (commitments/s): derive the commitment's keys from the
 *   per-commitment point (BOLT 3 §"Key Derivation"), build the transaction (§"Commitment
 *   Transaction Construction"), sign it and sign every HTLC transaction. `ldk`: the same
 *   commitment in LDK — the bindings have no `CommitmentTransaction` constructor, so lnts' built
 *   commitment is handed over in LDK's own serialization (`CommitmentTransaction::read`, outside
 *   the timed loop); timed are `verify` (LDK re-derives the keys and rebuilds the transaction
 *   from its fields, and fails unless it equals lnts' bytes) and `sign_counterparty_commitment`
 *   (commitment + HTLC signatures). Before timing, LDK's signatures are checked equal to lnts'
 *   byte for byte (RFC 6979), so both sides do provably the same work.
 * - `commitment.derive_keys` (keysets/s): the key-derivation share of `build_sign`.
 * - `commitment.htlc_verify` (sigs/s): the 483 HTLC signatures verified, sighashes included (the
 *   receiving side of `commitment_signed`). LDK exposes no such call in its bindings: `ldk: null`.
 * - `commitment.txlayer.{hand,scure}`: the Bitcoin-layer share of the 483-HTLC work (serialize,
 *   txid, BIP 143 sighash of the commitment and of each HTLC transaction) with lnts' hand-written
 *   serializer vs @scure/btc-signer's `Transaction`, same hashing (noble) — the measurement
 *   behind choosing the hand-written one.
 * Figures are per crypto backend available (`backend`).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { bip143Cache, segwitV0Sighash, serializeTx, SIGHASH_ALL, txid as txidOf } from '@lnts/lightning/bitcoin';
import { type CryptoBackend, nobleBackend } from '@lnts/lightning/crypto';
import {
  buildCommitmentTx,
  buildHtlcTx,
  type CommitmentHtlc,
  type CommitmentTransaction as LntsCommitment,
  type CommitmentTxParams,
  commitmentObscureFactor,
  derivePrivateKey,
  deriveTxCreationKeys,
  INITIAL_COMMITMENT_NUMBER,
  signFundingSpend,
  signHtlcTxs,
  verifyHtlcTxSignatures,
} from '@lnts/lightning/ln/chan_utils';
import { Transaction as ScureTransaction } from '@scure/btc-signer';
import * as ldk from 'lightningdevkit';
import { emit, opsPerSec, wanted } from './util.js';

async function backends(): Promise<CryptoBackend[]> {
  const out: CryptoBackend[] = [nobleBackend];
  // The fast Node backends (packages/node/src/crypto): each loader throws when its library is
  // missing on this machine, which only drops that backend from the run.
  const spec = '../src/crypto/index.js';
  try {
    const mod = (await import(spec)) as Record<string, unknown>;
    for (const name of ['loadNativeBackend', 'loadWasmBackend']) {
      const load = mod[name];
      if (typeof load !== 'function') continue;
      try {
        const b = (load as () => CryptoBackend)();
        if (b && typeof b.signEcdsa === 'function' && !out.some((x) => x.name === b.name)) out.push(b);
      } catch {
        // that library is not installed here
      }
    }
  } catch {
    // no Node backends in this checkout: noble only
  }
  return out;
}

// ---- LDK side ----
let ready: Promise<void> | null = null;
/** Loads the WASM once; resolves false when the package or its binary is missing. */
async function loadLdk(): Promise<boolean> {
  try {
    if (!ready) {
      const require = createRequire(import.meta.url);
      const dir = dirname(require.resolve('lightningdevkit/package.json'));
      const bin = readFileSync(join(dir, 'liblightningjs.wasm'));
      const log = console.log;
      console.log = () => {}; // the bindings print a banner; stdout carries JSON only
      ready = ldk.initializeWasmFromBinary(bin).finally(() => {
        console.log = log;
      });
    }
    await ready;
    return true;
  } catch {
    return false;
  }
}

function bigSize(n: number): number[] {
  if (n < 0xfd) return [n];
  if (n <= 0xffff) return [0xfd, n >> 8, n & 0xff];
  return [0xfe, (n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
}
function be(v: bigint, bytes: number): number[] {
  const out: number[] = [];
  for (let i = bytes - 1; i >= 0; i--) out.push(Number((v >> BigInt(8 * i)) & 0xffn));
  return out;
}
function record(type: number, value: ArrayLike<number>): number[] {
  return [...bigSize(type), ...bigSize(value.length), ...Array.from(value)];
}
function stream(records: number[][]): Uint8Array {
  const body = records.flat();
  return Uint8Array.from([...bigSize(body.length), ...body]);
}

function publicKeys(k: KeySet): ldk.ChannelPublicKeys {
  return ldk.ChannelPublicKeys.constructor_new(
    k.funding,
    ldk.RevocationBasepoint.constructor_new(k.revocation),
    k.payment,
    ldk.DelayedPaymentBasepoint.constructor_new(k.delayed),
    ldk.HtlcBasepoint.constructor_new(k.htlc),
  );
}

/** One counterparty commitment, ready for LDK to verify and sign. */
interface LdkCommitmentWork {
  verifyAndSign(): { commitmentSig: Uint8Array; htlcSigs: Uint8Array[] };
}

/**
 * Prepares LDK's view of `c`, a commitment lnts built for the counterparty (broadcaster =
 * counterparty, LDK's holder = countersignatory and funder).
 */
function prepareLdk(c: LntsCommitment, ldkCommitmentNumber: bigint, anchors = false): LdkCommitmentWork {
  const holderKeys = publicKeys(holderPub);
  const counterpartyKeys = publicKeys(counterpartyPub);
  const fundingOutpoint = ldk.OutPoint.constructor_new(c.params.fundingOutpoint.txid, c.params.fundingOutpoint.vout);
  const features = anchors
    ? ldk.ChannelTypeFeatures.constructor_anchors_zero_htlc_fee_and_dependencies()
    : ldk.ChannelTypeFeatures.constructor_only_static_remote_key();
  const ctp = ldk.ChannelTransactionParameters.constructor_new(
    holderKeys,
    CONTEST_DELAY,
    true,
    ldk.CounterpartyChannelTransactionParameters.constructor_new(counterpartyKeys, CONTEST_DELAY),
    fundingOutpoint,
    features,
  );
  const signer = ldk.InMemorySigner.constructor_new(
    holderSecrets.funding,
    holderSecrets.revocation,
    holderSecrets.payment,
    holderSecrets.delayed,
    holderSecrets.htlc,
    new Uint8Array(32).fill(9),
    FUNDING_SAT,
    new Uint8Array(32).fill(1),
    new Uint8Array(32).fill(2),
  );
  signer.as_ChannelSigner().provide_channel_parameters(ctp);
  const directed = ctp.as_counterparty_broadcastable();
  const keys = ldk.TxCreationKeys.constructor_from_channel_static_keys(perCommitmentPoint, counterpartyKeys, holderKeys);
  const built = ldk.BuiltCommitmentTransaction.constructor_new(serializeTx(c.tx), c.txid);
  const htlcs = c.htlcOutputs.map((h) =>
    ldk.HTLCOutputInCommitment.constructor_new(h.htlc.offered, h.htlc.amountMsat, h.htlc.cltvExpiry, h.htlc.paymentHash, ldk.Option_u32Z.constructor_some(h.outputIndex)).write(),
  );
  const bytes = stream([
    record(0, be(ldkCommitmentNumber, 8)),
    record(1, be(BigInt(CONTEST_DELAY), 2)),
    record(2, be(c.toBroadcasterValueSat, 8)),
    record(4, be(c.toCountersignatoryValueSat, 8)),
    record(6, be(BigInt(c.params.feeratePerKw), 4)),
    record(8, keys.write()),
    record(10, built.write()),
    record(12, htlcs.flatMap((h) => Array.from(h))),
    // LDK writes an empty type-14 record for any channel type newer than static_remotekey.
    ...(anchors ? [record(14, [])] : []),
    record(15, features.write()),
  ]);
  const read = ldk.CommitmentTransaction.constructor_read(bytes);
  if (!(read instanceof ldk.Result_CommitmentTransactionDecodeErrorZ_OK)) throw new Error('LDK could not read the commitment');
  const ct = read.res;
  const ecdsa = signer.as_EcdsaChannelSigner();
  return {
    verifyAndSign() {
      const v = ct.verify(directed, counterpartyKeys, holderKeys);
      if (!v.is_ok()) throw new Error('LDK rebuilt a different commitment transaction');
      const r = ecdsa.sign_counterparty_commitment(ct, [], []);
      if (!(r instanceof ldk.Result_C2Tuple_ECDSASignatureCVec_ECDSASignatureZZNoneZ_OK)) throw new Error('LDK refused to sign');
      return { commitmentSig: r.res.get_a(), htlcSigs: r.res.get_b() };
    },
  };
}

const secret = (k: number) => nobleBackend.sha256(Uint8Array.of(0xbe, k));
type KeySet = { funding: Uint8Array; revocation: Uint8Array; payment: Uint8Array; delayed: Uint8Array; htlc: Uint8Array };
const holderSecrets: KeySet = { funding: secret(1), revocation: secret(2), payment: secret(3), delayed: secret(4), htlc: secret(5) };
const counterpartySecrets: KeySet = { funding: secret(11), revocation: secret(12), payment: secret(13), delayed: secret(14), htlc: secret(15) };
const pubs = (o: KeySet, c: CryptoBackend): KeySet => ({
  funding: c.publicKey(o.funding),
  revocation: c.publicKey(o.revocation),
  payment: c.publicKey(o.payment),
  delayed: c.publicKey(o.delayed),
  htlc: c.publicKey(o.htlc),
});
const holderPub = pubs(holderSecrets, nobleBackend);
const counterpartyPub = pubs(counterpartySecrets, nobleBackend);
const perCommitmentPoint = nobleBackend.publicKey(secret(99));
const CONTEST_DELAY = 144;
const FUNDING_SAT = 16_000_000n;

function htlcsOf(n: number, crypto: CryptoBackend): CommitmentHtlc[] {
  return Array.from({ length: n }, (_, i) => ({
    offered: i % 2 === 0,
    amountMsat: 5_000_000n + BigInt(i) * 1_000n,
    cltvExpiry: 800_000 + i,
    paymentHash: crypto.sha256(Uint8Array.of(i & 0xff, i >> 8)),
  }));
}

/** Derives the counterparty commitment's keys and builds it (broadcaster = counterparty; we fund). */
function build(htlcs: CommitmentHtlc[], crypto: CryptoBackend, anchors = false): LntsCommitment {
  const k = deriveTxCreationKeys(
    perCommitmentPoint,
    {
      broadcasterDelayedPaymentBasepoint: counterpartyPub.delayed,
      broadcasterHtlcBasepoint: counterpartyPub.htlc,
      countersignatoryRevocationBasepoint: holderPub.revocation,
      countersignatoryHtlcBasepoint: holderPub.htlc,
    },
    crypto,
  );
  const htlcMsat = htlcs.reduce((a, h) => a + h.amountMsat, 0n);
  const params: CommitmentTxParams = {
    fundingOutpoint: { txid: nobleBackend.sha256(Uint8Array.of(1)), vout: 0 },
    fundingSatoshis: FUNDING_SAT,
    channelType: { anchors },
    commitmentNumber: 42n,
    obscureFactor: commitmentObscureFactor(holderPub.payment, counterpartyPub.payment, crypto),
    toBroadcasterValueMsat: 8_000_000_000n - htlcMsat,
    toCountersignatoryValueMsat: 8_000_000_000n,
    feeratePerKw: 253,
    dustLimitSat: 546n,
    toSelfDelay: CONTEST_DELAY,
    keys: {
      revocationPubkey: k.revocationPubkey,
      broadcasterDelayedPubkey: k.broadcasterDelayedPubkey,
      countersignatoryPaymentPubkey: holderPub.payment,
      broadcasterHtlcPubkey: k.broadcasterHtlcPubkey,
      countersignatoryHtlcPubkey: k.countersignatoryHtlcPubkey,
      broadcasterFundingPubkey: counterpartyPub.funding,
      countersignatoryFundingPubkey: holderPub.funding,
    },
    htlcs,
    isOutboundFromBroadcaster: false,
  };
  return buildCommitmentTx(params, crypto);
}

/** Everything `commitment_signed` needs for this commitment. */
function buildAndSign(
  htlcs: CommitmentHtlc[],
  crypto: CryptoBackend,
  anchors = false,
): { commitmentSig: Uint8Array; htlcSigs: Uint8Array[]; c: LntsCommitment } {
  const c = build(htlcs, crypto, anchors);
  const commitmentSig = signFundingSpend(c.tx, c.fundingScript, FUNDING_SAT, holderSecrets.funding, crypto);
  const htlcSigs = signHtlcTxs(c, derivePrivateKey(holderSecrets.htlc, perCommitmentPoint, crypto), 'countersignatory', crypto);
  return { commitmentSig, htlcSigs, c };
}

const sameBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

const haveLdk = await loadLdk();
const list = await backends();

/** Untimed cross-check: LDK rebuilds and signs lnts' commitment identically (optionally with anchors). */
function ldkAgrees(n: number, anchors: boolean): string {
  try {
    const ref = buildAndSign(htlcsOf(n, nobleBackend), nobleBackend, anchors);
    const got = prepareLdk(ref.c, INITIAL_COMMITMENT_NUMBER - 42n, anchors).verifyAndSign();
    const same = sameBytes(got.commitmentSig, ref.commitmentSig) && got.htlcSigs.length === n && got.htlcSigs.every((s, i) => sameBytes(s, ref.htlcSigs[i]!));
    return same ? 'same tx and signatures' : 'LDK signatures differ from lnts';
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}
const ldkAnchors = haveLdk ? ldkAgrees(10, true) : 'lightningdevkit not loadable';
for (const n of [0, 10, 483]) {
  const bench = `commitment.build_sign.${n}`;
  if (!wanted(bench)) continue;
  // Scaled by the number of backends so the file stays under a minute.
  const minMs = (n === 483 ? 6000 : 3000) / list.length;
  let ldkWork: (() => number) | null = null;
  let ldkNote: string | undefined;
  if (haveLdk) {
    try {
      const ref = buildAndSign(htlcsOf(n, nobleBackend), nobleBackend);
      const work = prepareLdk(ref.c, INITIAL_COMMITMENT_NUMBER - 42n);
      const got = work.verifyAndSign();
      if (!sameBytes(got.commitmentSig, ref.commitmentSig) || got.htlcSigs.length !== n || !got.htlcSigs.every((s, i) => sameBytes(s, ref.htlcSigs[i]!))) {
        throw new Error('LDK signatures differ from lnts');
      }
      ldkWork = () => {
        work.verifyAndSign();
        return 1;
      };
    } catch (e) {
      ldkNote = e instanceof Error ? e.message : String(e);
    }
  } else ldkNote = 'lightningdevkit not loadable';
  for (const crypto of list) {
    const htlcs = htlcsOf(n, crypto);
    // The machine is shared: alternate lnts and LDK in three rounds and keep each one's best,
    // so a burst of load elsewhere does not land on one side only.
    let value = 0;
    let ldkRate: number | null = null;
    for (let round = 0; round < 3; round++) {
      value = Math.max(value, opsPerSec(() => void buildAndSign(htlcs, crypto), minMs / 3));
      if (ldkWork) ldkRate = Math.max(ldkRate ?? 0, opsPerSec(ldkWork, minMs / 3));
    }
    emit({
      bench,
      unit: 'commitments/s',
      value,
      ldk: ldkRate,
      ratio: ldkRate ? value / ldkRate : null,
      backend: crypto.name,
      htlcs: n,
      signatures: n + 1,
      anchors: false,
      measure: 'best of 3 alternating rounds',
      ldkAnchorsCheck: ldkAnchors,
      ...(ldkNote ? { ldkNote } : { ldkChecked: 'LDK rebuilt the same tx and produced the same signatures' }),
    });
  }
}
for (const crypto of list) {
  if (!wanted('commitment.derive_keys')) break;
  // The key-derivation share of build_sign (5 point operations, BOLT 3 §"Key Derivation").
  const bases = {
    broadcasterDelayedPaymentBasepoint: counterpartyPub.delayed,
    broadcasterHtlcBasepoint: counterpartyPub.htlc,
    countersignatoryRevocationBasepoint: holderPub.revocation,
    countersignatoryHtlcBasepoint: holderPub.htlc,
  };
  const value = opsPerSec(() => {
    deriveTxCreationKeys(perCommitmentPoint, bases, crypto);
    derivePrivateKey(holderSecrets.htlc, perCommitmentPoint, crypto);
    return 1;
  }, 800);
  emit({ bench: 'commitment.derive_keys', unit: 'keysets/s', value, ldk: null, ratio: null, backend: crypto.name });
}
for (const crypto of list) {
  if (!wanted('commitment.htlc_verify')) break;
  const { c, htlcSigs } = buildAndSign(htlcsOf(483, crypto), crypto);
  const pub = c.params.keys.countersignatoryHtlcPubkey;
  const value = opsPerSec(() => {
    if (verifyHtlcTxSignatures(c, htlcSigs, pub, 'countersignatory', crypto) !== -1) throw new Error('bad signature');
    return htlcSigs.length;
  }, 1500);
  emit({ bench: 'commitment.htlc_verify', unit: 'sigs/s', value, ldk: null, ratio: null, backend: crypto.name, htlcs: 483 });
}

// Serializer choice: hand-written vs @scure/btc-signer on the same transactions (noble hashing).
if (wanted('commitment.txlayer')) {
  const crypto = nobleBackend;
  const c = build(htlcsOf(483, crypto), crypto);
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
  }, 1200);
  emit({ bench: 'commitment.txlayer.hand', unit: 'commitments/s', value: hand, htlcs: 483, backend: crypto.name });
  const scure = opsPerSec(() => {
    const t = toScure(c.tx, [fundingSpk], [c.params.fundingSatoshis]);
    t.toBytes(true, true);
    void t.id;
    t.preimageWitnessV0(0, c.fundingScript, SIGHASH_ALL, c.params.fundingSatoshis);
    for (const { h, tx } of htlcTxs) toScure(tx, [c.toLocalScriptPubkey], [h.amountSat]).preimageWitnessV0(0, h.witnessScript, SIGHASH_ALL, h.amountSat);
    return 1;
  }, 1200);
  emit({ bench: 'commitment.txlayer.scure', unit: 'commitments/s', value: scure, htlcs: 483, backend: crypto.name, handOverScure: hand / scure });
}
