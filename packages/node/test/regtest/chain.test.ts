import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { OutPoint, Transaction, TxOut } from '@lnts/lightning/bitcoin';
import { p2wpkhForPubkey, p2wshForScript, serializeTx, txid } from '@lnts/lightning/bitcoin';
import { chainHash } from '@lnts/lightning/chain';
import { anchorScript, receivedHtlcScript, toLocalScript } from '@lnts/lightning/ln/chan_utils';
import { equalBytes } from '@lnts/lightning/util';
import {
  ANYONE_CAN_SPEND_SCRIPT,
  blockSubsidy,
  checkProofOfWork,
  decodeHeader,
  merkleRoot,
  RegtestChain,
  REGTEST_BITS,
} from '../../src/regtest/index.js';
import { corrupt, crypto, highS, key, spend, withWitness, witnessSig } from './helpers.js';

// Chain rules of the embedded regtest chain: blocks and headers, coinbase maturity, double spends,
// unbalanced transactions, nLockTime, BIP 68/112 CSV, BIP 65 CLTV, mempool chains, reorgs.

const ACS = p2wshForScript(ANYONE_CAN_SPEND_SCRIPT, crypto);
const FEE = 1000n;

function coinbaseOf(chain: RegtestChain, height: number): { outpoint: OutPoint; value: bigint } {
  const b = chain.blockAt(height)!;
  return { outpoint: { txid: b.txids[0]!, vout: 0 }, value: b.txs[0]!.outputs[0]!.value };
}

/** Spends an OP_TRUE P2WSH output (the default coinbase script) to `outputs`. */
function acsSpend(prevout: OutPoint, outputs: TxOut[], opts: { sequence?: number; locktime?: number } = {}): Transaction {
  return withWitness(spend(prevout, outputs, opts), 0, [ANYONE_CAN_SPEND_SCRIPT]);
}

function freshChain(blocks = 101): RegtestChain {
  const chain = new RegtestChain({ crypto });
  chain.mine(blocks);
  return chain;
}

function mustSubmit(chain: RegtestChain, tx: Transaction): Uint8Array {
  const r = chain.submit(tx);
  assert.ok(r.ok, `expected acceptance, got ${r.ok ? '' : `${r.reason} ${r.detail ?? ''}`}`);
  return r.txid;
}

function reason(chain: RegtestChain, tx: Transaction): string {
  const r = chain.submit(tx);
  return r.ok ? 'accepted' : r.reason;
}

describe('blocks', () => {
  test('the genesis block is regtest\'s: its hash is chainHash("regtest") and its coinbase is the merkle root', () => {
    const chain = new RegtestChain({ crypto });
    const g = chain.blockAt(0)!;
    assert.ok(equalBytes(g.hash, chainHash('regtest')));
    assert.ok(equalBytes(g.txids[0]!, decodeHeader(g.header).merkleRoot));
  });
  test('mined headers link, commit to their transactions, meet the target, and the coinbase carries the BIP 34 height', () => {
    const chain = freshChain(3);
    for (let h = 1; h <= 3; h++) {
      const b = chain.blockAt(h)!;
      const hdr = decodeHeader(b.header);
      assert.equal(b.header.length, 80);
      assert.ok(equalBytes(hdr.prevHash, chain.blockAt(h - 1)!.hash));
      assert.ok(equalBytes(hdr.merkleRoot, merkleRoot(b.txids, crypto)));
      assert.equal(hdr.bits, REGTEST_BITS);
      assert.ok(checkProofOfWork(b.hash, REGTEST_BITS));
      const cb = b.txs[0]!;
      assert.equal(cb.inputs[0]!.scriptSig[0], 0x50 + h); // OP_h
      assert.equal(cb.outputs[0]!.value, blockSubsidy(h));
      assert.ok(hdr.time > chain.blockAt(h - 1)!.time);
    }
  });
  test('the subsidy halves every 150 blocks on regtest', () => {
    assert.equal(blockSubsidy(149), 5_000_000_000n);
    assert.equal(blockSubsidy(150), 2_500_000_000n);
    assert.equal(blockSubsidy(300), 1_250_000_000n);
  });
  test('a block takes the mempool up to the 4,000,000 weight limit; the rest waits', () => {
    const chain = freshChain(111);
    for (let h = 1; h <= 11; h++) {
      const c = coinbaseOf(chain, h);
      // About 95,000 vbytes each, just under the standard maximum: eleven do not fit in one block.
      const outs: TxOut[] = Array.from({ length: 2200 }, () => ({ value: 1_000_000n, script: ACS }));
      outs.push({ value: c.value - 2200n * 1_000_000n - 100_000n, script: ACS });
      mustSubmit(chain, acsSpend(c.outpoint, outs));
    }
    const [b] = chain.mine(1);
    assert.equal(b!.txs.length, 11, 'coinbase and ten transactions');
    assert.equal(chain.mempoolTxids().length, 1);
    chain.mine(1);
    assert.equal(chain.mempoolTxids().length, 0);
  });
  test('the coinbase collects the fees of the block', () => {
    const chain = freshChain();
    const c = coinbaseOf(chain, 1);
    mustSubmit(chain, acsSpend(c.outpoint, [{ value: c.value - 12_345n, script: ACS }]));
    const [b] = chain.mine(1);
    assert.equal(b!.txs.length, 2);
    assert.equal(b!.txs[0]!.outputs[0]!.value, blockSubsidy(b!.height) + 12_345n);
  });
});

describe('mempool rules', () => {
  test('coinbase outputs mature after 100 blocks', () => {
    const chain = freshChain(100);
    const c = coinbaseOf(chain, 2);
    const tx = acsSpend(c.outpoint, [{ value: c.value - FEE, script: ACS }]);
    assert.equal(reason(chain, tx), 'bad-txns-premature-spend-of-coinbase');
    chain.mine(1);
    mustSubmit(chain, tx);
  });
  test('double spends: conflict in the mempool, missing once mined', () => {
    const chain = freshChain();
    const c = coinbaseOf(chain, 1);
    const a = acsSpend(c.outpoint, [{ value: c.value - FEE, script: ACS }]);
    const b = acsSpend(c.outpoint, [{ value: c.value - 2n * FEE, script: ACS }]);
    mustSubmit(chain, a);
    assert.equal(reason(chain, a), 'txn-already-in-mempool');
    assert.equal(reason(chain, b), 'txn-mempool-conflict');
    chain.mine(1);
    assert.equal(reason(chain, b), 'bad-txns-inputs-missingorspent');
    assert.equal(reason(chain, a), 'txn-already-known');
  });
  test('outputs worth more than the inputs are refused', () => {
    const chain = freshChain();
    const c = coinbaseOf(chain, 1);
    assert.equal(reason(chain, acsSpend(c.outpoint, [{ value: c.value + 1n, script: ACS }])), 'bad-txns-in-belowout');
  });
  test('dust outputs, too-low fees and non-standard outputs are refused by policy', () => {
    const chain = freshChain();
    const c = coinbaseOf(chain, 1);
    const dest = p2wpkhForPubkey(key('d').pubkey, crypto);
    assert.equal(reason(chain, acsSpend(c.outpoint, [{ value: c.value - FEE - 293n, script: ACS }, { value: 293n, script: dest }])), 'dust');
    assert.equal(reason(chain, acsSpend(c.outpoint, [{ value: c.value - 50n, script: ACS }])), 'min relay fee not met');
    assert.equal(reason(chain, acsSpend(c.outpoint, [{ value: c.value - FEE, script: Uint8Array.of(0x51) }])), 'scriptpubkey');
    mustSubmit(chain, acsSpend(c.outpoint, [{ value: c.value - FEE - 294n, script: ACS }, { value: 294n, script: dest }]));
  });
  test('nLockTime: final only once the next block is above it', () => {
    const chain = freshChain();
    const c = coinbaseOf(chain, 1);
    const tx = acsSpend(c.outpoint, [{ value: c.value - FEE, script: ACS }], { locktime: chain.height + 1, sequence: 0xfffffffe });
    assert.equal(reason(chain, tx), 'non-final');
    // A final nSequence on every input disables nLockTime.
    const c2 = coinbaseOf(chain, 2);
    mustSubmit(chain, acsSpend(c2.outpoint, [{ value: c2.value - FEE, script: ACS }], { locktime: chain.height + 5, sequence: 0xffffffff }));
    chain.mine(1);
    mustSubmit(chain, tx);
  });
  test('mempool chains: a child may spend an unconfirmed parent, and both confirm together in order', () => {
    const chain = freshChain();
    const c = coinbaseOf(chain, 1);
    const parent = acsSpend(c.outpoint, [{ value: c.value - FEE, script: ACS }]);
    const pid = mustSubmit(chain, parent);
    const child = acsSpend({ txid: pid, vout: 0 }, [{ value: c.value - 2n * FEE, script: ACS }]);
    const cid = mustSubmit(chain, child);
    assert.equal(chain.getConfirmations(cid), 0);
    assert.equal(chain.getUtxo({ txid: pid, vout: 0 }), undefined, 'a mempool output is not in the confirmed UTXO set');
    const [b] = chain.mine(1);
    assert.ok(equalBytes(b!.txids[1]!, pid) && equalBytes(b!.txids[2]!, cid));
    assert.equal(chain.getConfirmations(pid), 1);
    assert.equal(chain.getUtxo({ txid: cid, vout: 0 })?.value, c.value - 2n * FEE);
    assert.equal(chain.getUtxo({ txid: pid, vout: 0 }), undefined, 'spent');
    assert.deepEqual(serializeTx(chain.getTx(cid)!), serializeTx(child));
  });
  test('scripts: a bad signature fails consensus, a high-S one only policy', () => {
    const chain = freshChain();
    const k = key('p2wpkh-owner');
    const script = p2wpkhForPubkey(k.pubkey, crypto);
    const c = coinbaseOf(chain, 1);
    const fid = mustSubmit(chain, acsSpend(c.outpoint, [{ value: c.value - FEE, script }]));
    const value = c.value - FEE;
    const tx = spend({ txid: fid, vout: 0 }, [{ value: value - FEE, script: ACS }]);
    const code = Uint8Array.from([0x76, 0xa9, 20, ...crypto.hash160(k.pubkey), 0x88, 0xac]);
    const sig = witnessSig(tx, 0, code, value, k);
    const bad = chain.submit(withWitness(tx, 0, [corrupt(sig), k.pubkey]));
    assert.ok(!bad.ok && bad.reason === 'mandatory-script-verify-flag-failed', JSON.stringify(bad));
    const hs = chain.submit(withWitness(tx, 0, [highS(sig), k.pubkey]));
    assert.ok(!hs.ok && hs.reason === 'non-mandatory-script-verify-flag', JSON.stringify(hs));
    mustSubmit(chain, withWitness(tx, 0, [sig, k.pubkey]));
  });
});

describe('BIP 125 replacement', () => {
  const RBF = 0xfffffffd;
  test('a signalling transaction is replaced by one paying more, its child is evicted with it', () => {
    const chain = freshChain();
    const c = coinbaseOf(chain, 1);
    const a = acsSpend(c.outpoint, [{ value: c.value - FEE, script: ACS }], { sequence: RBF });
    const aid = mustSubmit(chain, a);
    const child = acsSpend({ txid: aid, vout: 0 }, [{ value: c.value - 2n * FEE, script: ACS }]);
    const cid = mustSubmit(chain, child);
    // Must beat the fees of both a and its child, plus its own relay cost.
    assert.equal(reason(chain, acsSpend(c.outpoint, [{ value: c.value - FEE - 10n, script: ACS }])), 'insufficient fee');
    assert.equal(reason(chain, acsSpend(c.outpoint, [{ value: c.value - 2n * FEE - 50n, script: ACS }])), 'insufficient fee');
    const b = acsSpend(c.outpoint, [{ value: c.value - 3n * FEE, script: ACS }]);
    const bid = mustSubmit(chain, b);
    assert.deepEqual(chain.mempoolTxids(), [bid]);
    assert.equal(chain.getConfirmations(aid), undefined);
    assert.equal(chain.getConfirmations(cid), undefined);
    // b does not signal: it cannot be replaced in turn.
    assert.equal(reason(chain, acsSpend(c.outpoint, [{ value: c.value - 10n * FEE, script: ACS }])), 'txn-mempool-conflict');
  });
  test('a replacement may not add unconfirmed inputs or spend what it replaces', () => {
    const chain = freshChain(102);
    const c = coinbaseOf(chain, 1);
    const d = coinbaseOf(chain, 2);
    const a = acsSpend(c.outpoint, [{ value: c.value - FEE, script: ACS }], { sequence: RBF });
    const aid = mustSubmit(chain, a);
    const other = mustSubmit(chain, acsSpend(d.outpoint, [{ value: d.value - FEE, script: ACS }]));
    const two = (second: OutPoint, out: bigint): Transaction => ({
      version: 2,
      inputs: [
        { prevout: c.outpoint, scriptSig: new Uint8Array(0), sequence: 0xffffffff, witness: [ANYONE_CAN_SPEND_SCRIPT] },
        { prevout: second, scriptSig: new Uint8Array(0), sequence: 0xffffffff, witness: [ANYONE_CAN_SPEND_SCRIPT] },
      ],
      outputs: [{ value: out, script: ACS }],
      locktime: 0,
    });
    assert.equal(reason(chain, two({ txid: other, vout: 0 }, c.value + d.value - 10n * FEE)), 'replacement-adds-unconfirmed');
    assert.equal(reason(chain, two({ txid: aid, vout: 0 }, c.value + c.value - 10n * FEE)), 'bad-txns-spends-conflicting-tx');
  });
});

describe('unconfirmed chain limits', () => {
  test('25 in a chain, then too-long-mempool-chain; the CPFP carve-out admits one extra child', () => {
    const chain = freshChain();
    const c = coinbaseOf(chain, 1);
    const third = c.value / 3n;
    const pid = mustSubmit(
      chain,
      acsSpend(c.outpoint, [
        { value: third, script: ACS },
        { value: third, script: ACS },
        { value: c.value - 2n * third - FEE, script: ACS },
      ]),
    );
    let prev: OutPoint = { txid: pid, vout: 0 };
    let value = third;
    for (let k = 0; k < 24; k++) {
      value -= FEE;
      prev = { txid: mustSubmit(chain, acsSpend(prev, [{ value, script: ACS }])), vout: 0 };
    }
    assert.equal(reason(chain, acsSpend(prev, [{ value: value - FEE, script: ACS }])), 'too-long-mempool-chain');
    mustSubmit(chain, acsSpend({ txid: pid, vout: 1 }, [{ value: third - FEE, script: ACS }]));
    assert.equal(reason(chain, acsSpend({ txid: pid, vout: 2 }, [{ value: c.value - 2n * third - 2n * FEE, script: ACS }])), 'too-long-mempool-chain');
    chain.mine(1);
    assert.equal(chain.mempoolTxids().length, 0);
    mustSubmit(chain, acsSpend(prev, [{ value: value - FEE, script: ACS }]));
  });
});

describe('relative and absolute timelocks', () => {
  test('CSV (BIP 68/112): a to_local delayed spend waits to_self_delay confirmations', () => {
    const chain = freshChain();
    const rev = key('rev');
    const delayed = key('delayed');
    const delay = 5;
    const script = toLocalScript(rev.pubkey, delay, delayed.pubkey);
    const c = coinbaseOf(chain, 1);
    const value = c.value - FEE;
    const fid = mustSubmit(chain, acsSpend(c.outpoint, [{ value, script: p2wshForScript(script, crypto) }]));
    chain.mine(1);
    const build = (sequence: number) => {
      const tx = spend({ txid: fid, vout: 0 }, [{ value: value - FEE, script: ACS }], { sequence });
      return withWitness(tx, 0, [witnessSig(tx, 0, script, value, delayed), new Uint8Array(0), script]);
    };
    for (let conf = 1; conf < delay; conf++) {
      assert.equal(chain.getConfirmations(fid), conf);
      assert.equal(reason(chain, build(delay)), 'non-BIP68-final', `at ${conf} confirmations`);
      chain.mine(1);
    }
    // Deep enough for nSequence 4, but the script asks for 5.
    const short = chain.submit(build(delay - 1));
    assert.ok(!short.ok && short.reason === 'mandatory-script-verify-flag-failed' && /Locktime/.test(short.detail ?? ''), JSON.stringify(short));
    mustSubmit(chain, build(delay));
  });
  test('anchor outputs: anyone may sweep after 16 confirmations', () => {
    const chain = freshChain();
    const script = anchorScript(key('anchor').pubkey);
    const c = coinbaseOf(chain, 1);
    const fid = mustSubmit(chain, acsSpend(c.outpoint, [{ value: c.value - FEE - 330n, script: ACS }, { value: 330n, script: p2wshForScript(script, crypto) }]));
    chain.mine(15);
    const sweep = withWitness(spend({ txid: fid, vout: 1 }, [{ value: 0n, script: Uint8Array.of(0x6a) }], { sequence: 16 }), 0, [new Uint8Array(0), script]);
    // A lone OP_RETURN output makes a tiny transaction; Core refuses those below 65 bytes.
    assert.equal(reason(chain, sweep), 'tx-size-small');
    const sweep2 = withWitness(spend({ txid: fid, vout: 1 }, [{ value: 0n, script: Uint8Array.of(0x6a, 20, ...new Uint8Array(20)) }], { sequence: 16 }), 0, [new Uint8Array(0), script]);
    assert.equal(reason(chain, sweep2), 'non-BIP68-final');
    chain.mine(1);
    mustSubmit(chain, sweep2);
  });
  test('CLTV (BIP 65): the received-HTLC timeout branch needs nLockTime ≥ cltv_expiry and a final chain height', () => {
    const chain = freshChain();
    const local = key('l');
    const remote = key('r');
    const preimage = crypto.sha256(Uint8Array.of(7));
    const expiry = chain.height + 3;
    const keys = { revocationPubkeyHash: crypto.hash160(key('rv').pubkey), broadcasterHtlcPubkey: local.pubkey, countersignatoryHtlcPubkey: remote.pubkey };
    const script = receivedHtlcScript(keys, crypto.sha256(preimage), expiry, false);
    const c = coinbaseOf(chain, 1);
    const value = c.value - FEE;
    const fid = mustSubmit(chain, acsSpend(c.outpoint, [{ value, script: p2wshForScript(script, crypto) }]));
    const build = (locktime: number) => {
      const tx = spend({ txid: fid, vout: 0 }, [{ value: value - FEE, script: ACS }], { locktime, sequence: 0xfffffffe });
      return withWitness(tx, 0, [witnessSig(tx, 0, script, value, remote), new Uint8Array(0), script]);
    };
    assert.equal(reason(chain, build(expiry)), 'non-final');
    chain.mine(3);
    const early = chain.submit(build(expiry - 1));
    assert.ok(!early.ok && early.reason === 'mandatory-script-verify-flag-failed', JSON.stringify(early));
    mustSubmit(chain, build(expiry));
  });
});

describe('reorgs', () => {
  test('disconnected transactions return to the mempool; ones no longer valid are dropped', () => {
    const chain = freshChain();
    const c = coinbaseOf(chain, 1);
    const script = toLocalScript(key('rv2').pubkey, 2, key('dl2').pubkey);
    const value = c.value - FEE;
    const parent = acsSpend(c.outpoint, [{ value, script: p2wshForScript(script, crypto) }]);
    const pid = mustSubmit(chain, parent);
    chain.mine(2);
    const child = spend({ txid: pid, vout: 0 }, [{ value: value - FEE, script: ACS }], { sequence: 2 });
    const signed = withWitness(child, 0, [witnessSig(child, 0, script, value, key('dl2')), new Uint8Array(0), script]);
    const cid = mustSubmit(chain, signed);
    const [b] = chain.mine(1);
    const tipBefore = chain.height;
    const hashBefore = chain.tip.hash;
    // Disconnect the child's block only: the child is valid again in the mempool.
    const newBlocks = chain.reorg(1);
    assert.equal(newBlocks.length, 2);
    assert.equal(chain.height, tipBefore + 1);
    assert.ok(!equalBytes(chain.blockAt(tipBefore)!.hash, hashBefore), 'a different block at the same height');
    assert.equal(chain.getConfirmations(cid), 0);
    assert.ok(chain.mempoolTxids().some((id) => equalBytes(id, cid)));
    chain.mine(1);
    assert.equal(chain.getConfirmations(cid), 1);
    // Now disconnect back past the parent: parent returns, the child's CSV no longer holds, it is dropped.
    chain.invalidate(b!.height - 2);
    assert.equal(chain.getConfirmations(pid), 0);
    assert.equal(chain.getConfirmations(cid), undefined);
    assert.equal(chain.getUtxo({ txid: pid, vout: 0 }), undefined);
    assert.ok(chain.getUtxo(c.outpoint), 'the coinbase output is unspent again');
  });
  test('a reorg can confirm a conflicting transaction, evicting the mempool one', () => {
    const chain = freshChain();
    const c = coinbaseOf(chain, 1);
    const a = acsSpend(c.outpoint, [{ value: c.value - FEE, script: ACS }]);
    const b = acsSpend(c.outpoint, [{ value: c.value - 2n * FEE, script: ACS }]);
    const aid = mustSubmit(chain, a);
    chain.mine(1);
    chain.reorg(1, [[b], []]);
    assert.equal(chain.getConfirmations(aid), undefined, 'a was conflicted out');
    assert.equal(chain.getConfirmations(txid(b, crypto)), 2);
    assert.throws(() => chain.mineBlock({ txs: [a] }), /bad-txns-inputs-missingorspent/);
  });
  test('mining an explicit transaction that conflicts with the mempool leaves the mempool one (and its child) out', () => {
    const chain = freshChain(102);
    const c = coinbaseOf(chain, 1);
    const d = coinbaseOf(chain, 2);
    const a = acsSpend(c.outpoint, [{ value: c.value - FEE, script: ACS }]);
    const aid = mustSubmit(chain, a);
    const child = mustSubmit(chain, acsSpend({ txid: aid, vout: 0 }, [{ value: c.value - 2n * FEE, script: ACS }]));
    const unrelated = mustSubmit(chain, acsSpend(d.outpoint, [{ value: d.value - FEE, script: ACS }]));
    // Non-standard (a bare OP_TRUE output), so only a miner would take it.
    const b = acsSpend(c.outpoint, [{ value: c.value - FEE, script: Uint8Array.of(0x51) }]);
    assert.equal(reason(chain, b), 'scriptpubkey');
    const block = chain.mineBlock({ txs: [b] });
    assert.equal(block.txs.length, 3, 'coinbase, the unrelated mempool transaction, b');
    assert.equal(chain.getConfirmations(unrelated), 1);
    assert.equal(chain.getConfirmations(txid(b, crypto)), 1);
    assert.equal(chain.getConfirmations(aid), undefined);
    assert.equal(chain.getConfirmations(child), undefined);
    assert.equal(chain.mempoolTxids().length, 0);
  });
});
