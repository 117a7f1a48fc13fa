import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Confirm, IndexedTx, Listen } from '@lnts/lightning/chain';
import { p2wshForScript, parseTx, txid } from '@lnts/lightning/bitcoin';
import { equalBytes, toHex } from '@lnts/lightning/util';
import { ANYONE_CAN_SPEND_SCRIPT, BlockSource, blockHash, decodeHeader, RegtestChain } from '../../src/regtest/index.js';
import { crypto, spend, withWitness } from './helpers.js';

// The block source: every registered Listen and Confirm hears every block in order, reorgs come
// as disconnections (Listen) or transactionUnconfirmed + bestBlockUpdated (Confirm), and a late
// listener is replayed the blocks it missed.

type Ev = string;

class RecordingListen implements Listen {
  readonly events: Ev[] = [];
  /** The headers this listener believes form the chain, tip last. */
  readonly headers: Uint8Array[] = [];
  constructor(tip: Uint8Array) {
    this.headers.push(tip);
  }
  filteredBlockConnected(header: Uint8Array, txdata: readonly IndexedTx[], height: number): void {
    const tip = this.headers[this.headers.length - 1]!;
    assert.ok(equalBytes(decodeHeader(header).prevHash, blockHash(tip, crypto)), 'blocks arrive in chain order');
    this.headers.push(header);
    this.events.push(`connect ${height} txs=${txdata.length}`);
  }
  blockDisconnected(header: Uint8Array, height: number): void {
    assert.ok(equalBytes(header, this.headers.pop()!), 'the disconnected block is the current tip');
    this.events.push(`disconnect ${height}`);
  }
}

/** Tracks txids it cares about as LDK's ChannelManager would, by block hash. */
class RecordingConfirm implements Confirm {
  readonly events: Ev[] = [];
  readonly watched = new Map<string, { txid: Uint8Array; height: number; blockHash: Uint8Array }>();
  constructor(readonly interesting: (txid: Uint8Array) => boolean) {}
  transactionsConfirmed(header: Uint8Array, txdata: readonly IndexedTx[], height: number): void {
    for (const t of txdata) {
      const tx = parseTx(t.tx);
      if (tx instanceof Error) throw tx;
      const id = txid(tx, crypto);
      if (this.interesting(id)) {
        this.watched.set(toHex(id), { txid: id, height, blockHash: blockHash(header, crypto) });
        this.events.push(`confirmed ${height}`);
      }
    }
  }
  transactionUnconfirmed(id: Uint8Array): void {
    this.watched.delete(toHex(id));
    this.events.push('unconfirmed');
  }
  bestBlockUpdated(_header: Uint8Array, height: number): void {
    this.events.push(`best ${height}`);
  }
  getRelevantTxids() {
    return [...this.watched.values()];
  }
}

describe('BlockSource', () => {
  test('every listener hears every block in order, and reorgs in order', () => {
    const chain = new RegtestChain({ crypto });
    chain.mine(101);
    const source = new BlockSource(chain);
    const l1 = new RecordingListen(chain.tip.header);
    const l2 = new RecordingListen(chain.tip.header);
    source.addListen(l1);
    source.addListen(l2);
    const cb = chain.blockAt(1)!;
    const tx = withWitness(spend({ txid: cb.txids[0]!, vout: 0 }, [{ value: cb.txs[0]!.outputs[0]!.value - 1000n, script: p2wshForScript(ANYONE_CAN_SPEND_SCRIPT, crypto) }]), 0, [
      ANYONE_CAN_SPEND_SCRIPT,
    ]);
    const r = chain.submit(tx);
    assert.ok(r.ok);
    const conf = new RecordingConfirm((id) => equalBytes(id, r.txid));
    source.addConfirm(conf);
    chain.mine(2);
    assert.deepEqual(l1.events, ['connect 102 txs=2', 'connect 103 txs=1']);
    assert.deepEqual(l2.events, l1.events);
    assert.deepEqual(conf.events, ['confirmed 102', 'best 102', 'best 103']);
    chain.reorg(2, 3);
    assert.deepEqual(l1.events.slice(2), ['disconnect 103', 'disconnect 102', 'connect 102 txs=1', 'connect 103 txs=1', 'connect 104 txs=1']);
    assert.deepEqual(conf.events.slice(3), ['best 102', 'unconfirmed', 'best 101', 'best 102', 'best 103', 'best 104']);
    assert.equal(conf.watched.size, 0);
    // The transaction went back to the mempool; mining it confirms it again for the listener.
    chain.mine(1);
    assert.deepEqual(conf.events.slice(-2), ['confirmed 105', 'best 105']);
    assert.deepEqual(l1.events.slice(-1), ['connect 105 txs=2']);
  });
  test('a listener registered behind the tip is replayed the blocks it missed', () => {
    const chain = new RegtestChain({ crypto });
    chain.mine(5);
    const source = new BlockSource(chain);
    const l = new RecordingListen(chain.blockAt(2)!.header);
    source.addListen(l, 2);
    assert.deepEqual(l.events, ['connect 3 txs=1', 'connect 4 txs=1', 'connect 5 txs=1']);
    chain.mine(1);
    assert.equal(l.events.length, 4);
    source.remove(l);
    chain.mine(1);
    assert.equal(l.events.length, 4, 'removed listeners hear nothing');
    source.close();
  });
});
