// Paying into blinded paths (BOLT 4 §"Route Blinding", BOLT 12 pay info): the router treats each
// path as one channel from its introduction node, returns a path with a blinded tail, and the
// onion built from it is peeled by every hop — unblinded forward, introduction node, recipient —
// to exactly the amounts and expiries the route promised.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { nobleBackend as c } from '../../src/crypto/noble.js';
import { Features } from '../../src/ln/features.js';
import { createBlindedPath } from '../../src/ln/onion/blinded_path.js';
import { decodeIncomingHtlcOnion } from '../../src/ln/onion/inbound.js';
import { buildPaymentOnion } from '../../src/ln/onion/outbound.js';
import {
  type BlindedPaymentPath,
  computeFeeMsat,
  getRoute,
  NetworkGraph,
  pathFeeMsat,
  pathFinalValueMsat,
  paymentParametersFromNodeId,
  type Route,
  RouteNotFound,
  type RouteParameters,
} from '../../src/routing/index.js';
import { compareBytes } from '../../src/util/bytes.js';
import { chan, MemLogger, N, US } from './helpers.js';

/** The secret behind `nodeKey(n)` in helpers.ts. */
function secretOf(n: number): Uint8Array {
  const s = new Uint8Array(32);
  s[31] = n;
  s[0] = 0x11;
  return s;
}
const N0 = 10;
const N1 = 11;
const R = 12; // the recipient, hidden behind the blinded path
const RELAY = { cltvExpiryDelta: 40, feeProportionalMillionths: 100, feeBaseMsat: 1000 };
const MPP = Features.of('invoice', { var_onion_optin: 'required', payment_secret: 'required', basic_mpp: 'optional' });

/** A blinded path N1 (introduction) → R, and its pay info (one relay hop: the relay's fee, its delta + R's 18). */
function blindedPath(max = 10_000_000_000n): BlindedPaymentPath {
  const { path } = createBlindedPath(c, c.sha256(Uint8Array.of(42)), [
    { nodeId: N[1]!, data: { shortChannelId: 777n, paymentRelay: RELAY, paymentConstraints: { maxCltvExpiry: 1_000_000, htlcMinimumMsat: 1n } } },
    { nodeId: c.publicKey(secretOf(R)), data: { pathId: new Uint8Array(32).fill(5) } },
  ]);
  return { path, payInfo: { feeBaseMsat: 1000, feeProportionalMillionths: 100, cltvExpiryDelta: 58, htlcMinimumMsat: 1n, htlcMaximumMsat: max } };
}

function graph(): NetworkGraph {
  const g = new NetworkGraph(new Uint8Array(32));
  const [a, b] = compareBytes(N[0]!, N[1]!) < 0 ? [N[0]!, N[1]!] : [N[1]!, N[0]!];
  g.addChannel({ shortChannelId: 5n, node1: a, node2: b, features: new Uint8Array(0), capacitySat: undefined });
  for (const d of [0, 1] as const) {
    g.updateChannel(5n, d, {
      enabled: true,
      cltvExpiryDelta: 30,
      htlcMinimumMsat: 1n,
      htlcMaximumMsat: 5_000_000_000n,
      feeBaseMsat: 200,
      feeProportionalMillionths: 300,
      lastUpdate: 1,
    });
  }
  return g;
}

function params(value: bigint, paths: BlindedPaymentPath[], features?: Features): RouteParameters {
  // The payee id is not used with blinded paths; any key will do.
  return { paymentParams: paymentParametersFromNodeId(N[5]!, 18, { blindedPaths: paths, ...(features ? { features } : {}) }), finalValueMsat: value };
}

function route(p: RouteParameters): Route {
  const r = getRoute(US, p, graph(), [chan(N[0]!, 5_000_000_000n, { shortChannelId: 3n })], new MemLogger());
  if (r instanceof RouteNotFound) assert.fail(`${r.reason}: ${r.message}`);
  return r;
}

describe('getRoute into blinded paths', () => {
  test('the path ends at the introduction node with a blinded tail; fees and deltas as each hop checks them', () => {
    const value = 1_000_000n;
    const r = route(params(value, [blindedPath()]));
    assert.equal(r.paths.length, 1);
    const p = r.paths[0]!;
    assert.deepEqual(
      p.hops.map((h) => h.shortChannelId),
      [3n, 5n],
    );
    assert.equal(compareBytes(p.hops[1]!.pubkey, N[1]!), 0, 'the last unblinded hop is the introduction node');
    const blindedFee = computeFeeMsat(value, { feeBaseMsat: 1000, feeProportionalMillionths: 100 });
    assert.equal(p.hops[1]!.feeMsat, blindedFee, 'the introduction hop carries the blinded part’s fee');
    assert.equal(p.hops[1]!.cltvExpiryDelta, 58, 'and its CLTV delta (which includes the recipient’s)');
    assert.equal(p.hops[0]!.feeMsat, computeFeeMsat(value + blindedFee, { feeBaseMsat: 200, feeProportionalMillionths: 300 }));
    assert.equal(p.hops[0]!.cltvExpiryDelta, 30);
    assert.ok(p.blindedTail);
    assert.equal(p.blindedTail.hops.length, 2);
    assert.equal(pathFinalValueMsat(p), value);
    assert.equal(pathFeeMsat(p), p.hops[0]!.feeMsat + blindedFee);
  });

  test('the onion is peeled by N0, then by the introduction node, then by the hidden recipient, to the promised amounts', () => {
    const value = 1_000_000n;
    const p = route(params(value, [blindedPath()])).paths[0]!;
    const height = 800_000;
    const paymentHash = c.sha256(Uint8Array.of(1));
    const built = buildPaymentOnion(c, {
      sessionKey: c.sha256(Uint8Array.of(2)),
      paymentHash,
      path: p.hops,
      recipient: {},
      startingHeight: height,
      blindedTail: p.blindedTail!,
    });
    assert.equal(built.firstHopAmountMsat, value + pathFeeMsat(p));
    assert.equal(built.firstHopCltvExpiry, height + 30 + 58);
    // N0: an ordinary forward to the introduction node over channel 5.
    const at0 = decodeIncomingHtlcOnion(c, secretOf(N0), { onion: built.onion, paymentHash, amountMsat: built.firstHopAmountMsat, cltvExpiry: built.firstHopCltvExpiry });
    assert.ok(at0.kind === 'forward' && !at0.blinded);
    assert.equal(at0.hop.shortChannelId, 5n);
    assert.equal(at0.hop.amtToForward, value + p.hops[1]!.feeMsat);
    assert.equal(at0.hop.outgoingCltvValue, height + 58);
    // N1, the introduction node: finds its path key in the payload and forwards blinded.
    const at1 = decodeIncomingHtlcOnion(c, secretOf(N1), { onion: at0.nextPacket, paymentHash, amountMsat: at0.hop.amtToForward, cltvExpiry: at0.hop.outgoingCltvValue });
    assert.ok(at1.kind === 'forward' && at1.blinded && at1.introductionNode);
    assert.equal(at1.hop.shortChannelId, 777n);
    assert.equal(at1.hop.amtToForward, value, 'the relay’s fee leaves exactly the value');
    assert.equal(at1.hop.outgoingCltvValue, height + 18);
    // R: the blinded recipient, reached with the next path key.
    const atR = decodeIncomingHtlcOnion(c, secretOf(R), {
      onion: at1.nextPacket,
      paymentHash,
      amountMsat: at1.hop.amtToForward,
      cltvExpiry: at1.hop.outgoingCltvValue,
      pathKey: at1.hop.nextPathKey,
    });
    assert.ok(atR.kind === 'receive' && atR.blinded);
    assert.equal(atR.hop.amtToForward, value);
    assert.equal(atR.hop.totalAmountMsat, value);
    assert.deepEqual(atR.hop.pathId, new Uint8Array(32).fill(5));
  });

  test('the cheaper of two blinded paths wins; pay info limits apply; MPP splits over paths the payee allows', () => {
    const dear = blindedPath();
    const cheapish: BlindedPaymentPath = { ...blindedPath(), payInfo: { ...blindedPath().payInfo, feeBaseMsat: 10 } };
    const r = route(params(100_000n, [dear, cheapish]));
    assert.equal(r.paths[0]!.hops[1]!.feeMsat, computeFeeMsat(100_000n, { feeBaseMsat: 10, feeProportionalMillionths: 100 }));
    const small = blindedPath(60_000n);
    const none = getRoute(US, params(100_000n, [small]), graph(), [chan(N[0]!, 5_000_000_000n, { shortChannelId: 3n })], new MemLogger());
    assert.ok(none instanceof RouteNotFound && none.reason === 'insufficient-liquidity');
    const split = route(params(100_000n, [small, blindedPath(60_000n)], MPP));
    assert.equal(split.paths.length, 2);
    assert.equal(
      split.paths.reduce((s, p) => s + pathFinalValueMsat(p), 0n),
      100_000n,
    );
    assert.ok(split.paths.every((p) => p.blindedTail && pathFinalValueMsat(p) <= 60_000n));
  });

  test('a path whose introduction node is given by channel, or is us, is skipped', () => {
    const byScid: BlindedPaymentPath = { ...blindedPath(), path: { ...blindedPath().path, firstNodeId: { kind: 'scid', shortChannelId: 5n, direction: 0 } } };
    const r = getRoute(US, params(1000n, [byScid]), graph(), [chan(N[0]!, 5_000_000_000n)], new MemLogger());
    assert.ok(r instanceof RouteNotFound && r.reason === 'no-path');
  });
});
