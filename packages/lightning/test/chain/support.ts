/**
 * Monitors built from real channels: two pure channel state machines (the channel test harness)
 * open and fund a channel until both hand over their `ChannelMonitorInit`.
 */
import assert from 'node:assert/strict';
import { p2wshForScript } from '../../src/bitcoin/outputs.js';
import { txid } from '../../src/bitcoin/serialize.js';
import type { OutPoint, Transaction } from '../../src/bitcoin/tx.js';
import type { ChannelMonitorInit, ChannelMonitorUpdate, ChannelMonitorUpdateStep } from '../../src/chain/channelmonitor_update.js';
import type { ChannelMonitorUpdateStatus, Persist } from '../../src/chain/watch.js';
import type { ChannelMonitor } from '../../src/chain/channelmonitor.js';
import { nobleBackend } from '../../src/crypto/noble.js';
import { apply, deliverAll, fundingTx, openPair, take, type Side } from '../ln/channel/harness.js';

export const crypto = nobleBackend;

export interface FundedPair {
  alice: Side;
  bob: Side;
  /** Alice's monitor data (she opened and funded). */
  aliceInit: ChannelMonitorInit;
  /** Bob's. */
  bobInit: ChannelMonitorInit;
  funding: Transaction;
  outpoint: OutPoint;
}

/** Opens and funds a channel of `valueSat` between two fresh sides; returns both monitors' inits. */
export function fundedPair(valueSat = 1_000_000n, anchors = false): FundedPair {
  const { alice, bob } = openPair(valueSat, { anchors, push: 10_000_000n });
  deliverAll(alice, bob);
  const [ev] = take(alice, 'event');
  const e = ev!.event as { kind: string; channelValueSatoshis: bigint; outputScript: Uint8Array };
  assert.equal(e.kind, 'FundingGenerationReady');
  const funding = fundingTx(e.channelValueSatoshis, e.outputScript);
  apply(alice, { kind: 'funding-generated', tx: funding, outputIndex: 0 });
  deliverAll(alice, bob);
  const [wa] = take(alice, 'watch');
  const [wb] = take(bob, 'watch');
  assert.ok(wa && wb, 'both sides hand over a monitor');
  const outpoint = { txid: txid(funding, crypto), vout: 0 };
  assert.deepEqual(wa.init.fundingOutpoint, outpoint);
  assert.deepEqual(p2wshForScript(wa.init.fundingScript, crypto), funding.outputs[0]!.script);
  return { alice, bob, aliceInit: wa.init, bobInit: wb.init, funding, outpoint };
}

/** An update of `steps` for the channel of `init`. */
export function upd(init: ChannelMonitorInit, updateId: bigint, ...steps: ChannelMonitorUpdateStep[]): ChannelMonitorUpdate {
  return { updateId, channelId: init.channelId, steps };
}

/** A transaction spending `outpoint` (a stand-in for any closing transaction). */
export function spendOf(outpoint: OutPoint, tag = 1): Transaction {
  return {
    version: 2,
    inputs: [{ prevout: outpoint, scriptSig: new Uint8Array(0), sequence: 0xffffffff, witness: [Uint8Array.of(tag)] }],
    outputs: [{ value: 5000n, script: Uint8Array.of(0x00, 0x14, ...new Uint8Array(20).fill(tag)) }],
    locktime: 0,
  };
}

/** An 80-byte block header on top of `prev` (only its bytes matter here). */
export function header(prev: Uint8Array, n: number): Uint8Array {
  const h = new Uint8Array(80);
  h[0] = 2;
  h.set(prev, 4);
  h.fill(n & 0xff, 36, 68);
  new DataView(h.buffer).setUint32(76, n, true);
  return h;
}

/** A persister that records calls and answers from a queue (default `completed`), like LDK's `TestPersister`. */
export class TestPersister implements Persist<ChannelMonitor> {
  readonly calls: Array<{ kind: 'new' | 'update'; updateId: bigint | null; bytes: Uint8Array }> = [];
  private readonly answers: ChannelMonitorUpdateStatus[] = [];

  /** The next call returns `s`. */
  next(...s: ChannelMonitorUpdateStatus[]): void {
    this.answers.push(...s);
  }

  persistNewChannel(_o: OutPoint, m: ChannelMonitor): ChannelMonitorUpdateStatus {
    this.calls.push({ kind: 'new', updateId: m.latestUpdateId, bytes: m.write() });
    return this.answers.shift() ?? 'completed';
  }

  updatePersistedChannel(_o: OutPoint, u: ChannelMonitorUpdate | null, m: ChannelMonitor): ChannelMonitorUpdateStatus {
    this.calls.push({ kind: 'update', updateId: u ? u.updateId : null, bytes: m.write() });
    return this.answers.shift() ?? 'completed';
  }
}
