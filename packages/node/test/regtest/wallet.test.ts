import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { addressToScript, p2wshForScript, txid, weight } from '@lnts/lightning/bitcoin';
import { fundingScript } from '@lnts/lightning/ln/chan_utils';
import { equalBytes } from '@lnts/lightning/util';
import { InsufficientFunds, RegtestAccess, RegtestChain, RegtestWallet, encodeShortChannelId } from '../../src/regtest/index.js';
import { chainHash } from '@lnts/lightning/chain';
import { crypto, key } from './helpers.js';

// The regtest wallet: faucet, balance, funding a BOLT 3 2-of-2 with change, coin reservation,
// and the funding output found again through chain.Access by short_channel_id.

const SEED = crypto.sha256(new TextEncoder().encode('wallet-test-seed'));
const FEERATE = 253;

function funded(): { chain: RegtestChain; wallet: RegtestWallet } {
  const chain = new RegtestChain({ crypto });
  const wallet = new RegtestWallet(chain, SEED);
  chain.mine(101, wallet.script);
  return { chain, wallet };
}

describe('RegtestWallet', () => {
  test('keys and addresses are deterministic from the seed', () => {
    const chain = new RegtestChain({ crypto });
    const a = new RegtestWallet(chain, SEED);
    const b = new RegtestWallet(chain, SEED);
    const other = new RegtestWallet(chain, crypto.sha256(SEED));
    assert.ok(equalBytes(a.script, b.script));
    assert.ok(!equalBytes(a.script, other.script));
    assert.match(a.address, /^bcrt1q/);
    const back = addressToScript(a.address);
    assert.ok(back instanceof Uint8Array && equalBytes(back, a.script));
    assert.ok(!equalBytes(a.newScript(), a.script));
  });
  test('the faucet: 101 blocks make one coinbase spendable', () => {
    const { chain, wallet } = funded();
    assert.equal(wallet.utxos().length, 101);
    assert.equal(wallet.balance(), 5_000_000_000n);
    chain.mine(1, wallet.script);
    assert.equal(wallet.balance(), 10_000_000_000n);
  });
  test('funding a 2-of-2: unsigned then signed, same txid, change back to the wallet, accepted and confirmed', () => {
    const { chain, wallet } = funded();
    const script = p2wshForScript(fundingScript(key('fa').pubkey, key('fb').pubkey), crypto);
    const amount = 1_000_000n;
    const f = wallet.createFundingTransaction(script, amount, FEERATE);
    assert.equal(f.unsigned.inputs[0]!.witness.length, 0);
    assert.equal(f.signed.inputs[0]!.witness.length, 2);
    assert.ok(equalBytes(txid(f.unsigned, crypto), txid(f.signed, crypto)), 'segwit inputs: signing does not change the txid');
    assert.equal(f.signed.outputs[f.outputIndex]!.value, amount);
    assert.ok(equalBytes(f.signed.outputs[0]!.script, script));
    const change = f.signed.outputs[1]!;
    assert.ok(wallet.isMine(change.script));
    assert.equal(5_000_000_000n - amount - change.value, f.fee);
    // The fee pays at least the requested feerate and is not absurd (within a few vbytes).
    const w = weight(f.signed);
    assert.ok(f.fee * 1000n >= BigInt(w * FEERATE), `fee ${f.fee} for weight ${w}`);
    assert.ok(f.fee <= BigInt(Math.ceil((w + 8) * FEERATE / 1000)));
    const r = chain.submit(f.signed);
    assert.ok(r.ok, JSON.stringify(r));
    assert.equal(wallet.balance(), change.value, 'the change, unconfirmed, is spendable; the other coinbases are immature');
    const [b] = chain.mine(6);
    const loc = chain.getTxLocation(r.txid)!;
    assert.equal(loc.height, b!.height);
    assert.equal(chain.getConfirmations(r.txid), 6);
    const access = new RegtestAccess(chain);
    const scid = encodeShortChannelId(loc.height, loc.index, f.outputIndex);
    assert.equal(chain.shortChannelId(r.txid, f.outputIndex), scid);
    assert.equal(chain.bestBlock().height, chain.height);
    const out = access.getUtxo(chainHash('regtest'), scid);
    assert.ok(typeof out === 'object' && out.value === amount && equalBytes(out.script, script));
    assert.equal(access.getUtxo(chainHash('bitcoin'), scid), 'UnknownChain');
    assert.equal(access.getUtxo(chainHash('regtest'), encodeShortChannelId(loc.height, loc.index + 5, 0)), 'UnknownTx');
  });
  test('two transactions built back to back never share a coin; release frees them', () => {
    const { chain, wallet } = funded();
    chain.mine(1, wallet.script);
    const dest = p2wshForScript(Uint8Array.of(0x51), crypto);
    const a = wallet.fund([{ value: 4_000_000_000n, script: dest }], FEERATE);
    const b = wallet.fund([{ value: 4_000_000_000n, script: dest }], FEERATE);
    assert.ok(!equalBytes(a.inputs[0]!.prevout.txid, b.inputs[0]!.prevout.txid));
    assert.throws(() => wallet.fund([{ value: 1_000_000n, script: dest }], FEERATE), InsufficientFunds);
    assert.ok(chain.submit(a).ok && chain.submit(b).ok);
    assert.equal(wallet.balance(), a.outputs[1]!.value + b.outputs[1]!.value, 'only the two unconfirmed changes remain');
    assert.equal(a.outputs[1]!.value + b.outputs[1]!.value, 2n * 5_000_000_000n - 8_000_000_000n - feeOf(chain, a) - feeOf(chain, b));
    const c = wallet.fund([{ value: 1_000_000n, script: dest }], FEERATE);
    assert.ok(wallet.balance() < a.outputs[1]!.value + b.outputs[1]!.value, 'c reserved a change coin');
    wallet.release(c);
    assert.equal(wallet.balance(), a.outputs[1]!.value + b.outputs[1]!.value, 'released');
  });
  test('coin selection combines coins and the spend of a spent funding output reports UnknownTx', () => {
    const { chain, wallet } = funded();
    chain.mine(2, wallet.script);
    const dest = p2wshForScript(Uint8Array.of(0x51), crypto);
    const tx = wallet.fund([{ value: 12_000_000_000n, script: dest }], FEERATE);
    assert.equal(tx.inputs.length, 3);
    const r = chain.submit(tx);
    assert.ok(r.ok, JSON.stringify(r));
    chain.mine(1);
    const loc = chain.getTxLocation(r.txid)!;
    const access = new RegtestAccess(chain);
    const scid = encodeShortChannelId(loc.height, loc.index, 0);
    assert.equal(typeof access.getUtxo(chainHash('regtest'), scid), 'object');
    const sweep = { version: 2, inputs: [{ prevout: { txid: r.txid, vout: 0 }, scriptSig: new Uint8Array(0), sequence: 0xffffffff, witness: [Uint8Array.of(0x51)] }], outputs: [{ value: 11_999_000_000n, script: wallet.script }], locktime: 0 };
    assert.ok(chain.submit(sweep).ok);
    assert.equal(typeof access.getUtxo(chainHash('regtest'), scid), 'object', 'a mempool spend does not count');
    chain.mine(1);
    assert.equal(access.getUtxo(chainHash('regtest'), scid), 'UnknownTx');
  });
});

function feeOf(chain: RegtestChain, tx: ReturnType<RegtestWallet['fund']>): bigint {
  let inSum = 0n;
  for (const i of tx.inputs) {
    const parent = chain.getTx(i.prevout.txid)!;
    inSum += parent.outputs[i.prevout.vout]!.value;
  }
  return inSum - tx.outputs.reduce((s, o) => s + o.value, 0n);
}
