import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { nobleBackend as crypto } from '../../../src/crypto/noble.js';
import {
  canSendCommit,
  type HtlcCommitments,
  HtlcError,
  type HtlcLimits,
  incomingCrossSigned,
  initialHtlcCommitments,
  receiveAdd,
  receiveCommit,
  receiveRevoke,
  receiveSettle,
  sendAdd,
  sendCommit,
  sendFail,
  sendFulfill,
} from '../../../src/ln/channel/htlc/commitments.js';
import { type ChannelUpdate, type CommitSpec, mirror } from '../../../src/ln/channel/htlc/spec.js';

const SEED = Number(process.env.FC_SEED ?? 20261124);
const CAPACITY = 10_000_000_000n; // 0.1 BTC in msat
const channelId = new Uint8Array(32).fill(1);

type Wire = ChannelUpdate | { name: 'commitment_signed' } | { name: 'revoke_and_ack' };

interface Party {
  c: HtlcCommitments;
  inbox: Wire[];
  preimages: Map<bigint, Uint8Array>;
  paid: bigint;
  received: bigint;
}

const limits: HtlcLimits = {
  htlcMinimumMsat: 1n,
  maxAcceptedHtlcs: 30,
  maxHtlcValueInFlightMsat: CAPACITY,
  senderReserveMsat: 1_000_000n,
  senderFeeMsat: () => 0n,
};

function total(s: CommitSpec): bigint {
  return s.toLocalMsat + s.toRemoteMsat + s.htlcs.reduce((a, h) => a + h.add.amountMsat, 0n);
}

function canonical(s: CommitSpec) {
  return {
    ...s,
    htlcs: [...s.htlcs].sort((a, b) => (a.direction + a.add.id < b.direction + b.add.id ? -1 : 1)).map((h) => `${h.direction}:${h.add.id}:${h.add.amountMsat}`),
  };
}

function mustOk<T>(r: T | HtlcError): T {
  if (r instanceof HtlcError) throw r;
  return r;
}

/** The receiving side's reaction to one wire message, per BOLT 2. */
function deliver(me: Party, other: Party): void {
  const m = me.inbox.shift()!;
  switch (m.name) {
    case 'update_add_htlc':
      me.c = mustOk(receiveAdd(me.c, m.msg, limits));
      break;
    case 'update_fulfill_htlc':
    case 'update_fail_htlc':
    case 'update_fail_malformed_htlc': {
      const r = mustOk(receiveSettle(me.c, m, crypto));
      me.c = r.c;
      if (m.name === 'update_fulfill_htlc') me.paid += r.htlc.amountMsat;
      break;
    }
    case 'update_fee':
      break;
    case 'commitment_signed': {
      const r = mustOk(receiveCommit(me.c));
      me.c = r.c;
      other.inbox.push({ name: 'revoke_and_ack' });
      break;
    }
    case 'revoke_and_ack': {
      const r = mustOk(receiveRevoke(me.c));
      me.c = r.c;
      break;
    }
  }
}

function commit(me: Party, other: Party): boolean {
  if (!canSendCommit(me.c)) return false;
  me.c = mustOk(sendCommit(me.c)).c;
  other.inbox.push({ name: 'commitment_signed' });
  return true;
}

function settleAll(a: Party, b: Party): void {
  for (let i = 0; i < 10_000; i++) {
    if (a.inbox.length) deliver(a, b);
    else if (b.inbox.length) deliver(b, a);
    else if (commit(a, b) || commit(b, a)) continue;
    else return;
  }
  throw new Error('never quiescent');
}

const op = fc.oneof(
  fc.record({ kind: fc.constant('add' as const), from: fc.integer({ min: 0, max: 1 }), amount: fc.bigInt({ min: 1n, max: 200_000_000n }) }),
  fc.record({ kind: fc.constant('settle' as const), by: fc.integer({ min: 0, max: 1 }), fulfill: fc.boolean(), pick: fc.nat() }),
  fc.record({ kind: fc.constant('commit' as const), by: fc.integer({ min: 0, max: 1 }) }),
  fc.record({ kind: fc.constant('deliver' as const), to: fc.integer({ min: 0, max: 1 }) }),
);

describe('the commitment dance as data (BOLT 2 normal operation)', () => {
  test('random adds, settles, signatures and deliveries: both sides agree, value is conserved, payments reconcile', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 120 }), (ops) => {
        const a: Party = { c: initialHtlcCommitments(6_000_000_000n, 4_000_000_000n, 1000), inbox: [], preimages: new Map(), paid: 0n, received: 0n };
        const b: Party = { c: initialHtlcCommitments(4_000_000_000n, 6_000_000_000n, 1000), inbox: [], preimages: new Map(), paid: 0n, received: 0n };
        const parties = [a, b];
        let n = 0;
        for (const o of ops) {
          if (o.kind === 'add') {
            const me = parties[o.from]!;
            const other = parties[1 - o.from]!;
            const preimage = crypto.sha256(Uint8Array.of(o.from, n++ & 0xff, (n >> 8) & 0xff));
            const r = sendAdd(me.c, { channelId, amountMsat: o.amount, paymentHash: crypto.sha256(preimage), cltvExpiry: 800_000, onionRoutingPacket: new Uint8Array(0) }, limits);
            if (r instanceof HtlcError) continue; // over a limit: the sender must not send it
            me.c = r.c;
            me.preimages.set(r.msg.id, preimage);
            other.inbox.push({ name: 'update_add_htlc', msg: r.msg });
          } else if (o.kind === 'settle') {
            const me = parties[o.by]!;
            const other = parties[1 - o.by]!;
            const candidates = me.c.localSpec.htlcs.filter((h) => h.direction === 'received' && incomingCrossSigned(me.c, h.add.id));
            if (candidates.length === 0) continue;
            const h = candidates[o.pick % candidates.length]!;
            if (o.fulfill) {
              const r = sendFulfill(me.c, h.add.id, other.preimages.get(h.add.id)!, channelId, crypto);
              if (r instanceof HtlcError) continue; // already being settled
              me.c = r.c;
              me.received += h.add.amountMsat;
              other.inbox.push(r.update);
            } else {
              const u: ChannelUpdate = { name: 'update_fail_htlc', msg: { channelId, id: h.add.id, reason: new Uint8Array(0) } };
              const r = sendFail(me.c, u);
              if (r instanceof HtlcError) continue;
              me.c = r;
              other.inbox.push(u);
            }
          } else if (o.kind === 'commit') {
            commit(parties[o.by]!, parties[1 - o.by]!);
          } else {
            const me = parties[o.to]!;
            if (me.inbox.length) deliver(me, parties[1 - o.to]!);
          }
          for (const p of parties) {
            for (const s of [p.c.localSpec, p.c.remoteSpec, ...(p.c.remoteNext ? [p.c.remoteNext] : [])]) assert.equal(total(s), CAPACITY, 'value conserved');
          }
        }
        settleAll(a, b);
        // Quiescent: each side's commitment is the other's seen from the other side.
        assert.deepEqual(canonical(a.c.localSpec), canonical(mirror(b.c.localSpec)));
        assert.deepEqual(canonical(a.c.localSpec), canonical(mirror(a.c.remoteSpec)));
        assert.deepEqual(canonical(b.c.localSpec), canonical(mirror(b.c.remoteSpec)));
        // Payments reconcile to the msat: what each side saw fulfilled moved exactly.
        const pending = a.c.localSpec.htlcs.reduce((s, h) => s + (h.direction === 'offered' ? h.add.amountMsat : 0n), 0n);
        const pendingB = b.c.localSpec.htlcs.reduce((s, h) => s + (h.direction === 'offered' ? h.add.amountMsat : 0n), 0n);
        assert.equal(a.c.localSpec.toLocalMsat, 6_000_000_000n - a.paid + b.paid - pending);
        assert.equal(b.c.localSpec.toLocalMsat, 4_000_000_000n - b.paid + a.paid - pendingB);
        assert.equal(a.paid, b.received);
        assert.equal(b.paid, a.received);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  test('protocol violations are refused', () => {
    const a0 = initialHtlcCommitments(5_000_000n, 5_000_000n, 253);
    const add = { channelId, amountMsat: 1000n, paymentHash: crypto.sha256(Uint8Array.of(1)), cltvExpiry: 100, onionRoutingPacket: new Uint8Array(0) };
    // Wrong id.
    assert.ok(receiveAdd(a0, { ...add, id: 5n }, limits) instanceof HtlcError);
    // Below the minimum, and a timestamp as cltv_expiry.
    assert.ok(receiveAdd(a0, { ...add, id: 0n, amountMsat: 0n }, limits) instanceof HtlcError);
    assert.ok(receiveAdd(a0, { ...add, id: 0n, cltvExpiry: 500_000_000 }, limits) instanceof HtlcError);
    // More than the sender can afford above its reserve.
    assert.ok(receiveAdd(a0, { ...add, id: 0n, amountMsat: 4_500_000n }, limits) instanceof HtlcError);
    // Too many HTLCs.
    let c = a0;
    const tight = { ...limits, maxAcceptedHtlcs: 2 };
    for (let i = 0n; i < 2n; i++) c = receiveAdd(c, { ...add, id: i }, tight) as HtlcCommitments;
    assert.ok(receiveAdd(c, { ...add, id: 2n }, tight) instanceof HtlcError);
    // Nothing to sign / revoke without a commitment / settling an unknown HTLC.
    assert.ok(receiveCommit(a0) instanceof HtlcError);
    assert.ok(receiveRevoke(a0) instanceof HtlcError);
    assert.ok(sendCommit(a0) instanceof HtlcError);
    assert.ok(receiveSettle(a0, { name: 'update_fulfill_htlc', msg: { channelId, id: 0n, paymentPreimage: new Uint8Array(32) } }, crypto) instanceof HtlcError);
  });

  test('a fulfill with the wrong preimage, or of an HTLC not yet committed, is refused', () => {
    const a: Party = { c: initialHtlcCommitments(5_000_000n, 5_000_000n, 253), inbox: [], preimages: new Map(), paid: 0n, received: 0n };
    const b: Party = { c: initialHtlcCommitments(5_000_000n, 5_000_000n, 253), inbox: [], preimages: new Map(), paid: 0n, received: 0n };
    const preimage = new Uint8Array(32).fill(7);
    const r = mustOk(sendAdd(a.c, { channelId, amountMsat: 10_000n, paymentHash: crypto.sha256(preimage), cltvExpiry: 100, onionRoutingPacket: new Uint8Array(0) }, limits));
    a.c = r.c;
    b.inbox.push({ name: 'update_add_htlc', msg: r.msg });
    deliver(b, a);
    // Not yet irrevocably committed: Bob cannot settle it.
    assert.ok(sendFulfill(b.c, 0n, preimage, channelId, crypto) instanceof HtlcError);
    settleAll(a, b);
    assert.ok(sendFulfill(b.c, 0n, new Uint8Array(32), channelId, crypto) instanceof HtlcError, 'wrong preimage');
    const f = mustOk(sendFulfill(b.c, 0n, preimage, channelId, crypto));
    const forged: ChannelUpdate = { name: 'update_fulfill_htlc', msg: { channelId, id: 0n, paymentPreimage: new Uint8Array(32).fill(8) } };
    assert.ok(receiveSettle(a.c, forged, crypto) instanceof HtlcError, 'Alice checks the preimage');
    b.c = f.c;
    a.inbox.push(f.update);
    settleAll(a, b);
    assert.equal(a.c.localSpec.toLocalMsat, 5_000_000n - 10_000n);
    assert.equal(b.c.localSpec.toLocalMsat, 5_000_000n + 10_000n);
  });
});
