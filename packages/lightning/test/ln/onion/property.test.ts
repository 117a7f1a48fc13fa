import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { nobleBackend as c } from '../../../src/crypto/noble.js';
import {
  constructOnionPacket,
  hopShiftSize,
  INVALID_ONION_HMAC,
  INVALID_ONION_KEY,
  INVALID_ONION_VERSION,
  peelOnionPacket,
} from '../../../src/ln/onion/index.js';
import { largestFitting, NODE_IDS, NODE_KEYS, routeArb, SEED, secretArb } from './arbitraries.js';

test('property: random routes of 1..27 hops round-trip; every hop gets its payload, the last one is final', () => {
  fc.assert(
    fc.property(routeArb, ({ nodes, sessionKey, ad, hops }) => {
      const built = constructOnionPacket(c, { sessionKey, hops, associatedData: ad });
      let onion = built.onion;
      for (let i = 0; i < hops.length; i++) {
        const r = peelOnionPacket(c, onion, NODE_KEYS[nodes[i]!]!, ad);
        assert.equal(r.kind, i === hops.length - 1 ? 'final' : 'forward', `hop ${i} of ${hops.length}`);
        if (r.kind !== 'forward' && r.kind !== 'final') return;
        assert.deepEqual(r.payload, hops[i]!.payload);
        assert.deepEqual(r.sharedSecret, built.sharedSecrets[i]);
        if (r.kind === 'forward') {
          assert.equal(r.nextPacket.length, onion.length);
          onion = r.nextPacket;
        }
      }
    }),
    { seed: SEED, numRuns: 25 },
  );
});

test('property: any hop_payloads size (onion messages) round-trips, empty payloads included', () => {
  const arb = fc
    .record({ L: fc.integer({ min: 40, max: 6000 }), n: fc.integer({ min: 1, max: 8 }), sessionKey: secretArb, seed: fc.nat() })
    .map(({ L, n, sessionKey, seed }) => {
      // Split what fits among n hops; each entry needs at least 33 bytes (length byte + HMAC).
      const hops: { pubkey: Uint8Array; payload: Uint8Array }[] = [];
      let budget = L;
      for (let i = 0; i < n && budget >= 33; i++) {
        const cap = largestFitting(budget - (n - 1 - i) * 33);
        const len = cap < 0 ? 0 : (seed * (i + 7)) % (cap + 1);
        hops.push({ pubkey: NODE_IDS[i]!, payload: new Uint8Array(len).fill(i + 1) });
        budget -= hopShiftSize(len);
      }
      return { L, sessionKey, hops };
    })
    .filter(({ hops }) => hops.length > 0);
  fc.assert(
    fc.property(arb, ({ L, sessionKey, hops }) => {
      const built = constructOnionPacket(c, { sessionKey, hops, associatedData: new Uint8Array(0), hopPayloadsLen: L });
      assert.equal(built.onion.length, L + 66);
      let onion = built.onion;
      for (let i = 0; i < hops.length; i++) {
        const r = peelOnionPacket(c, onion, NODE_KEYS[i]!, new Uint8Array(0), { minPayloadLength: 0 });
        assert.equal(r.kind, i === hops.length - 1 ? 'final' : 'forward');
        if (r.kind !== 'forward' && r.kind !== 'final') return;
        assert.deepEqual(r.payload, hops[i]!.payload);
        if (r.kind === 'forward') onion = r.nextPacket;
      }
    }),
    { seed: SEED, numRuns: 30 },
  );
});

test('property: any flipped bit (packet or associated data) is caught at the hop it reaches', () => {
  const arb = routeArb.chain((route) =>
    fc.record({
      route: fc.constant(route),
      at: fc.integer({ min: 0, max: route.hops.length - 1 }),
      bit: fc.integer({ min: 0, max: (1366 + 32) * 8 - 1 }),
    }),
  );
  fc.assert(
    fc.property(arb, ({ route, at, bit }) => {
      const { nodes, sessionKey, ad, hops } = route;
      let onion = constructOnionPacket(c, { sessionKey, hops, associatedData: ad }).onion;
      for (let i = 0; i < at; i++) {
        const r = peelOnionPacket(c, onion, NODE_KEYS[nodes[i]!]!, ad);
        assert.equal(r.kind, 'forward');
        if (r.kind === 'forward') onion = r.nextPacket;
      }
      const flipped = onion.slice();
      const adHere = ad.slice();
      const byte = bit >> 3;
      if (byte < flipped.length) flipped[byte]! ^= 1 << (bit & 7);
      else adHere[byte - flipped.length]! ^= 1 << (bit & 7);
      const r = peelOnionPacket(c, flipped, NODE_KEYS[nodes[at]!]!, adHere);
      assert.equal(r.kind, 'malformed', `bit ${bit} at hop ${at}`);
      if (r.kind !== 'malformed') return;
      const expected = byte === 0 ? [INVALID_ONION_VERSION] : byte < 34 ? [INVALID_ONION_KEY, INVALID_ONION_HMAC] : [INVALID_ONION_HMAC];
      assert.ok(expected.includes(r.failureCode), `code ${r.failureCode.toString(16)} for byte ${byte}`);
      assert.deepEqual(r.sha256OfOnion, c.sha256(flipped));
    }),
    { seed: SEED, numRuns: 30 },
  );
});

