import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { nobleBackend as c } from '../../../src/crypto/noble.js';
import {
  blindedNodeSecret,
  buildAttributableFailure,
  decodeAttributableFailure,
  forwardAttributableFailure,
  blindedPaymentHops,
  buildFailurePacket,
  buildOnionMessage,
  classifyHopPayload,
  constructOnionPacket,
  createBlindedPath,
  decodeFailurePacket,
  decodeHopPayload,
  FAILURES,
  type FailureMessage,
  type FailureName,
  obfuscateFailurePacket,
  peelOnionMessage,
  peelOnionPacket,
  processBlindedHop,
} from '../../../src/ln/onion/index.js';
import { DecodeError } from '../../../src/util/errors.js';
import { MAX_HOPS, NODE_IDS, NODE_KEYS, routeArb, SEED, secretArb } from './arbitraries.js';

/** A failure of the given kind with its data fields drawn from the given values. */
function failureOf(name: FailureName, amt: bigint, n32: number, bytes: Uint8Array): FailureMessage {
  const f: Record<string, unknown> = { kind: name };
  for (const field of Object.keys(FAILURES[name].fields)) {
    if (field === 'sha256OfOnion') f[field] = bytes.length >= 32 ? bytes.slice(0, 32) : new Uint8Array(32).fill(n32 & 0xff);
    else if (field === 'channelUpdate') f[field] = bytes;
    else if (field === 'htlcMsat' || field === 'incomingHtlcAmt' || field === 'type') f[field] = amt;
    else if (field === 'disabledFlags' || field === 'offset') f[field] = n32 & 0xffff;
    else f[field] = n32;
  }
  return f as unknown as FailureMessage;
}

test('property: a failure built at a random hop is attributed to that hop at the origin', () => {
  const arb = routeArb.chain((route) =>
    fc.record({
      route: fc.constant(route),
      at: fc.integer({ min: 0, max: route.hops.length - 1 }),
      name: fc.constantFrom(...(Object.keys(FAILURES) as FailureName[])),
      amt: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
      n32: fc.nat({ max: 0xffffffff }),
      bytes: fc.uint8Array({ maxLength: 400 }),
    }),
  );
  fc.assert(
    fc.property(arb, ({ route, at, name, amt, n32, bytes }) => {
      const { nodes, sessionKey, ad, hops } = route;
      const built = constructOnionPacket(c, { sessionKey, hops, associatedData: ad });
      // Each hop keeps the shared secret it derived while peeling.
      const hopSecrets: Uint8Array[] = [];
      let onion = built.onion;
      for (let i = 0; i <= at; i++) {
        const r = peelOnionPacket(c, onion, NODE_KEYS[nodes[i]!]!, ad);
        assert.ok(r.kind === 'forward' || r.kind === 'final');
        hopSecrets.push(r.sharedSecret);
        if (r.kind === 'forward') onion = r.nextPacket;
      }
      const failure = failureOf(name, amt, n32, bytes);
      let packet = buildFailurePacket(c, hopSecrets[at]!, failure);
      for (let i = at - 1; i >= 0; i--) packet = obfuscateFailurePacket(c, hopSecrets[i]!, packet);
      const got = decodeFailurePacket(c, built.sharedSecrets, packet);
      assert.ok(got, 'attributed');
      assert.equal(got.hopIndex, at);
      assert.deepEqual(got.failure, failure);
    }),
    { seed: SEED, numRuns: 25 },
  );
});

test('property: an attributable failure at a random hop carries every hold time up to it', () => {
  const arb = fc.record({
    n: fc.integer({ min: 1, max: 20 }),
    at: fc.nat(),
    sessionKey: secretArb,
    holds: fc.array(fc.nat({ max: 0xffffffff }), { minLength: 20, maxLength: 20 }),
    msg: fc.uint8Array({ minLength: 2, maxLength: 600 }),
  });
  fc.assert(
    fc.property(arb, ({ n, at, sessionKey, holds, msg }) => {
      const k = at % n;
      const hops = NODE_IDS.slice(0, n).map((pubkey) => ({ pubkey, payload: Uint8Array.of(1, 2) }));
      const built = constructOnionPacket(c, { sessionKey, hops, associatedData: new Uint8Array(32) });
      const ss = built.sharedSecrets;
      let pkt = buildAttributableFailure(c, ss[k]!, msg, holds[k]!);
      for (let i = k - 1; i >= 0; i--) pkt = forwardAttributableFailure(c, ss[i]!, pkt, holds[i]!);
      const got = decodeAttributableFailure(c, ss, pkt);
      assert.equal(got.failure?.hopIndex, k);
      assert.deepEqual(got.failure?.failureMsg, msg);
      assert.deepEqual(got.attribution, { holdTimes: holds.slice(0, k + 1) });
    }),
    { seed: SEED, numRuns: 20 },
  );
});

test('property: payments through random blinded paths reach the recipient with the path_id', () => {
  const arb = fc.record({
    n: fc.integer({ min: 1, max: 6 }),
    first: fc.integer({ min: 0, max: MAX_HOPS - 7 }),
    pathKey: secretArb,
    sessionKey: secretArb,
    pathId: fc.uint8Array({ minLength: 1, maxLength: 32 }),
    amount: fc.bigInt({ min: 1n, max: 10n ** 12n }),
    base: fc.nat({ max: 5000 }),
    prop: fc.nat({ max: 5000 }),
    delta: fc.integer({ min: 1, max: 200 }),
  });
  fc.assert(
    fc.property(arb, ({ n, first, pathKey, sessionKey, pathId, amount, base, prop, delta }) => {
      const idx = Array.from({ length: n }, (_, i) => first + i);
      const relay = { cltvExpiryDelta: delta, feeProportionalMillionths: prop, feeBaseMsat: base };
      const created = createBlindedPath(
        c,
        pathKey,
        idx.map((j, i) => ({
          nodeId: NODE_IDS[j]!,
          data: i === n - 1 ? { pathId } : { shortChannelId: BigInt(j), paymentRelay: relay },
        })),
      );
      const finalCltv = 800_000;
      const hops = blindedPaymentHops(created.path, { amountMsat: amount, totalAmountMsat: amount, finalCltv });
      const ad = new Uint8Array(32).fill(n);
      let onion = constructOnionPacket(c, { sessionKey, hops, associatedData: ad }).onion;
      // Generous incoming HTLC at the introduction node: at least what the relays ask for.
      let htlc = { amountMsat: amount * 2n + 10_000n * BigInt(n), cltvExpiry: finalCltv + 200 * n };
      let updatePathKey: Uint8Array | undefined;
      for (let i = 0; i < n; i++) {
        const k = NODE_KEYS[idx[i]!]!;
        const r = peelOnionPacket(c, onion, updatePathKey ? blindedNodeSecret(c, k, updatePathKey) : k, ad);
        assert.ok(r.kind === 'forward' || r.kind === 'final', r.kind);
        const p = decodeHopPayload(r.payload);
        assert.ok(!(p instanceof DecodeError));
        const instr = classifyHopPayload(p, r.kind === 'final', updatePathKey);
        assert.ok(instr.kind === 'blinded-forward' || instr.kind === 'blinded-receive', instr.kind);
        const out = processBlindedHop(c, k, instr, htlc);
        if (i < n - 1) {
          assert.equal(out.kind, 'forward');
          if (out.kind !== 'forward' || r.kind !== 'forward') return;
          assert.equal(out.shortChannelId, BigInt(idx[i]!));
          assert.equal(out.outgoingCltvValue, htlc.cltvExpiry - delta);
          // The forwarded amount leaves at least the advertised fee.
          assert.ok(htlc.amountMsat - out.amtToForward >= BigInt(base) + (out.amtToForward * BigInt(prop)) / 1_000_000n);
          htlc = { amountMsat: out.amtToForward, cltvExpiry: out.outgoingCltvValue };
          updatePathKey = out.nextPathKey;
          onion = r.nextPacket;
        } else {
          assert.equal(out.kind, 'receive');
          if (out.kind !== 'receive') return;
          assert.deepEqual(out.pathId, pathId);
          assert.equal(out.amtToForward, amount);
        }
      }
    }),
    { seed: SEED, numRuns: 20 },
  );
});

test('property: onion messages along random blinded paths reach the last node', () => {
  const arb = fc.record({
    n: fc.integer({ min: 1, max: 8 }),
    first: fc.integer({ min: 0, max: MAX_HOPS - 9 }),
    pathKey: secretArb,
    sessionKey: secretArb,
    byScid: fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
    body: fc.uint8Array({ maxLength: 300 }),
  });
  fc.assert(
    fc.property(arb, ({ n, first, pathKey, sessionKey, byScid, body }) => {
      const idx = Array.from({ length: n }, (_, i) => first + i);
      const { path } = createBlindedPath(
        c,
        pathKey,
        idx.map((j, i) => ({
          nodeId: NODE_IDS[j]!,
          data: i === n - 1 ? { pathId: Uint8Array.of(j) } : byScid[i] ? { shortChannelId: BigInt(j + 1) } : { nextNodeId: NODE_IDS[j + 1]! },
        })),
      );
      let m = buildOnionMessage(c, { sessionKey, path, content: { invoiceRequest: body } }).message;
      for (let i = 0; i < n; i++) {
        const r = peelOnionMessage(c, NODE_KEYS[idx[i]!]!, m);
        if (i < n - 1) {
          assert.equal(r.kind, 'forward');
          if (r.kind !== 'forward') return;
          assert.deepEqual(r.next, byScid[i] ? { kind: 'scid', shortChannelId: BigInt(idx[i]! + 1) } : { kind: 'node', nodeId: NODE_IDS[idx[i]! + 1] });
          m = r.message;
        } else {
          assert.equal(r.kind, 'receive');
          if (r.kind !== 'receive') return;
          assert.deepEqual(r.payload.invoiceRequest, body);
          assert.deepEqual(r.data.pathId, Uint8Array.of(idx[i]!));
        }
      }
    }),
    { seed: SEED, numRuns: 25 },
  );
});
