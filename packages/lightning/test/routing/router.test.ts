import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { nobleBackend } from '../../src/crypto/noble.js';
import { Features } from '../../src/ln/features.js';
import { buildRoutePayloads } from '../../src/ln/onion/outbound.js';
import {
  computeFeeMsat,
  type FirstHopChannel,
  getRoute,
  type PaymentParameters,
  pathFeeMsat,
  pathFinalValueMsat,
  pathFirstHopAmountMsat,
  pathTotalCltvExpiryDelta,
  paymentParametersFromNodeId,
  type Route,
  type RouteHint,
  RouteNotFound,
  type RouteParameters,
  routeParametersFromPaymentParamsAndValue,
  routeTotalAmountMsat,
  routeTotalFeesMsat,
} from '../../src/routing/index.js';
import { LightningError } from '../../src/util/errors.js';
import { chan, hex, hop, MemLogger, N, nodeKey, PAYEE, US } from './helpers.js';

const MPP = Features.of('invoice', { var_onion_optin: 'required', payment_secret: 'required', basic_mpp: 'optional' });
const NO_MPP = Features.of('invoice', { var_onion_optin: 'required', payment_secret: 'required' });

function params(value: bigint, over: Partial<PaymentParameters> = {}, fee?: bigint): RouteParameters {
  const pp = paymentParametersFromNodeId(PAYEE, 18, over);
  return fee === undefined ? { paymentParams: pp, finalValueMsat: value } : { paymentParams: pp, finalValueMsat: value, maxTotalRoutingFeeMsat: fee };
}

function route(p: RouteParameters, firstHops: FirstHopChannel[], payer = US): Route {
  const r = getRoute(payer, p, null, firstHops, new MemLogger(), undefined, { crypto: nobleBackend });
  if (r instanceof RouteNotFound) assert.fail(`expected a route, got ${r.reason}: ${r.message}`);
  return r;
}

function noRoute(p: RouteParameters, firstHops: FirstHopChannel[], payer = US): RouteNotFound {
  const r = getRoute(payer, p, null, firstHops, new MemLogger(), undefined, { crypto: nobleBackend });
  assert.ok(r instanceof RouteNotFound, 'expected no route');
  assert.ok(r instanceof LightningError);
  assert.equal(r.action.kind, 'ignore');
  return r;
}

/** Hops as plain tuples: [node hex, scid, feeMsat, cltvExpiryDelta]. */
function shape(r: Route): Array<Array<[string, bigint, bigint, number]>> {
  return r.paths.map((p) => p.hops.map((h) => [hex(h.pubkey), h.shortChannelId, h.feeMsat, h.cltvExpiryDelta]));
}

describe('getRoute: single path', () => {
  test('directly over a first hop to the payee: the hop carries the amount and the final delta', () => {
    const c = chan(PAYEE, 5_000_000n);
    const r = route(params(1_000_000n), [c]);
    assert.deepEqual(shape(r), [[[hex(PAYEE), c.shortChannelId!, 1_000_000n, 18]]]);
    assert.equal(routeTotalFeesMsat(r), 0n);
    assert.equal(routeTotalAmountMsat(r), 1_000_000n);
    assert.equal(r.routeParams?.finalValueMsat, 1_000_000n);
  });

  test('a channel without a real short channel id is named by the peer’s scid alias; the real id wins once known', () => {
    const aliasOnly = chan(PAYEE, 5_000_000n, { shortChannelId: undefined, outboundScidAlias: 0xabcdefn });
    assert.equal(route(params(1000n), [aliasOnly]).paths[0]!.hops[0]!.shortChannelId, 0xabcdefn);
    const both = chan(PAYEE, 5_000_000n, { outboundScidAlias: 0xabcdefn });
    assert.equal(route(params(1000n), [both]).paths[0]!.hops[0]!.shortChannelId, both.shortChannelId);
  });

  test('via one route hint: the hint node’s fee is BOLT 7’s formula on what it forwards', () => {
    const c = chan(N[0]!, 10_000_000n);
    // fee = 1000 + 1_000_000 * 100 / 1_000_000 = 1100
    const hints: RouteHint[] = [[hop(N[0]!, 42n, 1000, 100, 40)]];
    const r = route(params(1_000_000n, { routeHints: hints }), [c]);
    assert.deepEqual(shape(r), [
      [
        [hex(N[0]!), c.shortChannelId!, 1100n, 40],
        [hex(PAYEE), 42n, 1_000_000n, 18],
      ],
    ]);
    const p = r.paths[0]!;
    assert.equal(pathFeeMsat(p), 1100n);
    assert.equal(pathFinalValueMsat(p), 1_000_000n);
    assert.equal(pathFirstHopAmountMsat(p), 1_001_100n);
    assert.equal(pathTotalCltvExpiryDelta(p), 58);
  });

  test('via a multi-hop hint: fees computed backwards from the recipient, rounding down', () => {
    const c = chan(N[1]!, 10_000_000n);
    const hints: RouteHint[] = [[hop(N[1]!, 10n, 1, 1000, 10), hop(N[2]!, 20n, 2, 2500, 20)]];
    const r = route(params(999_999n, { routeHints: hints }), [c]);
    // N2 forwards 999_999 over 20: 2 + floor(999_999 * 2500 / 1e6) = 2 + floor(2499.9975) = 2501.
    // N1 forwards 999_999 + 2501 = 1_002_500 over 10: 1 + floor(1_002_500 * 1000 / 1e6) = 1 + 1002 = 1003.
    assert.deepEqual(shape(r), [
      [
        [hex(N[1]!), c.shortChannelId!, 1003n, 10],
        [hex(N[2]!), 10n, 2501n, 20],
        [hex(PAYEE), 20n, 999_999n, 18],
      ],
    ]);
    assert.equal(pathFirstHopAmountMsat(r.paths[0]!), 1_003_503n);
    assert.equal(pathTotalCltvExpiryDelta(r.paths[0]!), 48);
  });

  test('fee rounding: proportional part floors; zero-fee and base-only hints', () => {
    assert.equal(computeFeeMsat(999n, { feeBaseMsat: 0, feeProportionalMillionths: 1000 }), 0n); // 0.999 → 0
    assert.equal(computeFeeMsat(1000n, { feeBaseMsat: 0, feeProportionalMillionths: 1000 }), 1n);
    assert.equal(computeFeeMsat(1999n, { feeBaseMsat: 7, feeProportionalMillionths: 1000 }), 8n); // 7 + 1.999 → 8
    assert.equal(computeFeeMsat(2n ** 63n, { feeBaseMsat: 0xffffffff, feeProportionalMillionths: 0xffffffff }) > 0n, true);
    const c = chan(N[0]!, 10_000_000n);
    const r = route(params(1999n, { routeHints: [[hop(N[0]!, 5n, 7, 1000, 6)]] }), [c]);
    assert.equal(r.paths[0]!.hops[0]!.feeMsat, 8n);
  });

  test('the cheapest of several hints wins; a direct channel beats any hint', () => {
    const a = chan(N[0]!, 10_000_000n);
    const b = chan(N[1]!, 10_000_000n);
    const hints: RouteHint[] = [[hop(N[0]!, 1n, 500, 0, 10)], [hop(N[1]!, 2n, 100, 100, 80)]];
    // via N0: 500; via N1: 100 + 100 = 200 → N1 (CLTV does not matter when fees differ).
    const r = route(params(1_000_000n, { routeHints: hints }), [a, b]);
    assert.equal(hex(r.paths[0]!.hops[0]!.pubkey), hex(N[1]!));
    assert.equal(routeTotalFeesMsat(r), 200n);
    const direct = chan(PAYEE, 10_000_000n);
    const r2 = route(params(1_000_000n, { routeHints: hints }), [a, b, direct]);
    assert.deepEqual(shape(r2), [[[hex(PAYEE), direct.shortChannelId!, 1_000_000n, 18]]]);
  });

  test('the output is deterministic: the order of first hops and of equal-cost hints does not change it', () => {
    const a = chan(N[0]!, 10_000_000n);
    const b = chan(N[1]!, 10_000_000n);
    const h1 = [hop(N[0]!, 7n, 100, 0, 10)];
    const h2 = [hop(N[1]!, 3n, 100, 0, 10)];
    const r1 = route(params(5000n, { routeHints: [h1, h2] }), [a, b]);
    const r2 = route(params(5000n, { routeHints: [h2, h1] }), [b, a]);
    assert.deepEqual(shape(r1), shape(r2));
    // Equal fees, CLTV and length: broken by the short channel ids in path order (first hop first).
    assert.equal(r1.paths[0]!.hops[0]!.shortChannelId, a.shortChannelId);
    assert.equal(r1.paths[0]!.hops[1]!.shortChannelId, 7n);
  });

  test('the route feeds the onion builder unchanged: first HTLC amount and expiry agree', () => {
    const c = chan(N[1]!, 10_000_000n);
    const hints: RouteHint[] = [[hop(N[1]!, 10n, 1, 1000, 10), hop(N[2]!, 20n, 2, 2500, 20)]];
    const r = route(params(999_999n, { routeHints: hints }), [c]);
    const p = r.paths[0]!;
    const built = buildRoutePayloads(p.hops, { paymentSecret: new Uint8Array(32).fill(7) }, 800_000);
    assert.equal(built.firstHopAmountMsat, pathFirstHopAmountMsat(p));
    assert.equal(built.firstHopCltvExpiry, 800_000 + pathTotalCltvExpiryDelta(p));
  });
});

describe('getRoute: hint edge cases', () => {
  test('a hint hop that is one of our channels is dropped with the hops before it', () => {
    const ours = chan(N[0]!, 10_000_000n);
    const hints: RouteHint[] = [[hop(US, ours.shortChannelId!, 9999, 9999, 99), hop(N[0]!, 42n, 10, 0, 30)]];
    const r = route(params(1000n, { routeHints: hints }), [ours]);
    assert.deepEqual(shape(r), [
      [
        [hex(N[0]!), ours.shortChannelId!, 10n, 30],
        [hex(PAYEE), 42n, 1000n, 18],
      ],
    ]);
  });

  test('hint HTLC limits: below htlc_minimum or above htlc_maximum the hint is not used', () => {
    const c = chan(N[0]!, 10_000_000n);
    const withMin = [[hop(N[0]!, 42n, 0, 0, 10, { htlcMinimumMsat: 5000n })]];
    assert.equal(noRoute(params(4999n, { routeHints: withMin }), [c]).reason, 'no-path');
    assert.equal(route(params(5000n, { routeHints: withMin }), [c]).paths.length, 1);
    const withMax = [[hop(N[0]!, 42n, 0, 0, 10, { htlcMaximumMsat: 5000n })]];
    assert.equal(noRoute(params(5001n, { routeHints: withMax }), [c]).reason, 'insufficient-liquidity');
    assert.equal(route(params(5000n, { routeHints: withMax }), [c]).paths.length, 1);
  });

  test('previously failed channels are avoided', () => {
    const a = chan(N[0]!, 10_000_000n);
    const b = chan(N[1]!, 10_000_000n);
    const hints: RouteHint[] = [[hop(N[0]!, 1n, 0, 0, 10)], [hop(N[1]!, 2n, 50, 0, 10)]];
    assert.equal(route(params(1000n, { routeHints: hints }), [a, b]).paths[0]!.hops[1]!.shortChannelId, 1n);
    const r = route(params(1000n, { routeHints: hints, previouslyFailedChannels: [1n] }), [a, b]);
    assert.equal(r.paths[0]!.hops[1]!.shortChannelId, 2n);
    assert.equal(noRoute(params(1000n, { routeHints: hints, previouslyFailedChannels: [1n, 2n] }), [a, b]).reason, 'no-path');
  });
});

describe('getRoute: limits', () => {
  test('CLTV: the total is the sum of hop deltas plus the final delta; the max total is inclusive', () => {
    const c = chan(N[0]!, 10_000_000n);
    const hints: RouteHint[] = [[hop(N[0]!, 42n, 0, 0, 40)]];
    assert.equal(pathTotalCltvExpiryDelta(route(params(1000n, { routeHints: hints, maxTotalCltvExpiryDelta: 58 }), [c]).paths[0]!), 58);
    const e = noRoute(params(1000n, { routeHints: hints, maxTotalCltvExpiryDelta: 57 }), [c]);
    assert.equal(e.reason, 'no-path');
    assert.match(e.message, /cltv/);
  });

  test('CLTV: a cheaper path over the limit loses to a dearer one within it', () => {
    const a = chan(N[0]!, 10_000_000n);
    const b = chan(N[1]!, 10_000_000n);
    const hints: RouteHint[] = [[hop(N[0]!, 1n, 0, 0, 500)], [hop(N[1]!, 2n, 1000, 0, 40)]];
    assert.equal(route(params(1000n, { routeHints: hints }), [a, b]).paths[0]!.hops[1]!.shortChannelId, 1n);
    const r = route(params(1000n, { routeHints: hints, maxTotalCltvExpiryDelta: 100 }), [a, b]);
    assert.equal(r.paths[0]!.hops[1]!.shortChannelId, 2n);
  });

  test('the default max total CLTV is 1008 and max path count 10 (LDK defaults)', () => {
    const pp = paymentParametersFromNodeId(PAYEE, 18);
    assert.equal(pp.maxTotalCltvExpiryDelta, 1008);
    assert.equal(pp.maxPathCount, 10);
    assert.equal(pp.maxPathLength, 19);
    assert.equal(routeParametersFromPaymentParamsAndValue(pp, 1_000_000n).maxTotalRoutingFeeMsat, 60_000n);
  });

  test('first hop limit: the first HTLC (amount plus every fee) must fit nextOutboundHtlcLimitMsat', () => {
    const hints: RouteHint[] = [[hop(N[0]!, 42n, 1000, 100, 40)]];
    // needs 1_001_100
    assert.equal(route(params(1_000_000n, { routeHints: hints }), [chan(N[0]!, 1_001_100n)]).paths.length, 1);
    const e = noRoute(params(1_000_000n, { routeHints: hints }), [chan(N[0]!, 1_001_099n)]);
    assert.equal(e.reason, 'insufficient-liquidity');
    assert.match(e.message, /basic_mpp/);
  });

  test('fee limit: a route whose fees exceed maxTotalRoutingFeeMsat is refused; a dearer path is not taken over it', () => {
    const c = chan(N[0]!, 10_000_000n);
    const hints: RouteHint[] = [[hop(N[0]!, 42n, 1000, 100, 40)]];
    assert.equal(routeTotalFeesMsat(route(params(1_000_000n, { routeHints: hints }, 1100n), [c])), 1100n);
    assert.equal(noRoute(params(1_000_000n, { routeHints: hints }, 1099n), [c]).reason, 'fee-limit');
  });

  test('a path longer than maxPathLength is not used', () => {
    const c = chan(N[0]!, 10_000_000n);
    const hints: RouteHint[] = [[hop(N[0]!, 1n, 0, 0, 1), hop(N[1]!, 2n, 0, 0, 1), hop(N[2]!, 3n, 0, 0, 1)]];
    assert.equal(route(params(1000n, { routeHints: hints, maxPathLength: 4 }), [c]).paths[0]!.hops.length, 4);
    assert.equal(noRoute(params(1000n, { routeHints: hints, maxPathLength: 3 }), [c]).reason, 'no-path');
  });
});

describe('getRoute: multi-part (basic_mpp)', () => {
  test('split across first hops when none can carry it, parts summing exactly to the amount', () => {
    const a = chan(PAYEE, 400_000n);
    const b = chan(PAYEE, 300_000n);
    const c = chan(PAYEE, 500_000n);
    const r = route(params(1_000_000n, { features: MPP }), [a, b, c]);
    // widest first (500k), widest again (400k), then the channel that can carry the rest (100k).
    assert.deepEqual(
      r.paths.map((p) => [p.hops[0]!.shortChannelId, pathFinalValueMsat(p)]),
      [
        [c.shortChannelId!, 500_000n],
        [a.shortChannelId!, 400_000n],
        [b.shortChannelId!, 100_000n],
      ],
    );
    assert.equal(routeTotalAmountMsat(r), 1_000_000n);
    for (const p of r.paths) assert.equal(p.hops[0]!.cltvExpiryDelta, 18);
  });

  test('no MPP without basic_mpp in the invoice features, or with maxPathCount 1, or too few paths allowed', () => {
    const hops = [chan(PAYEE, 400_000n), chan(PAYEE, 300_000n), chan(PAYEE, 500_000n)];
    assert.equal(noRoute(params(1_000_000n, { features: NO_MPP }), hops).reason, 'insufficient-liquidity');
    assert.equal(noRoute(params(1_000_000n, {}), hops).reason, 'insufficient-liquidity');
    assert.equal(noRoute(params(1_000_000n, { features: MPP, maxPathCount: 1 }), hops).reason, 'insufficient-liquidity');
    assert.equal(noRoute(params(1_000_000n, { features: MPP, maxPathCount: 2 }), hops).reason, 'insufficient-liquidity');
    assert.equal(route(params(1_000_000n, { features: MPP, maxPathCount: 3 }), hops).paths.length, 3);
    assert.equal(noRoute(params(1_200_001n, { features: MPP }), hops).reason, 'insufficient-liquidity');
    assert.equal(routeTotalAmountMsat(route(params(1_200_000n, { features: MPP }), hops)), 1_200_000n);
  });

  test('split over hints: each part’s first HTLC, fees included, fits its channel', () => {
    const a = chan(N[0]!, 600_000n);
    const b = chan(N[1]!, 600_000n);
    const hints: RouteHint[] = [[hop(N[0]!, 1n, 1000, 1000, 40)], [hop(N[1]!, 2n, 2000, 0, 20)]];
    const r = route(params(1_000_000n, { features: MPP, routeHints: hints }), [a, b]);
    assert.equal(r.paths.length, 2);
    assert.equal(routeTotalAmountMsat(r), 1_000_000n);
    for (const p of r.paths) {
      const first = p.hops[0]!;
      assert.ok(pathFirstHopAmountMsat(p) <= 600_000n);
      const h = first.shortChannelId === a.shortChannelId ? hints[0]![0]! : hints[1]![0]!;
      assert.equal(first.feeMsat, computeFeeMsat(p.hops[1]!.feeMsat, h));
    }
    // Widest first: over N0, v + 1000 + floor(v / 1000) <= 600_000 gives v = 598_402 (fee 1598),
    // wider than over N1 (v + 2000 <= 600_000 gives 598_000); the rest, 401_598, goes over N1.
    assert.deepEqual(
      r.paths.map((p) => [p.hops[1]!.shortChannelId, pathFinalValueMsat(p), p.hops[0]!.feeMsat]),
      [
        [1n, 598_402n, 1598n],
        [2n, 401_598n, 2000n],
      ],
    );
    assert.equal(pathFirstHopAmountMsat(r.paths[0]!), 600_000n);
  });

  test('parallel channels to one peer share the load; liquidity used by one part is not reused', () => {
    const a = chan(N[0]!, 300_000n);
    const b = chan(N[0]!, 300_000n);
    const hints: RouteHint[] = [[hop(N[0]!, 9n, 0, 0, 10, { htlcMaximumMsat: 1_000_000n })]];
    const r = route(params(550_000n, { features: MPP, routeHints: hints }), [a, b]);
    assert.equal(r.paths.length, 2);
    assert.notEqual(r.paths[0]!.hops[0]!.shortChannelId, r.paths[1]!.hops[0]!.shortChannelId);
    // The hint's htlc_maximum caps all parts together.
    const capped = [[hop(N[0]!, 9n, 0, 0, 10, { htlcMaximumMsat: 500_000n })]];
    assert.equal(noRoute(params(550_000n, { features: MPP, routeHints: capped }), [a, b]).reason, 'insufficient-liquidity');
  });
});

describe('getRoute: no route', () => {
  test('typed errors with a reason and a clear message', () => {
    const c = chan(N[0]!, 10_000_000n);
    assert.equal(noRoute(params(1000n), [c]).reason, 'no-path');
    assert.equal(noRoute(params(1000n), [c], PAYEE).reason, 'payee-is-payer');
    assert.equal(noRoute(params(0n), [c]).reason, 'invalid-amount');
    assert.equal(noRoute(params(21_000_000n * 100_000_000n * 1000n + 1n), [c]).reason, 'invalid-amount');
    assert.equal(noRoute(params(1000n, { maxTotalCltvExpiryDelta: 18 }), [c]).reason, 'invalid-parameters');
    assert.equal(noRoute(params(1000n, { maxPathCount: 0 }), [c]).reason, 'invalid-parameters');
    assert.equal(noRoute(params(1000n), []).reason, 'no-first-hops');
    assert.equal(noRoute(params(1000n), [chan(US, 10_000n)]).reason, 'invalid-first-hop');
    const bad = noRoute({ ...params(1000n), paymentParams: { ...params(1000n).paymentParams, payeePubkey: new Uint8Array(33) } }, [c]);
    assert.equal(bad.reason, 'invalid-parameters');
  });

  test('unusable channels and channels with no id at all are ignored', () => {
    const down = chan(PAYEE, 10_000_000n, { isUsable: false });
    const pending = chan(PAYEE, 10_000_000n, { shortChannelId: undefined, outboundScidAlias: undefined });
    assert.equal(noRoute(params(1000n), [down, pending]).reason, 'no-first-hops');
    const ok = chan(N[0]!, 10_000_000n);
    const r = route(params(1000n, { routeHints: [[hop(N[0]!, 42n, 1, 0, 10)]] }), [down, pending, ok]);
    assert.equal(r.paths[0]!.hops[0]!.shortChannelId, ok.shortChannelId);
  });

  test('a hint into a node we have no channel to does not help', () => {
    const c = chan(N[0]!, 10_000_000n);
    assert.equal(noRoute(params(1000n, { routeHints: [[hop(nodeKey(99), 42n, 1, 0, 10)]] }), [c]).reason, 'no-path');
  });
});

describe('BOLT 7 §"Routing Example" (fixtures/bolt07.json routing_example)', () => {
  interface Update {
    from: string;
    to: string;
    cltv_delta: number;
    fee_base_msat: number;
    fee_ppm: number;
  }
  interface Example {
    channel_updates: Update[];
    min_final_cltv: number;
    shadow_cltv: number;
    payments: Array<{ route: string[]; amount_msat: number; cltv_expiry_delta_total: number; amt_to_forward: number; outgoing_cltv_delta_total: number }>;
    fee_calc: { fee_base_msat: number; amount_msat: number; fee_ppm: number; fee_msat: number };
  }
  const fx = JSON.parse(readFileSync(new URL('../fixtures/bolt07.json', import.meta.url), 'utf8')) as { routing_example: Example[] };
  const ex = fx.routing_example[0]!;
  const node: Record<string, Uint8Array> = { A: nodeKey(0x41), B: nodeKey(0x42), C: nodeKey(0x43), D: nodeKey(0x44) };
  const scid: Record<string, bigint> = {};
  ex.channel_updates.forEach((u, i) => {
    scid[[u.from, u.to].sort().join('')] ??= BigInt(100 + i);
  });
  const update = (from: string, to: string) => ex.channel_updates.find((u) => u.from === from && u.to === to)!;
  // The payee is C; the channels into C are private here, so they come as route hints, with the
  // forwarding node's own channel_update fees (exactly what an invoice `r` field carries).
  const hintFrom = (from: string): RouteHint => {
    const u = update(from, 'C');
    return [hop(node[from]!, scid[[from, 'C'].sort().join('')]!, u.fee_base_msat, u.fee_ppm, u.cltv_delta)];
  };
  // The spec's final CLTV is min_final_cltv plus the shadow offset the payer chose.
  const finalCltv = ex.min_final_cltv + ex.shadow_cltv;
  const pay = (payer: string, peers: string[], hints: RouteHint[], amount: bigint): Route => {
    const firstHops = peers.map((p) => chan(node[p]!, 1_000_000_000n, { shortChannelId: scid[[payer, p].sort().join('')]! }));
    const pp = paymentParametersFromNodeId(node.C!, finalCltv, { routeHints: hints });
    return route({ paymentParams: pp, finalValueMsat: amount }, firstHops, node[payer]);
  };

  test('fee_calc', () => {
    const f = ex.fee_calc;
    assert.equal(computeFeeMsat(BigInt(f.amount_msat), { feeBaseMsat: f.fee_base_msat, feeProportionalMillionths: f.fee_ppm }), BigInt(f.fee_msat));
  });

  for (const p of ex.payments) {
    test(`payment over ${p.route.join('→')}`, () => {
      const amount = BigInt(p.amt_to_forward);
      const payer = p.route[0]!;
      const r =
        p.route.length === 2
          ? pay(payer, ['C'], [], amount)
          : pay(payer, [p.route[1]!], [hintFrom(p.route[1]!)], amount);
      const path = r.paths[0]!;
      assert.equal(pathFirstHopAmountMsat(path), BigInt(p.amount_msat));
      assert.equal(pathTotalCltvExpiryDelta(path), p.cltv_expiry_delta_total);
      assert.equal(pathFinalValueMsat(path), BigInt(p.amt_to_forward));
      assert.equal(path.hops.at(-1)!.cltvExpiryDelta, p.outgoing_cltv_delta_total);
    });
  }

  test('with both hints A picks the cheaper path over B', () => {
    const r = pay('A', ['B', 'D'], [hintFrom('B'), hintFrom('D')], 4_999_999n);
    assert.equal(hex(r.paths[0]!.hops[0]!.pubkey), hex(node.B!));
    assert.equal(pathFirstHopAmountMsat(r.paths[0]!), 5_010_198n);
  });
});

describe('getRoute: limits that bite upstream', () => {
  test('a dearer way into a shared node is kept when the cheaper one breaks the CLTV limit further up', () => {
    const c = chan(N[0]!, 10_000_000n);
    const M = N[3]!;
    // N0 -1-> M -2-> payee: fee 0, CLTV 18 + 800 + 100 = 918.  N0 -1-> M -3-> payee: fee 50, CLTV 128.
    const hints: RouteHint[] = [[hop(N[0]!, 1n, 0, 0, 100), hop(M, 2n, 0, 0, 800)], [hop(M, 3n, 50, 0, 10)]];
    assert.equal(route(params(1000n, { routeHints: hints }), [c]).paths[0]!.hops[2]!.shortChannelId, 2n);
    const r = route(params(1000n, { routeHints: hints, maxTotalCltvExpiryDelta: 900 }), [c]);
    assert.deepEqual(shape(r), [
      [
        [hex(N[0]!), c.shortChannelId!, 0n, 100],
        [hex(M), 1n, 50n, 10],
        [hex(PAYEE), 3n, 1000n, 18],
      ],
    ]);
  });

  test('likewise for the path length limit', () => {
    const c = chan(N[0]!, 10_000_000n);
    const M = N[3]!;
    // Cheap into M over two extra hops (N4, N5), dear directly; with the length cap only the direct one fits.
    const hints: RouteHint[] = [[hop(N[0]!, 1n, 0, 0, 10), hop(M, 2n, 0, 0, 10), hop(N[4]!, 4n, 0, 0, 10), hop(N[5]!, 5n, 0, 0, 10)], [hop(M, 3n, 50, 0, 10)]];
    assert.equal(route(params(1000n, { routeHints: hints }), [c]).paths[0]!.hops.length, 5);
    const r = route(params(1000n, { routeHints: hints, maxPathLength: 3 }), [c]);
    assert.deepEqual(
      r.paths[0]!.hops.map((h) => h.shortChannelId),
      [c.shortChannelId!, 1n, 3n],
    );
  });
});
