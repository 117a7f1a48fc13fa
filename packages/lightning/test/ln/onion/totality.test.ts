/**
 * ARCHITECTURE principle 3 (bad input is an error, never a crash), after LDK's fuzz targets:
 * every onion entry point fed arbitrary bytes returns a result and never throws.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { nobleBackend as c } from '../../../src/crypto/noble.js';
import {
  blindedPathCoder,
  decodeAttributableFailure,
  decodeFailureMessage,
  decodeFailurePacket,
  decodeHopPayload,
  decodeIncomingHtlcOnion,
  decodeOnionMessagePayload,
  decryptRecipientData,
  encodeFailureMessage,
  peelOnionMessage,
  peelOnionPacket,
} from '../../../src/ln/onion/index.js';
import { DecodeError } from '../../../src/util/errors.js';
import { decode, encode } from '../../../src/util/ser/codec.js';
import { NODE_IDS, NODE_KEYS, SEED } from './arbitraries.js';

const bytes = (max: number) => fc.uint8Array({ maxLength: max });
// A packet that often reaches the HMAC check: version 0 and a valid key, random payloads.
const packetArb = fc.oneof(
  bytes(1500),
  fc.tuple(fc.constantFrom(...NODE_IDS), fc.uint8Array({ minLength: 1332, maxLength: 1332 })).map(([k, rest]) => {
    const p = new Uint8Array(1366);
    p.set(k, 1);
    p.set(rest, 34);
    return p;
  }),
);

test('decoders of payloads, failures and blinded paths are total and canonical', () => {
  fc.assert(
    fc.property(bytes(600), (b) => {
      for (const d of [decodeHopPayload, decodeOnionMessagePayload]) {
        const v = d(b);
        assert.ok(v instanceof DecodeError || typeof v === 'object');
      }
      const f = decodeFailureMessage(b);
      if (!(f instanceof DecodeError)) assert.deepEqual(encodeFailureMessage(f), b, 'failure messages re-encode byte for byte');
      const p = decode(blindedPathCoder, b);
      if (!(p instanceof DecodeError)) assert.deepEqual(encode(blindedPathCoder, p), b);
    }),
    { seed: SEED, numRuns: 500 },
  );
});

test('peeling, HTLC onion decoding and onion message peeling never throw on arbitrary packets and keys', () => {
  fc.assert(
    fc.property(packetArb, bytes(40), fc.constantFrom(...NODE_KEYS), (onion, key, node) => {
      const r = peelOnionPacket(c, onion, node, new Uint8Array(32));
      assert.ok(['malformed', 'bad-payload', 'forward', 'final'].includes(r.kind));
      const pathKey = key.length === 33 ? key : undefined;
      const h = decodeIncomingHtlcOnion(c, node, { onion, paymentHash: new Uint8Array(32), amountMsat: 1n, cltvExpiry: 1, ...(pathKey ? { pathKey } : {}) });
      assert.ok(['malformed', 'fail', 'forward', 'receive'].includes(h.kind));
      const m = peelOnionMessage(c, node, { pathKey: key.length === 33 ? key : NODE_IDS[0]!, onionMessagePacket: onion });
      assert.equal(m.kind, 'ignore');
      const d = decryptRecipientData(c, node, key.length === 33 ? key : NODE_IDS[1]!, onion.subarray(0, 80));
      assert.ok(d instanceof DecodeError);
    }),
    { seed: SEED, numRuns: 60 },
  );
});

test('returned errors: arbitrary reasons and attribution data are attributed to nobody, without throwing', () => {
  const secrets = NODE_KEYS.slice(0, 5).map((k) => c.sha256(k));
  fc.assert(
    fc.property(bytes(1100), bytes(1000), (reason, attribution) => {
      assert.equal(decodeFailurePacket(c, secrets, reason), null);
      const a = decodeAttributableFailure(c, secrets, { packet: reason, attributionData: attribution });
      assert.equal(a.failure, null);
      assert.equal(a.attribution.failedAt, 0);
    }),
    { seed: SEED, numRuns: 100 },
  );
});
