/**
 * Two channel state machines driven against each other (the pure step, `ln/channel/harness.ts`),
 * each with its `ChannelMonitor` fed every update the channel emits, as a `ChainMonitor` would:
 * what the monitor tests need to grow real histories and check what a penalty could claim.
 */
import assert from 'node:assert/strict';
import { ChannelMonitor, type ChannelMonitorOptions } from '../../src/chain/channelmonitor.js';
import type { ChannelMonitorUpdate } from '../../src/chain/channelmonitor_update.js';
import type { ChannelState } from '../../src/ln/channel/state.js';
import { apply, deliverAll, fund, openPair, type Side, take } from '../ln/channel/harness.js';
import { crypto } from './support.js';

export interface Party {
  side: Side;
  monitor: ChannelMonitor;
  /** When set, every update fed to the monitor is also appended here (to replay them later). */
  log?: ChannelMonitorUpdate[];
}

/** Applies every monitor update a side emitted to its monitor, in order, as a ChainMonitor would. */
export function feed(p: Party): void {
  for (const a of take(p.side, 'update-monitor')) {
    p.log?.push(a.update);
    assert.equal(p.monitor.update(a.update), null, `update ${a.update.updateId}`);
  }
}

/** A funded, usable channel of 1,000,000 sat with 300,000 sat pushed to Bob, each side with its monitor. */
export function usable(anchors: boolean, opts: { alice?: ChannelMonitorOptions; bob?: ChannelMonitorOptions } = {}): { alice: Party; bob: Party } {
  const { alice, bob } = openPair(1_000_000n, { anchors, push: 300_000_000n });
  fund(alice, bob);
  const [wa] = take(alice, 'watch');
  const [wb] = take(bob, 'watch');
  assert.ok(wa && wb);
  for (const s of [alice, bob]) {
    apply(s, { kind: 'funding-confirmed', confirmation: { height: 100, txIndex: 1, blockHash: new Uint8Array(32) } });
    s.ctx = { ...s.ctx, bestHeight: 106 };
    apply(s, { kind: 'best-block', height: 106 });
  }
  deliverAll(alice, bob);
  assert.equal(alice.state.kind, 'Normal');
  assert.equal(bob.state.kind, 'Normal');
  const out = {
    alice: { side: alice, monitor: ChannelMonitor.create(wa.init, crypto, opts.alice) },
    bob: { side: bob, monitor: ChannelMonitor.create(wb.init, crypto, opts.bob) },
  };
  feed(out.alice);
  feed(out.bob);
  return out;
}

/** Signs and exchanges until neither side has anything left to sign, feeding the monitors as it goes. */
export function commitBoth(a: Party, b: Party): void {
  for (let round = 0; round < 12; round++) {
    let signed = 0;
    for (const p of [a, b]) {
      try {
        apply(p.side, { kind: 'sign' });
        signed++;
      } catch {
        // nothing to sign on this side
      }
      feed(p);
    }
    let moved = 0;
    for (let i = 0; i < 10 && (a.side.outbox.length > 0 || b.side.outbox.length > 0); i++) {
      for (const m of a.side.outbox.splice(0)) apply(b.side, { kind: 'message', msg: m });
      feed(b);
      for (const m of b.side.outbox.splice(0)) apply(a.side, { kind: 'message', msg: m });
      feed(a);
      moved++;
    }
    if (signed === 0 && moved === 0) return;
  }
  throw new Error('commitments never settled');
}

export function add(from: Party, amountMsat: bigint, preimage: Uint8Array, cltvExpiry: number): void {
  apply(from.side, { kind: 'add-htlc', add: { amountMsat, paymentHash: crypto.sha256(preimage), cltvExpiry, onionRoutingPacket: new Uint8Array(1366) } });
}

export function channelIdOf(p: Party): Uint8Array {
  return (p.side.state as Extract<ChannelState, { kind: 'Normal' }>).funding.channelId;
}
