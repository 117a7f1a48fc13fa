/** Shared fast-check arbitraries and fixed node keys for the onion property tests. */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { nobleBackend as c } from '../../../src/crypto/noble.js';
import { hopShiftSize, PAYMENT_HOP_PAYLOADS_LEN } from '../../../src/ln/onion/index.js';

/** fast-check seed: FC_SEED or the project default. */
export const SEED = Number(process.env.FC_SEED ?? 20261124);
/** Route length bound: the most a 1300-byte onion holds with the smallest TLV payloads (BOLT 4 origin rules). */
export const MAX_HOPS = 27;

/** A fixed pool of node keys: the properties vary routes and payloads, not key generation. */
export const NODE_KEYS = Array.from({ length: MAX_HOPS }, (_, i) => {
  const k = new Uint8Array(32);
  k[0] = 1;
  k[31] = i + 1;
  return k;
});
/** The node ids of {@link NODE_KEYS}. */
export const NODE_IDS = NODE_KEYS.map((k) => c.publicKey(k));

/** A valid secp256k1 secret key. */
export const secretArb = fc.uint8Array({ minLength: 32, maxLength: 32 }).filter((k) => c.isValidSecretKey(k));

/** The longest payload whose entry (length prefix + payload + HMAC) fits in `max` bytes. */
export function largestFitting(max: number): number {
  return max - 35 >= 253 ? max - 35 : Math.min(252, max - 33);
}

/** Caps drawn payload sizes so the route fits `L`, leaving each later hop room for a 2-byte payload. */
export function fitSizes(draws: readonly number[], fillLast: boolean, L = PAYMENT_HOP_PAYLOADS_LEN): number[] {
  const n = draws.length;
  const out: number[] = [];
  let budget = L;
  for (let i = 0; i < n; i++) {
    const max = budget - (n - 1 - i) * hopShiftSize(2);
    const cap = largestFitting(max);
    // The entry size only grows with the payload length, so anything up to `cap` fits.
    const len = Math.max(2, fillLast && i === n - 1 ? cap : Math.min(draws[i]!, cap));
    out.push(len);
    budget -= hopShiftSize(len);
  }
  assert.ok(budget >= 0, 'sizes fit');
  return out;
}

/** A route of 1..27 hops over the key pool with payload sizes that fit 1300 bytes. */
export const routeArb = fc
  .integer({ min: 1, max: MAX_HOPS })
  .chain((n) =>
    fc.record({
      nodes: fc.shuffledSubarray(
        NODE_KEYS.map((_, i) => i),
        { minLength: n, maxLength: n },
      ),
      draws: fc.array(fc.integer({ min: 2, max: 1300 }), { minLength: n, maxLength: n }),
      fillLast: fc.boolean(),
      sessionKey: secretArb,
      fill: fc.uint8Array({ minLength: 1300, maxLength: 1300 }),
      ad: fc.uint8Array({ minLength: 32, maxLength: 32 }),
    }),
  )
  .map(({ nodes, draws, fillLast, sessionKey, fill, ad }) => {
    const sizes = fitSizes(draws, fillLast);
    return {
      nodes,
      sessionKey,
      ad,
      hops: nodes.map((node, i) => ({ pubkey: NODE_IDS[node]!, payload: fill.slice(i * 7, i * 7 + sizes[i]!) })),
    };
  });

