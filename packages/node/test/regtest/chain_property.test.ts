import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { OutPoint } from '@lnts/lightning/bitcoin';
import { p2wshForScript } from '@lnts/lightning/bitcoin';
import { toHex } from '@lnts/lightning/util';
import fc from 'fast-check';
import { ANYONE_CAN_SPEND_SCRIPT, blockSubsidy, RegtestChain } from '../../src/regtest/index.js';
import { crypto, spend, withWitness } from './helpers.js';

// Property: any sequence of spends (including chains of unconfirmed spends), mining, reorgs and
// invalidations keeps the chain consistent — the UTXO set holds exactly the subsidies mined (fees
// return through coinbases), nothing in the mempool spends a missing or doubly spent coin, and
// replaying the best chain on a fresh chain validates every block and gives the same UTXO set.

const SEED = Number(process.env.FC_SEED ?? 20261202);
const ACS = p2wshForScript(ANYONE_CAN_SPEND_SCRIPT, crypto);

type Op = { kind: 'spend'; pick: number; split: boolean } | { kind: 'mine'; n: number } | { kind: 'reorg'; depth: number; blocks: number } | { kind: 'invalidate'; depth: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('spend' as const), pick: fc.nat(), split: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('mine' as const), n: fc.integer({ min: 1, max: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('reorg' as const), depth: fc.integer({ min: 1, max: 3 }), blocks: fc.integer({ min: 0, max: 4 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('invalidate' as const), depth: fc.integer({ min: 1, max: 3 }) }) },
);

test('chain invariants hold under random spends, mining and reorgs', () => {
  fc.assert(
    fc.property(fc.array(opArb, { minLength: 1, maxLength: 25 }), (ops) => {
      const chain = new RegtestChain({ crypto });
      chain.mine(105);
      for (const op of ops) {
        if (op.kind === 'spend') {
          const coins = chain.listUnspent((s) => s.length === ACS.length && toHex(s) === toHex(ACS)).filter((u) => u.spendable && u.output.value > 20_000n);
          if (coins.length === 0) continue;
          const u = coins[op.pick % coins.length]!;
          const half = u.output.value / 2n;
          const outs = op.split
            ? [
                { value: half, script: ACS },
                { value: u.output.value - half - 1_000n, script: ACS },
              ]
            : [{ value: u.output.value - 1_000n, script: ACS }];
          const r = chain.submit(withWitness(spend(u.outpoint, outs), 0, [ANYONE_CAN_SPEND_SCRIPT]));
          assert.ok(r.ok, `a spend of an unspent, mature coin is accepted: ${r.ok ? '' : r.reason}`);
        } else if (op.kind === 'mine') chain.mine(op.n);
        else if (op.kind === 'reorg') {
          if (op.depth < chain.height - 100) chain.reorg(op.depth, op.blocks, { includeMempool: op.blocks % 2 === 0 });
        } else if (op.depth < chain.height - 100) chain.invalidate(chain.height - op.depth + 1);
      }
      // Conservation: fees come back in coinbases, so the UTXO set plus mempool fees is the subsidy sum.
      let subsidies = 0n;
      for (let h = 1; h <= chain.height; h++) subsidies += blockSubsidy(h);
      const confirmed = chain.listUnspent(() => true);
      let utxoValue = 0n;
      const seen = new Set<string>();
      for (const u of confirmed) {
        const k = `${toHex(u.outpoint.txid)}:${u.outpoint.vout}`;
        assert.ok(!seen.has(k), 'no coin listed twice');
        seen.add(k);
      }
      // Value in confirmed coins (including those the mempool spends) equals the subsidies.
      const mempool = chain.mempoolTxids();
      const inMempool = new Set(mempool.map(toHex));
      const spentByMempool: OutPoint[] = [];
      for (const id of mempool) for (const i of chain.getTx(id)!.inputs) spentByMempool.push(i.prevout);
      for (const u of confirmed) if (u.confirmations > 0) utxoValue += u.output.value;
      for (const o of spentByMempool) {
        if (inMempool.has(toHex(o.txid))) continue;
        const coin = chain.getUtxo(o);
        assert.ok(coin, 'every mempool input is an unspent confirmed coin or a mempool output');
        utxoValue += coin.value;
      }
      assert.equal(utxoValue, subsidies);
      const spentKeys = spentByMempool.map((o) => `${toHex(o.txid)}:${o.vout}`);
      assert.equal(new Set(spentKeys).size, spentKeys.length, 'no coin is spent twice in the mempool');
      for (const id of mempool) assert.equal(chain.getConfirmations(id), 0);
      // Confirm the mempool, then replay the best chain block by block on a fresh chain, which
      // checks every confirmed transaction against consensus rules: nothing invalid was ever
      // confirmed across the reorgs, and the replica ends with the same UTXO set.
      chain.mine(1);
      const replica = new RegtestChain({ crypto });
      for (let h = 1; h <= chain.height; h++) {
        const b = chain.blockAt(h)!;
        replica.mineBlock({ includeMempool: false, txs: b.txs.slice(1), toScript: b.txs[0]!.outputs[0]!.script });
      }
      const keys = (c: RegtestChain) => c.listUnspent(() => true).map((u) => `${toHex(u.outpoint.txid)}:${u.outpoint.vout}`).sort();
      assert.deepEqual(keys(replica), keys(chain));
    }),
    { seed: SEED, numRuns: 40 },
  );
});
