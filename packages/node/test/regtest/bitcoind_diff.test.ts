import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { OutPoint, Transaction, TxOut } from '@lnts/lightning/bitcoin';
import {
  encodeWitnessSignature,
  legacySighash,
  p2pkhScript,
  p2shScript,
  p2wpkhScript,
  p2wshForScript,
  SIGHASH_ALL,
  SIGHASH_ANYONECANPAY,
  SIGHASH_NONE,
  SIGHASH_SINGLE,
  serializeTx,
  txidToHex,
} from '@lnts/lightning/bitcoin';
import { anchorScript, fundingScript, offeredHtlcScript, receivedHtlcScript, toLocalScript, toRemoteAnchorsScript } from '@lnts/lightning/ln/chan_utils';
import { compareBytes, concat, toHex } from '@lnts/lightning/util';
import { blockSubsidy, buildCoinbase, evalScript, RegtestChain, SIGHASH_DEFAULT, serializeBlock, STANDARD_FLAGS, taprootKeySighash, ScriptFailure, TransactionSignatureChecker } from '../../src/regtest/index.js';
import type { Bitcoind } from './bitcoind.js';
import { startBitcoind } from './bitcoind.js';
import fc from 'fast-check';
import { signSchnorr } from 'tiny-secp256k1';
import type { StackItem } from './random_scripts.js';
import { placeholder, placeholderChecker, randomScript, randomSequence, randomStack, resolve } from './random_scripts.js';
import { corrupt, crypto, highS, key, p2wpkhCode, spend, withWitness, witnessSig } from './helpers.js';

// Differential test against Bitcoin Core 26: the same transactions go to the embedded chain and
// to bitcoind's `testmempoolaccept`, and the accept/reject verdicts (and reasons) must agree; each
// case also states the verdict it is built to get, so a case that tests nothing is caught. Both
// chains are the same chain: every block the embedded chain mines (headers, coinbase, witness
// commitment, the mempool transactions it confirms) is handed to bitcoind with `submitblock` and
// must become its tip; state-changing transactions are sent to both mempools.

const BITCOIND = process.env.BITCOIND;
const EMPTY = new Uint8Array(0);
const ONE = Uint8Array.of(1);

const good = (k: number): StackItem => ({ key: k, variant: 'good', hashType: SIGHASH_ALL });
const CANDIDATE_STACKS: StackItem[][] = [
  [],
  [ONE],
  [ONE, ONE],
  [EMPTY],
  [ONE, EMPTY],
  [EMPTY, ONE],
  [Uint8Array.of(2), ONE],
  [ONE, ONE, ONE],
  [Uint8Array.of(5), Uint8Array.of(3)],
  [good(0)],
  [good(1)],
  [good(2)],
  [EMPTY, good(0)],
  [EMPTY, good(1)],
  [EMPTY, good(0), good(1)],
  [EMPTY, good(0), good(2)],
  [EMPTY, good(1), good(2)],
  [EMPTY, good(0), good(1), good(2)],
];

/**
 * Makes a drawn case likely valid: the first stack (the drawn one, then a few simple ones) on
 * which `script` runs under policy flags — signatures stood in for by placeholders that verify
 * exactly when they will — and a tail of DROPs for what it leaves plus OP_1.
 * Only our interpreter chooses; Core still judges the result.
 */
function makeValid(script: Uint8Array, drawn: StackItem[], sequence: number): { script: Uint8Array; stack: StackItem[] } {
  const dummy = spend({ txid: new Uint8Array(32), vout: 0 }, [], { sequence });
  const checker = placeholderChecker(new TransactionSignatureChecker(dummy, 0, 0n, crypto));
  for (const stack of [drawn, ...CANDIDATE_STACKS]) {
    const s = stack.map(placeholder);
    try {
      evalScript(s, script, { flags: STANDARD_FLAGS, sigversion: 'witness_v0', checker, crypto });
    } catch (e) {
      if (e instanceof ScriptFailure) continue;
      throw e;
    }
    return { script: concat(script, new Uint8Array(s.length).fill(0x75), Uint8Array.of(0x51)), stack };
  }
  return { script, stack: drawn };
}

type Verdict = 'accept' | 'reject';
interface Outcome {
  readonly name: string;
  readonly expected: Verdict;
  readonly ours: string;
  readonly core: string;
}

const K = key('diff-wallet');
const WALLET = p2wpkhScript(crypto.hash160(K.pubkey));
const FEE = 2_000n;

describe('embedded chain vs Bitcoin Core testmempoolaccept', { timeout: 60_000, skip: BITCOIND ? false : 'set BITCOIND to a Bitcoin Core 26 bitcoind binary to run (.ci/run sets it)' }, () => {
  let core: Bitcoind;
  // Core's own rule for block times, so bitcoind accepts our blocks.
  const chain = new RegtestChain({ crypto, blockTime: (_h, _prev, mtp) => Math.max(mtp + 1, Math.floor(Date.now() / 1000)) });
  const outcomes: Outcome[] = [];

  before(async () => {
    core = await startBitcoind(BITCOIND!);
  });
  after(async () => {
    await core?.stop();
  });

  const mineBoth = async (n: number) => {
    for (const b of chain.mine(n, WALLET)) {
      const verdict = await core.rpc<string | null>('submitblock', toHex(serializeBlock(b)));
      assert.equal(verdict, null, `bitcoind refused our block ${b.height}: ${verdict}`);
    }
    assert.equal(await core.rpc<string>('getbestblockhash'), txidToHex(chain.tip.hash));
    assert.equal((await core.rpc<string[]>('getrawmempool')).length, chain.mempoolTxids().length);
  };
  const submitBoth = async (tx: Transaction): Promise<Uint8Array> => {
    const hex = toHex(serializeTx(tx));
    const ours = chain.submit(tx);
    assert.ok(ours.ok, `embedded chain refused a setup transaction: ${ours.ok ? '' : `${ours.reason} ${ours.detail ?? ''}`}`);
    const id = await core.rpc<string>('sendrawtransaction', hex, 0);
    assert.equal(id, txidToHex(ours.txid));
    return ours.txid;
  };
  const check = async (name: string, expected: Verdict, tx: Transaction) => {
    const hex = toHex(serializeTx(tx));
    const [res] = await core.rpc<Array<{ allowed: boolean; 'reject-reason'?: string }>>('testmempoolaccept', [hex], 0);
    const r = chain.testAccept(tx);
    outcomes.push({
      name,
      expected,
      // Script failures carry Core's parenthesized error text; other details are ours alone.
      ours: r.ok ? 'accept' : `reject: ${r.reason}${r.scriptError ? ` (${r.detail})` : ''}`,
      core: res!.allowed ? 'accept' : `reject: ${res!['reject-reason']}`,
    });
  };
  const coinbase = (height: number): { outpoint: OutPoint; value: bigint } => {
    const b = chain.blockAt(height)!;
    return { outpoint: { txid: b.txids[0]!, vout: 0 }, value: b.txs[0]!.outputs[0]!.value };
  };
  const signP2wpkh = (tx: Transaction, index: number, value: bigint, hashType = SIGHASH_ALL): Transaction =>
    withWitness(tx, index, [witnessSig(tx, index, p2wpkhCode(K.pubkey), value, K, hashType), K.pubkey]);
  const pay = (value: bigint): TxOut[] => [{ value: value - FEE, script: WALLET }];

  test('bitcoind accepts our blocks: same genesis, then 130 mined here and submitted', async () => {
    assert.equal(await core.rpc<string>('getblockhash', 0), txidToHex(chain.blockAt(0)!.hash));
    await mineBoth(130);
    // The next coinbase we would build carries the value and witness commitment Core's miner wants.
    const tpl = await core.rpc<{ height: number; coinbasevalue: number; default_witness_commitment: string }>('getblocktemplate', { rules: ['segwit'] });
    assert.equal(tpl.height, chain.height + 1);
    const next = buildCoinbase(tpl.height, WALLET, blockSubsidy(tpl.height), [], crypto);
    assert.equal(BigInt(tpl.coinbasevalue), next.outputs[0]!.value);
    assert.equal(toHex(next.outputs[1]!.script), tpl.default_witness_commitment);
  });

  test('P2WPKH spends, sighash types, amounts, maturity, nLockTime, policy', async () => {
    const c = coinbase(1);
    const base = spend(c.outpoint, pay(c.value));
    await check('p2wpkh SIGHASH_ALL', 'accept', signP2wpkh(base, 0, c.value));
    for (const [n, t] of [
      ['ALL|ANYONECANPAY', SIGHASH_ALL | SIGHASH_ANYONECANPAY],
      ['NONE', SIGHASH_NONE],
      ['NONE|ANYONECANPAY', SIGHASH_NONE | SIGHASH_ANYONECANPAY],
      ['SINGLE', SIGHASH_SINGLE],
      ['SINGLE|ANYONECANPAY', SIGHASH_SINGLE | SIGHASH_ANYONECANPAY],
    ] as const) {
      await check(`p2wpkh SIGHASH_${n}`, 'accept', signP2wpkh(base, 0, c.value, t));
    }
    const good = signP2wpkh(base, 0, c.value);
    const [sig, pub] = good.inputs[0]!.witness as [Uint8Array, Uint8Array];
    await check('p2wpkh bad signature', 'reject', withWitness(base, 0, [corrupt(sig), pub]));
    await check('p2wpkh high-S signature', 'reject', withWitness(base, 0, [highS(sig), pub]));
    await check('p2wpkh undefined sighash type 0x04', 'reject', signP2wpkh(base, 0, c.value, 0x04));
    await check('p2wpkh wrong public key', 'reject', withWitness(base, 0, [sig, key('other').pubkey]));
    await check('p2wpkh three witness items', 'reject', withWitness(base, 0, [sig, pub, ONE]));
    await check('p2wpkh signature over the wrong amount', 'reject', signP2wpkh(base, 0, c.value - 1n));
    const over = spend(c.outpoint, [{ value: c.value + 1n, script: WALLET }]);
    await check('output worth more than input', 'reject', signP2wpkh(over, 0, c.value));
    const cheap = spend(c.outpoint, [{ value: c.value - 50n, script: WALLET }]);
    await check('fee below the relay minimum', 'reject', signP2wpkh(cheap, 0, c.value));
    const dust = spend(c.outpoint, [...pay(c.value - 293n), { value: 293n, script: p2wpkhScript(crypto.hash160(key('d').pubkey)) }]);
    await check('293-sat P2WPKH output is dust', 'reject', signP2wpkh(dust, 0, c.value));
    const notDust = spend(c.outpoint, [...pay(c.value - 294n), { value: 294n, script: p2wpkhScript(crypto.hash160(key('d').pubkey)) }]);
    await check('294-sat P2WPKH output is not dust', 'accept', signP2wpkh(notDust, 0, c.value));
    const young = coinbase(40);
    await check('immature coinbase (depth 91)', 'reject', signP2wpkh(spend(young.outpoint, pay(young.value)), 0, young.value));
    const edge = coinbase(31);
    await check('coinbase at depth exactly 100', 'accept', signP2wpkh(spend(edge.outpoint, pay(edge.value)), 0, edge.value));
    const lockNext = spend(c.outpoint, pay(c.value), { locktime: chain.height + 1, sequence: 0xfffffffe });
    await check('nLockTime = tip + 1', 'reject', signP2wpkh(lockNext, 0, c.value));
    const lockTip = spend(c.outpoint, pay(c.value), { locktime: chain.height, sequence: 0xfffffffe });
    await check('nLockTime = tip', 'accept', signP2wpkh(lockTip, 0, c.value));
    const lockFinal = spend(c.outpoint, pay(c.value), { locktime: chain.height + 100, sequence: 0xffffffff });
    await check('future nLockTime with final nSequence', 'accept', signP2wpkh(lockFinal, 0, c.value));
    await check('missing input', 'reject', signP2wpkh(spend({ txid: crypto.sha256(ONE), vout: 0 }, pay(c.value)), 0, c.value));
    const v3 = { ...spend(c.outpoint, pay(c.value)), version: 3 };
    await check('version 3 is non-standard in Core 26', 'reject', signP2wpkh(v3, 0, c.value));
  });

  // BOLT 3 scripts: one setup transaction creates an output of each, confirmed on both chains.
  const fa = key('funding-a');
  const fb = key('funding-b');
  const rev = key('revocation');
  const delayed = key('delayed');
  const local = key('local-htlc');
  const remote = key('remote-htlc');
  const anchorKey = key('anchor');
  const preimage = crypto.sha256(new TextEncoder().encode('diff-preimage'));
  const paymentHash = crypto.sha256(preimage);
  const htlcKeys = { revocationPubkeyHash: crypto.hash160(rev.pubkey), broadcasterHtlcPubkey: local.pubkey, countersignatoryHtlcPubkey: remote.pubkey };
  const DELAY = 5;
  const BTC = 100_000_000n;
  const scripts: { funding: Uint8Array; toLocal: Uint8Array; offered: Uint8Array; received: Uint8Array; anchor: Uint8Array; toRemote: Uint8Array } = {
    funding: fundingScript(fa.pubkey, fb.pubkey),
    toLocal: toLocalScript(rev.pubkey, DELAY, delayed.pubkey),
    offered: offeredHtlcScript(htlcKeys, paymentHash, false),
    received: EMPTY,
    anchor: anchorScript(anchorKey.pubkey),
    toRemote: toRemoteAnchorsScript(remote.pubkey),
  };
  let expiry = 0;
  let setup: Uint8Array;
  const out = (vout: number): OutPoint => ({ txid: setup, vout });
  // Output indexes of the setup transaction.
  const O = { funding: 0, toLocal: 1, offered: 2, received: 3, anchor: 4, toRemote: 5, p2wpkh: 6, p2shP2wpkh: 7, p2pkh: 8, p2shMultisig: 9, bareMultisig: 10, timeCsv: 11, p2tr: 12, p2wpkh2: 13 } as const;
  const TR = key('taproot-key-path');
  const TR_SCRIPT = Uint8Array.of(0x51, 32, ...TR.pubkey.subarray(1));
  // `<time-based 0> OP_CSV OP_DROP OP_1`: both chains have the same block times, so BIP 68's
  // 512-second units can be compared exactly.
  const TIME_CSV = Uint8Array.of(3, 0x00, 0x00, 0x40, 0xb2, 0x75, 0x51);
  const LEGACY_MULTISIG = concat(Uint8Array.of(0x52, 33), fa.pubkey, Uint8Array.of(33), fb.pubkey, Uint8Array.of(0x52, 0xae));
  const BARE_1OF2 = concat(Uint8Array.of(0x51, 33), fa.pubkey, Uint8Array.of(33), fb.pubkey, Uint8Array.of(0x52, 0xae));
  const P2SH_REDEEM = p2wpkhScript(crypto.hash160(K.pubkey));

  test('setup: one output per BOLT 3 script, confirmed once', async () => {
    expiry = chain.height + 4;
    scripts.received = receivedHtlcScript(htlcKeys, paymentHash, expiry, false);
    const c = coinbase(2);
    const outputs: TxOut[] = [
      { value: BTC, script: p2wshForScript(scripts.funding, crypto) },
      { value: BTC, script: p2wshForScript(scripts.toLocal, crypto) },
      { value: BTC, script: p2wshForScript(scripts.offered, crypto) },
      { value: BTC, script: p2wshForScript(scripts.received, crypto) },
      { value: 330n, script: p2wshForScript(scripts.anchor, crypto) },
      { value: BTC, script: p2wshForScript(scripts.toRemote, crypto) },
      { value: BTC, script: WALLET },
      { value: BTC, script: p2shScript(crypto.hash160(P2SH_REDEEM)) },
      { value: BTC, script: p2pkhScript(crypto.hash160(K.pubkey)) },
      { value: BTC, script: p2shScript(crypto.hash160(LEGACY_MULTISIG)) },
      { value: BTC, script: BARE_1OF2 },
      { value: BTC, script: p2wshForScript(TIME_CSV, crypto) },
      { value: BTC, script: TR_SCRIPT },
      { value: BTC, script: WALLET },
    ];
    const total = outputs.reduce((s, o) => s + o.value, 0n);
    outputs.push({ value: c.value - total - FEE, script: WALLET });
    setup = await submitBoth(signP2wpkh(spend(c.outpoint, outputs), 0, c.value));
    await mineBoth(1);
    assert.equal(chain.getConfirmations(setup), 1);
  });

  const wsh = (vout: number, script: Uint8Array, witness: (tx: Transaction, sig: (k: typeof K, t?: number) => Uint8Array) => Uint8Array[], opts: { sequence?: number; locktime?: number; value?: bigint } = {}) => {
    const value = opts.value ?? BTC;
    const tx = spend(out(vout), pay(value), opts);
    const sig = (k: typeof K, t = SIGHASH_ALL) => witnessSig(tx, 0, script, value, k, t);
    return withWitness(tx, 0, [...witness(tx, sig), script]);
  };

  /** Spends the anchor (anyone may, after 16 confirmations) together with `to_remote` (1 CSV), signed. */
  const anchorWithToRemote = (): Transaction => {
    const tx: Transaction = {
      version: 2,
      inputs: [
        { prevout: out(O.anchor), scriptSig: EMPTY, sequence: 16, witness: [EMPTY, scripts.anchor] },
        { prevout: out(O.toRemote), scriptSig: EMPTY, sequence: 1, witness: [] },
      ],
      outputs: pay(BTC + 330n),
      locktime: 0,
    };
    return withWitness(tx, 1, [witnessSig(tx, 1, scripts.toRemote, BTC, remote), scripts.toRemote]);
  };

  test('BOLT 3 spends at one confirmation', async () => {
    const [first, second] = compareBytes(fa.pubkey, fb.pubkey) <= 0 ? [fa, fb] : [fb, fa];
    await check('funding 2-of-2', 'accept', wsh(O.funding, scripts.funding, (_t, s) => [EMPTY, s(first), s(second)]));
    await check('funding 2-of-2, signatures swapped', 'reject', wsh(O.funding, scripts.funding, (_t, s) => [EMPTY, s(second), s(first)]));
    await check('funding 2-of-2, non-null dummy', 'reject', wsh(O.funding, scripts.funding, (_t, s) => [ONE, s(first), s(second)]));
    await check('funding 2-of-2, bad signature', 'reject', wsh(O.funding, scripts.funding, (_t, s) => [EMPTY, corrupt(s(first)), s(second)]));
    await check('funding 2-of-2, high-S signature', 'reject', wsh(O.funding, scripts.funding, (_t, s) => [EMPTY, s(first), highS(s(second))]));
    await check('funding 2-of-2, one signature by a stranger', 'reject', wsh(O.funding, scripts.funding, (_t, s) => [EMPTY, s(first), s(key('stranger'))]));
    {
      const wrong = fundingScript(fa.pubkey, key('x').pubkey);
      const tx = spend(out(O.funding), pay(BTC));
      const s = (k: typeof K) => witnessSig(tx, 0, wrong, BTC, k);
      await check('funding 2-of-2, wrong witness script', 'reject', withWitness(tx, 0, [EMPTY, s(fa), s(key('x')), wrong]));
    }
    await check('to_local revocation branch', 'accept', wsh(O.toLocal, scripts.toLocal, (_t, s) => [s(rev), ONE]));
    await check('to_local revocation branch, non-minimal IF argument', 'reject', wsh(O.toLocal, scripts.toLocal, (_t, s) => [s(rev), Uint8Array.of(2)]));
    await check('to_local revocation branch, delayed key', 'reject', wsh(O.toLocal, scripts.toLocal, (_t, s) => [s(delayed), ONE]));
    await check('to_local delayed branch, 1 of 5 confirmations', 'reject', wsh(O.toLocal, scripts.toLocal, (_t, s) => [s(delayed), EMPTY], { sequence: DELAY }));
    await check('offered HTLC, remote with preimage', 'accept', wsh(O.offered, scripts.offered, (_t, s) => [s(remote), preimage]));
    await check('offered HTLC, wrong preimage', 'reject', wsh(O.offered, scripts.offered, (_t, s) => [s(remote), paymentHash]));
    await check('offered HTLC, revocation', 'accept', wsh(O.offered, scripts.offered, (_t, s) => [s(rev), rev.pubkey]));
    await check('offered HTLC, HTLC-timeout 2-of-2 path', 'accept', wsh(O.offered, scripts.offered, (_t, s) => [EMPTY, s(remote), s(local), EMPTY]));
    await check('received HTLC, HTLC-success path', 'accept', wsh(O.received, scripts.received, (_t, s) => [EMPTY, s(remote), s(local), preimage]));
    await check('received HTLC, revocation', 'accept', wsh(O.received, scripts.received, (_t, s) => [s(rev), rev.pubkey]));
    await check('received HTLC timeout, nLockTime not yet final', 'reject', wsh(O.received, scripts.received, (_t, s) => [s(remote), EMPTY], { locktime: expiry, sequence: 0xfffffffe }));
    await check('received HTLC timeout, nLockTime below cltv_expiry', 'reject', wsh(O.received, scripts.received, (_t, s) => [s(remote), EMPTY], { locktime: expiry - 2, sequence: 0xfffffffe }));
    await check('to_remote (anchors), CSV 1 at 1 confirmation', 'accept', wsh(O.toRemote, scripts.toRemote, (_t, s) => [s(remote)], { sequence: 1 }));
    await check('to_remote (anchors), nSequence 0', 'reject', wsh(O.toRemote, scripts.toRemote, (_t, s) => [s(remote)], { sequence: 0 }));
    {
      // An anchor is 330 sat: its owner bumps fees with a second input (CPFP).
      const tx: Transaction = {
        version: 2,
        inputs: [
          { prevout: out(O.anchor), scriptSig: EMPTY, sequence: 0xffffffff, witness: [] },
          { prevout: out(O.p2wpkh), scriptSig: EMPTY, sequence: 0xffffffff, witness: [] },
        ],
        outputs: pay(BTC + 330n),
        locktime: 0,
      };
      const signed = signP2wpkh(withWitness(tx, 0, [witnessSig(tx, 0, scripts.anchor, 330n, anchorKey), scripts.anchor]), 1, BTC);
      await check('anchor, owner spend with a fee input', 'accept', signed);
      const anyone = signP2wpkh(withWitness({ ...tx, inputs: [{ ...tx.inputs[0]!, sequence: 16 }, tx.inputs[1]!] }, 0, [EMPTY, scripts.anchor]), 1, BTC);
      await check('anchor, anyone before 16 confirmations', 'reject', anyone);
    }
    {
      const tx = spend(out(O.p2shP2wpkh), pay(BTC));
      const signed = withWitness(tx, 0, [witnessSig(tx, 0, p2wpkhCode(K.pubkey), BTC, K), K.pubkey]);
      const scriptSig = concat(Uint8Array.of(P2SH_REDEEM.length), P2SH_REDEEM);
      await check('P2SH-P2WPKH', 'accept', { ...signed, inputs: [{ ...signed.inputs[0]!, scriptSig }] });
      await check('P2SH-P2WPKH, extra scriptSig push', 'reject', { ...signed, inputs: [{ ...signed.inputs[0]!, scriptSig: concat(Uint8Array.of(0x51), scriptSig) }] });
    }
    {
      const prev = p2pkhScript(crypto.hash160(K.pubkey));
      const tx = spend(out(O.p2pkh), pay(BTC));
      const sig = encodeWitnessSignature(crypto.signEcdsa(legacySighash(tx, 0, prev, SIGHASH_ALL, crypto), K.secret), SIGHASH_ALL);
      const scriptSig = concat(Uint8Array.of(sig.length), sig, Uint8Array.of(33), K.pubkey);
      await check('P2PKH (legacy sighash)', 'accept', { ...tx, inputs: [{ ...tx.inputs[0]!, scriptSig }] });
      await check('P2PKH with a witness', 'reject', { ...tx, inputs: [{ ...tx.inputs[0]!, scriptSig, witness: [ONE] }] });
      await check('P2PKH with a non-push scriptSig', 'reject', { ...tx, inputs: [{ ...tx.inputs[0]!, scriptSig: concat(scriptSig, Uint8Array.of(0x61)) }] });
    }
    {
      // Legacy 2-of-2 in P2SH: original sighash over the redeem script, CHECKMULTISIG in base script.
      const tx = spend(out(O.p2shMultisig), pay(BTC));
      const lsig = (k: typeof K, t = SIGHASH_ALL) => encodeWitnessSignature(crypto.signEcdsa(legacySighash(tx, 0, LEGACY_MULTISIG, t, crypto), k.secret), t);
      const push = (b: Uint8Array) => (b.length < 76 ? concat(Uint8Array.of(b.length), b) : concat(Uint8Array.of(0x4c, b.length), b));
      const ss = (...items: Uint8Array[]) => concat(Uint8Array.of(0x00), ...items.map(push), push(LEGACY_MULTISIG));
      await check('P2SH 2-of-2 multisig (legacy)', 'accept', { ...tx, inputs: [{ ...tx.inputs[0]!, scriptSig: ss(lsig(fa), lsig(fb)) }] });
      await check('P2SH 2-of-2 multisig, SIGHASH_NONE|ANYONECANPAY', 'accept', {
        ...tx,
        inputs: [{ ...tx.inputs[0]!, scriptSig: ss(lsig(fa, SIGHASH_NONE | SIGHASH_ANYONECANPAY), lsig(fb, SIGHASH_SINGLE)) }],
      });
      await check('P2SH 2-of-2 multisig, wrong order', 'reject', { ...tx, inputs: [{ ...tx.inputs[0]!, scriptSig: ss(lsig(fb), lsig(fa)) }] });
      await check('P2SH 2-of-2 multisig, high-S', 'reject', { ...tx, inputs: [{ ...tx.inputs[0]!, scriptSig: ss(highS(lsig(fa)), lsig(fb)) }] });
      const bare = spend(out(O.bareMultisig), pay(BTC));
      const bsig = encodeWitnessSignature(crypto.signEcdsa(legacySighash(bare, 0, BARE_1OF2, SIGHASH_ALL, crypto), fb.secret), SIGHASH_ALL);
      await check('bare 1-of-2 multisig', 'accept', { ...bare, inputs: [{ ...bare.inputs[0]!, scriptSig: concat(Uint8Array.of(0x00), push(bsig)) }] });
      {
        // A bare CHECKMULTISIG output counts 20 legacy sigops (cost 80): the transaction is
        // charged (80 + 1 for the P2WPKH input) × 20 / 4 = 405 vbytes, twice what its weight says.
        const cb = coinbase(7);
        const mk = (fee: bigint) => signP2wpkh(spend(cb.outpoint, [{ value: 1000n, script: BARE_1OF2 }, { value: cb.value - 1000n - fee, script: WALLET }]), 0, cb.value);
        await check('bare multisig output, fee covers the weight but not the sigops', 'reject', mk(300n));
        await check('bare multisig output, one sat short of the sigop-adjusted size', 'reject', mk(404n));
        await check('bare multisig output, fee covers the sigop-adjusted size', 'accept', mk(405n));
      }
      await check('bare 1-of-2 multisig, dummy OP_1', 'reject', { ...bare, inputs: [{ ...bare.inputs[0]!, scriptSig: concat(Uint8Array.of(0x51), push(bsig)) }] });
    }
  });

  test('taproot key-path spends (BIP 341)', async () => {
    const one = spend(out(O.p2tr), pay(BTC));
    const spentOne = [{ value: BTC, script: TR_SCRIPT }];
    const trSig = (tx: Transaction, spent: TxOut[], hashType: number, annex?: Uint8Array) => {
      const sig = signSchnorr(taprootKeySighash(tx, 0, spent, hashType, annex, crypto), TR.secret);
      return hashType === SIGHASH_DEFAULT ? sig : concat(sig, Uint8Array.of(hashType));
    };
    await check('P2TR key path, SIGHASH_DEFAULT', 'accept', withWitness(one, 0, [trSig(one, spentOne, SIGHASH_DEFAULT)]));
    await check('P2TR key path, SIGHASH_ALL', 'accept', withWitness(one, 0, [trSig(one, spentOne, SIGHASH_ALL)]));
    await check('P2TR key path, SIGHASH_SINGLE|ANYONECANPAY', 'accept', withWitness(one, 0, [trSig(one, spentOne, SIGHASH_SINGLE | SIGHASH_ANYONECANPAY)]));
    await check('P2TR key path, bad signature', 'reject', withWitness(one, 0, [corrupt(trSig(one, spentOne, SIGHASH_DEFAULT))]));
    await check('P2TR key path, explicit 0x00 hash type', 'reject', withWitness(one, 0, [concat(trSig(one, spentOne, SIGHASH_DEFAULT), Uint8Array.of(0))]));
    const annex = Uint8Array.of(0x50, 1, 2);
    await check('P2TR key path with an annex', 'reject', withWitness(one, 0, [trSig(one, spentOne, SIGHASH_DEFAULT, annex), annex]));
    // Two inputs: the signature commits to both spent amounts and scripts.
    const two: Transaction = { ...one, inputs: [...one.inputs, { prevout: out(O.p2wpkh2), scriptSig: EMPTY, sequence: 0xffffffff, witness: [] }], outputs: pay(2n * BTC) };
    const spentTwo = [{ value: BTC, script: TR_SCRIPT }, { value: BTC, script: WALLET }];
    await check('P2TR + P2WPKH inputs', 'accept', signP2wpkh(withWitness(two, 0, [trSig(two, spentTwo, SIGHASH_DEFAULT)]), 1, BTC));
    const wrongAmount = [{ value: BTC, script: TR_SCRIPT }, { value: BTC - 1n, script: WALLET }];
    await check('P2TR signature over a wrong amount of another input', 'reject', signP2wpkh(withWitness(two, 0, [trSig(two, wrongAmount, SIGHASH_DEFAULT)]), 1, BTC));
  });

  test('mempool chains and double spends', async () => {
    const parent = signP2wpkh(spend(out(O.p2wpkh), pay(BTC)), 0, BTC);
    const pid = await submitBoth(parent);
    const child = signP2wpkh(spend({ txid: pid, vout: 0 }, pay(BTC - FEE)), 0, BTC - FEE);
    await check('child of an unconfirmed parent', 'accept', child);
    const rival = signP2wpkh(spend(out(O.p2wpkh), [{ value: BTC - 3n * FEE, script: WALLET }]), 0, BTC);
    await check('double spend of a mempool transaction', 'reject', rival);
    await check('the mempool transaction again', 'reject', parent);
    // Same txid, different witness (a second valid signature): Core names this case apart.
    await check('the mempool transaction with another witness', 'reject', signP2wpkh(spend(out(O.p2wpkh), pay(BTC)), 0, BTC, SIGHASH_ALL | SIGHASH_ANYONECANPAY));
  });

  test('BIP 125 replacements', async () => {
    const c = coinbase(4);
    const d = coinbase(5);
    const replaceable = signP2wpkh(spend(c.outpoint, pay(c.value), { sequence: 0xfffffffd }), 0, c.value);
    const rid = await submitBoth(replaceable);
    {
      // Spends both the coin the replaceable transaction spends and that transaction's output.
      const both: Transaction = {
        version: 2,
        inputs: [
          { prevout: c.outpoint, scriptSig: EMPTY, sequence: 0xffffffff, witness: [] },
          { prevout: { txid: rid, vout: 0 }, scriptSig: EMPTY, sequence: 0xffffffff, witness: [] },
        ],
        outputs: [{ value: 2n * c.value - 20n * FEE, script: WALLET }],
        locktime: 0,
      };
      await check('replacement spending the transaction it replaces', 'reject', signP2wpkh(signP2wpkh(both, 0, c.value), 1, c.value - FEE));
    }
    const child = signP2wpkh(spend({ txid: rid, vout: 0 }, pay(c.value - FEE)), 0, c.value - FEE);
    await submitBoth(child);
    const bump = (extra: bigint, sequence = 0xffffffff) =>
      signP2wpkh(spend(c.outpoint, [{ value: c.value - FEE - extra, script: WALLET }], { sequence }), 0, c.value);
    await check('replacement paying the same fee', 'reject', bump(0n));
    await check('replacement beating the parent but not parent + child', 'reject', bump(FEE / 2n));
    await check('replacement without enough extra fee to relay', 'reject', bump(FEE + 20n));
    await check('replacement paying for both and its relay', 'accept', bump(FEE + 500n));
    const unconfirmed = await submitBoth(signP2wpkh(spend(d.outpoint, pay(d.value)), 0, d.value));
    const twoIn: Transaction = {
      version: 2,
      inputs: [
        { prevout: c.outpoint, scriptSig: EMPTY, sequence: 0xffffffff, witness: [] },
        { prevout: { txid: unconfirmed, vout: 0 }, scriptSig: EMPTY, sequence: 0xffffffff, witness: [] },
      ],
      outputs: [{ value: c.value + d.value - 20n * FEE, script: WALLET }],
      locktime: 0,
    };
    await check('replacement adding an unconfirmed input', 'reject', signP2wpkh(signP2wpkh(twoIn, 0, c.value), 1, d.value - FEE));
    // Carry out the replacement on both: the parent and its child leave both mempools.
    const winner = await submitBoth(bump(FEE + 500n));
    const coreMempool = (await core.rpc<string[]>('getrawmempool')).sort();
    assert.deepEqual(chain.mempoolTxids().map(txidToHex).sort(), coreMempool);
    assert.ok(coreMempool.includes(txidToHex(winner)) && !coreMempool.includes(txidToHex(rid)));
    await check('replacing a non-signalling transaction', 'reject', bump(10n * FEE));
  });

  test('unconfirmed chain limits and the CPFP carve-out', async () => {
    const c = coinbase(6);
    const third = c.value / 3n;
    const parent = signP2wpkh(
      spend(c.outpoint, [
        { value: third, script: WALLET },
        { value: third, script: WALLET },
        { value: c.value - 2n * third - FEE, script: WALLET },
      ]),
      0,
      c.value,
    );
    const pid = await submitBoth(parent);
    let prev = { txid: pid, vout: 0 };
    let value = third;
    for (let k = 0; k < 24; k++) {
      const id = await submitBoth(signP2wpkh(spend(prev, pay(value)), 0, value));
      prev = { txid: id, vout: 0 };
      value -= FEE;
    }
    await check('26th transaction of an unconfirmed chain', 'reject', signP2wpkh(spend(prev, pay(value)), 0, value));
    const carve = signP2wpkh(spend({ txid: pid, vout: 1 }, pay(third)), 0, third);
    await check('CPFP carve-out: one more child of a parent with 24 descendants', 'accept', carve);
    await submitBoth(carve);
    await check('a second carve-out child', 'reject', signP2wpkh(spend({ txid: pid, vout: 2 }, pay(c.value - 2n * third - FEE)), 0, c.value - 2n * third - FEE));
  });

  test('CSV and CLTV spends once mature', async () => {
    await mineBoth(DELAY - 1);
    assert.equal(chain.getConfirmations(setup), DELAY);
    await check('to_local delayed branch after to_self_delay', 'accept', wsh(O.toLocal, scripts.toLocal, (_t, s) => [s(delayed), EMPTY], { sequence: DELAY }));
    await check('to_local delayed branch, nSequence below to_self_delay', 'reject', wsh(O.toLocal, scripts.toLocal, (_t, s) => [s(delayed), EMPTY], { sequence: DELAY - 1 }));
    // 65535 × 512 s: unmet on both chains whatever their block times (ours advance 600 s a block, Core's follow the clock).
    await check('to_local delayed branch, 388-day time-based nSequence', 'reject', wsh(O.toLocal, scripts.toLocal, (_t, s) => [s(delayed), EMPTY], { sequence: 0x00400000 | 0xffff }));
    const timeCsv = (sequence: number) => withWitness(spend(out(O.timeCsv), pay(BTC), { sequence }), 0, [TIME_CSV]);
    await check('time-based CSV, 0 units', 'accept', timeCsv(0x00400000));
    await check('time-based CSV, 1 unit (512 s) not yet elapsed', 'reject', timeCsv(0x00400001));
    await check('time-based CSV script, height-based nSequence', 'reject', timeCsv(1));
    await check('received HTLC timeout after cltv_expiry', 'accept', wsh(O.received, scripts.received, (_t, s) => [s(remote), EMPTY], { locktime: expiry, sequence: 0xfffffffe }));
    await check('received HTLC timeout, time-based nLockTime', 'reject', wsh(O.received, scripts.received, (_t, s) => [s(remote), EMPTY], { locktime: 500_000_001, sequence: 0xfffffffe }));
    await check('received HTLC timeout, final nSequence', 'reject', wsh(O.received, scripts.received, (_t, s) => [s(remote), EMPTY], { locktime: expiry, sequence: 0xffffffff }));
    await mineBoth(16 - DELAY);
    await check('anchor, anyone after 16 confirmations', 'accept', anchorWithToRemote());
  });

  test('random scripts and witnesses (seeded): same verdicts and reasons', async () => {
    const seed = Number(process.env.FC_SEED ?? 20261201);
    const value = 10_000n;
    const drawn = fc.sample(fc.tuple(randomScript, randomStack, randomSequence, fc.constantFrom(true, true, false)), { seed, numRuns: Number(process.env.LNTS_DIFF_RUNS ?? 200) });
    // Two cases in three get a tail that empties the stack and pushes 1, so many scripts are valid
    // and the comparison covers acceptance, policy failures and consensus failures alike.
    const cases = drawn.map(([script, stack, sequence, fix]) => ({ ...(fix ? makeValid(script, stack, sequence) : { script, stack }), sequence }));
    const c = coinbase(3);
    const outputs: TxOut[] = cases.map((k) => ({ value, script: p2wshForScript(k.script, crypto) }));
    outputs.push({ value: c.value - value * BigInt(cases.length) - 100n * BigInt(cases.length) - 1_000n, script: WALLET });
    const fid = await submitBoth(signP2wpkh(spend(c.outpoint, outputs), 0, c.value));
    await mineBoth(1);
    const diffs: string[] = [];
    let accepted = 0;
    const histogram = new Map<string, number>();
    for (let vout = 0; vout < cases.length; vout++) {
      const { script: sc, stack, sequence } = cases[vout]!;
      const unsigned = spend({ txid: fid, vout }, [{ value: value - 1_000n, script: WALLET }], { sequence });
      const tx = withWitness(unsigned, 0, [...stack.map((it) => resolve(it, unsigned, sc, value)), sc]);
      const [res] = await core.rpc<Array<{ allowed: boolean; 'reject-reason'?: string }>>('testmempoolaccept', [toHex(serializeTx(tx))], 0);
      const r = chain.testAccept(tx);
      const ours = r.ok ? 'accept' : `${r.reason}${r.scriptError ? ` (${r.detail})` : ''}`;
      const theirs = res!.allowed ? 'accept' : res!['reject-reason']!;
      if (r.ok) accepted++;
      histogram.set(theirs, (histogram.get(theirs) ?? 0) + 1);
      if (ours !== theirs) diffs.push(`script ${toHex(sc)} stack [${tx.inputs[0]!.witness.slice(0, -1).map(toHex).join(',')}] seq ${sequence}\n  ours: ${ours}\n  core: ${theirs}`);
    }
    if (process.env.LNTS_DIFF_VERBOSE) console.log(histogram);
    assert.equal(diffs.length, 0, `seed ${seed}: ${diffs.length} of ${cases.length} differ\n${diffs.join('\n')}`);
    // The generator must exercise both outcomes for the comparison to mean anything.
    assert.ok(accepted >= 10 && accepted <= cases.length - 10, `accepted ${accepted} of ${cases.length}`);
  });

  test('a reorg on both chains leaves the same mempool, and our replacement block is valid for Core', async () => {
    const setupHeight = chain.getTxLocation(setup)!.height;
    assert.ok(chain.getConfirmations(setup)! >= 16);
    const t1 = wsh(O.toLocal, scripts.toLocal, (_t, s) => [s(delayed), EMPTY], { sequence: DELAY });
    const t2 = anchorWithToRemote();
    const id1 = await submitBoth(t1);
    const id2 = await submitBoth(t2);
    await mineBoth(1);
    const disconnectFrom = setupHeight + 14;
    assert.ok(disconnectFrom < chain.height, 'the reorg must disconnect the block holding t1 and t2');
    const unconfirmedBefore = chain.height - disconnectFrom + 1;
    await core.rpc('invalidateblock', txidToHex(chain.blockAt(disconnectFrom)!.hash));
    const gone = chain.invalidate(disconnectFrom);
    assert.equal(gone.length, unconfirmedBefore);
    assert.equal(await core.rpc<string>('getbestblockhash'), txidToHex(chain.tip.hash));
    // The setup is now 14 deep: t1 (CSV 5) is back in the mempool, t2 (CSV 16) is not final any more.
    const coreMempool = (await core.rpc<string[]>('getrawmempool')).sort();
    const ours = chain.mempoolTxids().map(txidToHex).sort();
    assert.deepEqual(ours, coreMempool);
    assert.ok(ours.includes(txidToHex(id1)) && !ours.includes(txidToHex(id2)));
    assert.ok(ours.length >= 2, 'other disconnected transactions came back too');
    await mineBoth(1);
    assert.equal(chain.getConfirmations(id1), 1);
  });

  test('verdicts agree', () => {
    const bad = outcomes.filter((o) => o.ours.startsWith('accept') !== o.core.startsWith('accept') || !o.core.startsWith(o.expected));
    const table = outcomes.map((o) => `${o.name.padEnd(58)} ours: ${o.ours.padEnd(60)} core: ${o.core}`).join('\n');
    assert.ok(outcomes.length >= 20, `only ${outcomes.length} cases`);
    assert.equal(bad.length, 0, `verdicts differ (or differ from the case's intent):\n${table}`);
    if (process.env.LNTS_DIFF_VERBOSE) console.log(table);
  });

  test('reject reasons agree too', () => {
    // testmempoolaccept renames TX_MISSING_INPUTS' 'bad-txns-inputs-missingorspent' to 'missing-inputs'.
    const norm = (s: string) => s.replace('reject: missing-inputs', 'reject: bad-txns-inputs-missingorspent');
    const diff = outcomes.filter((o) => norm(o.core) !== o.ours);
    assert.equal(diff.length, 0, diff.map((o) => `${o.name}\n  ours: ${o.ours}\n  core: ${o.core}`).join('\n'));
  });
});
