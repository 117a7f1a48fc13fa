// getRoute over the gossip NetworkGraph: public channel policies (fees, CLTV, HTLC limits,
// disabled directions, capacity), first hops versus the graph's channels out of us, payee features
// from the graph, the scorer's penalty, and a property test against brute force on small graphs.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { Features } from '../../src/ln/features.js';
import {
  type ChannelUsage,
  computeFeeMsat,
  type DirectionalChannelInfo,
  FixedPenaltyScorer,
  getRoute,
  NetworkGraph,
  pathTotalCltvExpiryDelta,
  paymentParametersFromNodeId,
  type Route,
  RouteNotFound,
  type RouteParameters,
  routeTotalAmountMsat,
  routeTotalFeesMsat,
  type ScoreLookUp,
} from '../../src/routing/index.js';
import { compareBytes } from '../../src/util/bytes.js';
import { chan, hex, MemLogger, N, PAYEE, US } from './helpers.js';

const SEED = Number(process.env.FC_SEED ?? 20261124);
const CHAIN = new Uint8Array(32);

interface Policy {
  base?: number;
  ppm?: number;
  cltv?: number;
  min?: bigint;
  max?: bigint;
  enabled?: boolean;
}

function policy(p: Policy, ts = 1000): DirectionalChannelInfo {
  return {
    enabled: p.enabled ?? true,
    cltvExpiryDelta: p.cltv ?? 40,
    htlcMinimumMsat: p.min ?? 1n,
    htlcMaximumMsat: p.max ?? 10_000_000_000n,
    feeBaseMsat: p.base ?? 1000,
    feeProportionalMillionths: p.ppm ?? 100,
    lastUpdate: ts,
  };
}

/** Adds a channel a–b with the given policy for a → b (and b → a when given). */
function link(g: NetworkGraph, scid: bigint, a: Uint8Array, b: Uint8Array, ab: Policy | null, ba: Policy | null = ab, capacitySat?: bigint): void {
  const aFirst = compareBytes(a, b) < 0;
  const [node1, node2] = aFirst ? [a, b] : [b, a];
  g.addChannel({ shortChannelId: scid, node1, node2, features: new Uint8Array(0), capacitySat });
  const [p12, p21] = aFirst ? [ab, ba] : [ba, ab];
  if (p12) g.updateChannel(scid, 0, policy(p12));
  if (p21) g.updateChannel(scid, 1, policy(p21));
}

function params(value: bigint, over: Parameters<typeof paymentParametersFromNodeId>[2] = {}, payee = PAYEE): RouteParameters {
  return { paymentParams: paymentParametersFromNodeId(payee, 18, over), finalValueMsat: value };
}

function route(g: NetworkGraph, p: RouteParameters, scorer?: ScoreLookUp, payer = US): Route {
  const r = getRoute(payer, p, g, null, new MemLogger(), scorer);
  if (r instanceof RouteNotFound) assert.fail(`expected a route, got ${r.reason}: ${r.message}`);
  return r;
}

const scids = (r: Route) => r.paths.map((p) => p.hops.map((h) => h.shortChannelId));

describe('getRoute over the graph', () => {
  test('a public path: fees are the BOLT 7 formula on what each node forwards, deltas are the next channel’s', () => {
    const g = new NetworkGraph(CHAIN);
    link(g, 1n, US, N[0]!, { base: 5000, ppm: 5000, cltv: 99 });
    link(g, 2n, N[0]!, N[1]!, { base: 1000, ppm: 100, cltv: 40 });
    link(g, 3n, N[1]!, PAYEE, { base: 200, ppm: 2500, cltv: 30 });
    const r = route(g, params(1_000_000n));
    const hops = r.paths[0]!.hops;
    assert.deepEqual(scids(r), [[1n, 2n, 3n]]);
    // N1 forwards 1,000,000 over channel 3: 200 + 2500 ppm; N0 forwards that plus N1's fee over 2.
    const feeN1 = 200n + (1_000_000n * 2500n) / 1_000_000n;
    const feeN0 = 1000n + ((1_000_000n + feeN1) * 100n) / 1_000_000n;
    assert.deepEqual(
      hops.map((h) => [hex(h.pubkey), h.feeMsat, h.cltvExpiryDelta]),
      [
        [hex(N[0]!), feeN0, 40],
        [hex(N[1]!), feeN1, 30],
        [hex(PAYEE), 1_000_000n, 18],
      ],
    );
    // Our own channel (1) charges nothing and adds no delta.
    assert.equal(routeTotalFeesMsat(r), feeN0 + feeN1);
    assert.equal(pathTotalCltvExpiryDelta(r.paths[0]!), 40 + 30 + 18);
  });

  test('the cheaper of two paths wins; disabled directions and missing updates are not used', () => {
    const g = new NetworkGraph(CHAIN);
    link(g, 1n, US, N[0]!, {});
    link(g, 2n, US, N[1]!, {});
    link(g, 3n, N[0]!, PAYEE, { base: 500 });
    link(g, 4n, N[1]!, PAYEE, { base: 100 });
    assert.deepEqual(scids(route(g, params(10_000n))), [[2n, 4n]]);
    // N1 → payee disabled (the other direction stays enabled): back to N0.
    g.updateChannel(4n, compareBytes(N[1]!, PAYEE) < 0 ? 0 : 1, { ...policy({ base: 100, enabled: false }), lastUpdate: 2000 });
    assert.deepEqual(scids(route(g, params(10_000n))), [[1n, 3n]]);
    // A channel announced but never updated in the needed direction is no path either.
    const h = new NetworkGraph(CHAIN);
    link(h, 1n, US, N[0]!, {});
    link(h, 3n, N[0]!, PAYEE, null, {});
    const e = getRoute(US, params(10_000n), h, null, new MemLogger());
    assert.ok(e instanceof RouteNotFound && e.reason === 'no-path');
  });

  test('htlc_minimum_msat, htlc_maximum_msat and a known capacity bound what a channel carries', () => {
    const g = new NetworkGraph(CHAIN);
    link(g, 1n, US, N[0]!, { base: 0, ppm: 0 });
    link(g, 2n, US, N[1]!, { base: 0, ppm: 0 });
    link(g, 3n, N[0]!, PAYEE, { base: 0, ppm: 0, min: 50_000n, max: 100_000n });
    link(g, 4n, N[1]!, PAYEE, { base: 10, ppm: 0 }, {}, 150n);
    // Below channel 3's minimum: over 4.
    assert.deepEqual(scids(route(g, params(49_999n))), [[2n, 4n]]);
    // Within 3's limits and cheaper.
    assert.deepEqual(scids(route(g, params(50_000n))), [[1n, 3n]]);
    assert.deepEqual(scids(route(g, params(100_000n))), [[1n, 3n]]);
    // Above 3's maximum but within 4's 150 sat capacity.
    assert.deepEqual(scids(route(g, params(150_000n))), [[2n, 4n]]);
    // Above both (and the payee does not allow MPP).
    const e = getRoute(US, params(150_001n), g, null, new MemLogger());
    assert.ok(e instanceof RouteNotFound && e.reason === 'insufficient-liquidity');
  });

  test('first hops replace the graph’s channels out of us; our channel is then named by our id', () => {
    const g = new NetworkGraph(CHAIN);
    link(g, 1n, US, N[0]!, {});
    link(g, 3n, N[0]!, PAYEE, {});
    const ours = chan(N[0]!, 5_000_000n, { shortChannelId: 77n });
    const r = getRoute(US, params(10_000n), g, [ours], new MemLogger());
    assert.ok(!(r instanceof RouteNotFound));
    assert.deepEqual(scids(r), [[77n, 3n]]);
    // Given first hops with too little balance, the graph's channel out of us is not used instead.
    const none = getRoute(US, params(10_000n), g, [chan(N[0]!, 5_000n)], new MemLogger());
    assert.ok(none instanceof RouteNotFound);
  });

  test('route hints extend the graph to a private payee', () => {
    const g = new NetworkGraph(CHAIN);
    link(g, 1n, US, N[0]!, {});
    link(g, 2n, N[0]!, N[1]!, { base: 7 });
    const hint = [{ pubkey: N[1]!, shortChannelId: 99n, feeBaseMsat: 3, feeProportionalMillionths: 0, cltvExpiryDelta: 12 }];
    const r = route(g, params(10_000n, { routeHints: [hint] }));
    assert.deepEqual(scids(r), [[1n, 2n, 99n]]);
    assert.equal(r.paths[0]!.hops[1]!.feeMsat, 3n);
    assert.equal(r.paths[0]!.hops[1]!.cltvExpiryDelta, 12);
  });

  test('payee features come from its node_announcement when the parameters give none: MPP over two paths', () => {
    const g = new NetworkGraph(CHAIN);
    link(g, 1n, US, N[0]!, { base: 0, ppm: 0 });
    link(g, 2n, US, N[1]!, { base: 0, ppm: 0 });
    link(g, 3n, N[0]!, PAYEE, { base: 0, ppm: 0, max: 60_000n });
    link(g, 4n, N[1]!, PAYEE, { base: 0, ppm: 0, max: 60_000n });
    const noMpp = getRoute(US, params(100_000n), g, null, new MemLogger());
    assert.ok(noMpp instanceof RouteNotFound);
    const features = Features.of('node', { var_onion_optin: 'required', payment_secret: 'required', basic_mpp: 'optional' }).toBytes();
    g.updateNode(PAYEE, { timestamp: 1, features, rgbColor: new Uint8Array(3), alias: new Uint8Array(32), addresses: new Uint8Array(0), netAddresses: [] });
    const r = route(g, params(100_000n));
    assert.equal(r.paths.length, 2);
    assert.equal(routeTotalAmountMsat(r), 100_000n);
    assert.ok(r.paths.every((p) => p.hops.at(-1)!.feeMsat <= 60_000n));
  });

  test('a scorer’s penalty trades fees for fewer or better channels; an infinite penalty forbids one', () => {
    const g = new NetworkGraph(CHAIN);
    link(g, 1n, US, N[0]!, { base: 0, ppm: 0 });
    link(g, 2n, N[0]!, N[1]!, { base: 0, ppm: 0 });
    link(g, 3n, N[1]!, PAYEE, { base: 0, ppm: 0 });
    link(g, 4n, N[0]!, PAYEE, { base: 500, ppm: 0 });
    assert.deepEqual(scids(route(g, params(10_000n))), [[1n, 2n, 3n]], 'fees only: the free longer path');
    const perHop: ScoreLookUp = { channelPenaltyMsat: () => 1000 };
    assert.deepEqual(scids(route(g, params(10_000n), perHop)), [[1n, 4n]], '1000 msat per channel outweighs 500 msat of fees');
    const seen: Array<[bigint, boolean, number, string]> = [];
    const banFour: ScoreLookUp = {
      channelPenaltyMsat: (scid: bigint, oneToTwo: boolean, u: ChannelUsage) => {
        seen.push([scid, oneToTwo, u.amountMsat, u.capacityKind]);
        return scid === 4n ? Number.POSITIVE_INFINITY : 1000;
      },
    };
    assert.deepEqual(scids(route(g, params(10_000n), banFour)), [[1n, 2n, 3n]]);
    // The scorer is told the direction (node1 → node2 is true) and what the channel would carry.
    const s3 = seen.find(([scid]) => scid === 3n)!;
    assert.equal(s3[1], compareBytes(N[1]!, PAYEE) < 0);
    assert.equal(s3[2], 10_000);
    assert.equal(s3[3], 'htlc-maximum');
  });

  test('a channel_update after the index was built is seen by the next route; removal too', () => {
    const g = new NetworkGraph(CHAIN);
    link(g, 1n, US, N[0]!, {});
    link(g, 2n, US, N[1]!, {});
    link(g, 3n, N[0]!, PAYEE, { base: 100 });
    link(g, 4n, N[1]!, PAYEE, { base: 200 });
    assert.deepEqual(scids(route(g, params(10_000n))), [[1n, 3n]]);
    g.updateChannel(4n, compareBytes(N[1]!, PAYEE) < 0 ? 0 : 1, policy({ base: 50 }, 5000));
    assert.deepEqual(scids(route(g, params(10_000n))), [[2n, 4n]]);
    g.removeChannel(4n);
    assert.deepEqual(scids(route(g, params(10_000n))), [[1n, 3n]]);
    g.channelFailed(3n, true);
    assert.ok(getRoute(US, params(10_000n), g, null, new MemLogger()) instanceof RouteNotFound);
  });

  test('the same inputs give the same route whatever order the graph learned the channels in', () => {
    const build = (order: number[]) => {
      const g = new NetworkGraph(CHAIN);
      const chans: Array<() => void> = [
        () => link(g, 1n, US, N[0]!, { base: 0, ppm: 0 }),
        () => link(g, 2n, US, N[1]!, { base: 0, ppm: 0 }),
        () => link(g, 3n, N[0]!, PAYEE, { base: 100, ppm: 0 }),
        () => link(g, 4n, N[1]!, PAYEE, { base: 100, ppm: 0 }),
      ];
      for (const i of order) chans[i]!();
      return g;
    };
    const a = scids(route(build([0, 1, 2, 3]), params(10_000n)));
    const b = scids(route(build([3, 2, 1, 0]), params(10_000n)));
    assert.deepEqual(a, b);
    assert.deepEqual(a, [[1n, 3n]], 'equal costs: the lower short channel ids, first hop first');
  });
});

// ---- property test: random small graphs, checked from the inputs and against brute force ----

interface RandChannel {
  a: number;
  b: number;
  ab: Policy | null;
  ba: Policy | null;
  capacitySat: bigint | null;
}

const policyArb: fc.Arbitrary<Policy | null> = fc.option(
  fc.record({
    base: fc.nat({ max: 3000 }),
    ppm: fc.nat({ max: 20_000 }),
    cltv: fc.integer({ min: 6, max: 200 }),
    min: fc.bigInt({ min: 1n, max: 200_000n }),
    max: fc.bigInt({ min: 1_000n, max: 3_000_000n }),
    enabled: fc.integer({ min: 0, max: 9 }).map((x) => x > 0),
  }),
  { freq: 8 },
);
const NODES = [US, PAYEE, N[0]!, N[1]!, N[2]!, N[3]!, N[4]!];
const graphArb = fc.record({
  nodes: fc.integer({ min: 3, max: NODES.length }),
  channels: fc.array(fc.record({ a: fc.nat(), b: fc.nat(), ab: policyArb, ba: policyArb, capacitySat: fc.option(fc.bigInt({ min: 1n, max: 3_000n }), { freq: 2 }) }), {
    minLength: 2,
    maxLength: 14,
  }),
  value: fc.bigInt({ min: 1n, max: 2_000_000n }),
  maxCltv: fc.integer({ min: 60, max: 600 }),
  maxLength: fc.integer({ min: 1, max: 6 }),
  penalty: fc.nat({ max: 5000 }),
  astar: fc.boolean(),
});

interface Scenario {
  g: NetworkGraph;
  channels: Array<RandChannel & { scid: bigint }>;
  params: RouteParameters;
  penalty: number;
}

type RawScenario = typeof graphArb extends fc.Arbitrary<infer T> ? T : never;

function scenario(s: RawScenario): Scenario {
  const g = new NetworkGraph(CHAIN);
  const channels: Scenario['channels'] = [];
  let scid = 0n;
  for (const c of s.channels) {
    const a = c.a % s.nodes;
    const b = c.b % s.nodes;
    if (a === b) continue;
    scid++;
    link(g, scid, NODES[a]!, NODES[b]!, c.ab, c.ba, c.capacitySat ?? undefined);
    channels.push({ ...c, a, b, scid, capacitySat: c.capacitySat });
  }
  const pp = paymentParametersFromNodeId(PAYEE, 18, { maxTotalCltvExpiryDelta: s.maxCltv, maxPathLength: s.maxLength });
  return { g, channels, params: { paymentParams: pp, finalValueMsat: s.value }, penalty: s.penalty };
}

/** The policy of the direction from node `from` over channel `scid`, as the test built it. */
function directed(s: Scenario, scid: bigint, from: string): { p: DirectionalChannelInfo; to: string; capacityMsat: bigint | undefined } | undefined {
  const c = s.channels.find((x) => x.scid === scid);
  if (!c) return undefined;
  const [ka, kb] = [hex(NODES[c.a]!), hex(NODES[c.b]!)];
  const p = from === ka ? c.ab : from === kb ? c.ba : undefined;
  if (!p) return undefined;
  return { p: policy(p), to: from === ka ? kb : ka, capacityMsat: c.capacitySat === null ? undefined : c.capacitySat * 1000n };
}

/** Total cost the router minimises with a fixed per-channel penalty: fees plus penalty × channels. */
const costOf = (r: Route, penalty: number) => routeTotalFeesMsat(r) + BigInt(penalty * r.paths[0]!.hops.length);

/** Checks a single-path route against the inputs only; returns nothing, fails on any broken promise. */
function checkRoute(s: Scenario, r: Route): void {
  assert.equal(r.paths.length, 1, 'the payee does not support MPP');
  const hops = r.paths[0]!.hops;
  const pp = s.params.paymentParams;
  assert.ok(hops.length <= pp.maxPathLength);
  assert.ok(pathTotalCltvExpiryDelta(r.paths[0]!) <= pp.maxTotalCltvExpiryDelta);
  assert.equal(hops.at(-1)!.feeMsat, s.params.finalValueMsat);
  assert.equal(hops.at(-1)!.cltvExpiryDelta, 18);
  const forwarded = hops.map((_, i) => hops.slice(i).reduce((a, h) => a + h.feeMsat, 0n));
  let from = hex(US);
  const seen = new Set([from]);
  hops.forEach((h, i) => {
    const d = directed(s, h.shortChannelId, from);
    assert.ok(d?.p.enabled, 'each channel exists and is enabled in the direction used');
    assert.equal(d.to, hex(h.pubkey));
    assert.ok(!seen.has(d.to), 'no node twice');
    seen.add(d.to);
    // What this channel carries: everything that arrives at its target.
    const carried = forwarded[i]!;
    assert.ok(carried >= d.p.htlcMinimumMsat && carried <= d.p.htlcMaximumMsat, 'HTLC limits');
    if (d.capacityMsat !== undefined) assert.ok(carried <= d.capacityMsat, 'capacity');
    const next = hops[i + 1];
    if (next) {
      const nd = directed(s, next.shortChannelId, hex(h.pubkey))!;
      assert.equal(h.feeMsat, computeFeeMsat(forwarded[i + 1]!, nd.p), 'BOLT 7 fee on what the node forwards');
      assert.equal(h.cltvExpiryDelta, nd.p.cltvExpiryDelta);
    }
    from = hex(h.pubkey);
  });
}

/** Cheapest valid single path by enumerating every simple path (the graphs are small). */
function bruteForce(s: Scenario): bigint | undefined {
  const pp = s.params.paymentParams;
  const value = s.params.finalValueMsat;
  let best: bigint | undefined;
  const walk = (node: string, path: Array<{ scid: bigint; p: DirectionalChannelInfo; to: string; capacityMsat: bigint | undefined }>, visited: Set<string>) => {
    if (node === hex(PAYEE)) {
      // Amounts backwards from the payee; the first channel (ours) charges nothing.
      let amt = value;
      let cltv = 18;
      let fees = 0n;
      for (let i = path.length - 1; i >= 0; i--) {
        const e = path[i]!;
        if (amt < e.p.htlcMinimumMsat || amt > e.p.htlcMaximumMsat) return;
        if (e.capacityMsat !== undefined && amt > e.capacityMsat) return;
        if (i > 0) {
          const f = computeFeeMsat(amt, e.p);
          fees += f;
          amt += f;
          cltv += e.p.cltvExpiryDelta;
        }
      }
      if (cltv > pp.maxTotalCltvExpiryDelta) return;
      const cost = fees + BigInt(s.penalty * path.length);
      if (best === undefined || cost < best) best = cost;
      return;
    }
    if (path.length >= pp.maxPathLength) return;
    for (const c of s.channels) {
      const d = directed(s, c.scid, node);
      if (!d?.p.enabled || visited.has(d.to)) continue;
      visited.add(d.to);
      walk(d.to, [...path, { scid: c.scid, ...d }], visited);
      visited.delete(d.to);
    }
  };
  walk(hex(US), [], new Set([hex(US)]));
  return best;
}

test('property: on random small graphs every route keeps every policy, and costs no more than brute force’s cheapest', () => {
  let found = 0;
  fc.assert(
    fc.property(graphArb, (raw) => {
      const s = scenario(raw);
      // Half the runs give the router the scorer's lower bound too, which makes its search an A*.
      const scorer: ScoreLookUp = raw.astar ? new FixedPenaltyScorer(s.penalty) : { channelPenaltyMsat: () => s.penalty };
      const r = getRoute(US, s.params, s.g, null, new MemLogger(), scorer);
      const best = bruteForce(s);
      if (r instanceof RouteNotFound) {
        assert.equal(best, undefined, `brute force found a path costing ${best} but the router found none (${r.reason}: ${r.message})`);
        return;
      }
      found++;
      checkRoute(s, r);
      assert.ok(best !== undefined, 'brute force finds every valid route');
      assert.ok(costOf(r, s.penalty) <= best, `router cost ${costOf(r, s.penalty)} > brute force ${best}`);
    }),
    { seed: SEED, numRuns: 600 },
  );
  assert.ok(found > 80, `enough scenarios have a route to check (${found})`);
});
