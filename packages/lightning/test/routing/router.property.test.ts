import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { nobleBackend } from '../../src/crypto/noble.js';
import { Features } from '../../src/ln/features.js';
import {
  computeFeeMsat,
  type FirstHopChannel,
  getRoute,
  outboundPaymentScid,
  pathFeeMsat,
  pathFinalValueMsat,
  pathTotalCltvExpiryDelta,
  paymentParametersFromNodeId,
  type Route,
  type RouteHint,
  type RouteHintHop,
  RouteNotFound,
  type RouteParameters,
  routeTotalAmountMsat,
  routeTotalFeesMsat,
} from '../../src/routing/index.js';
import { chan, hex, hop, MemLogger, N, PAYEE, US } from './helpers.js';

const SEED = Number(process.env.FC_SEED ?? 20261124);
const MPP = Features.of('invoice', { var_onion_optin: 'required', payment_secret: 'required', basic_mpp: 'optional' });
const PEERS = [N[0]!, N[1]!, N[2]!, N[3]!, N[4]!, PAYEE];

interface Scenario {
  firstHops: FirstHopChannel[];
  hints: RouteHint[];
  params: RouteParameters;
}

const channelArb = fc.record({
  peer: fc.nat({ max: PEERS.length - 1 }),
  limit: fc.bigInt({ min: 0n, max: 900_000n }),
  idKind: fc.constantFrom('real', 'real', 'alias', 'none'),
  usable: fc.integer({ min: 0, max: 99 }).map((n) => n < 85),
  min: fc.option(fc.bigInt({ min: 1n, max: 20_000n }), { freq: 4 }),
});
const hintHopArb = fc.record({
  node: fc.nat({ max: 4 }),
  base: fc.nat({ max: 5000 }),
  ppm: fc.nat({ max: 10_000 }),
  cltv: fc.nat({ max: 150 }),
  min: fc.option(fc.bigInt({ min: 1n, max: 50_000n }), { freq: 8 }),
  max: fc.option(fc.bigInt({ min: 1n, max: 3_000_000n }), { freq: 3 }),
});
const scenarioArb: fc.Arbitrary<Scenario> = fc
  .record({
    channels: fc.array(channelArb, { minLength: 1, maxLength: 8 }),
    hints: fc.array(fc.array(hintHopArb, { minLength: 1, maxLength: 3 }), { maxLength: 3 }),
    value: fc.bigInt({ min: 1n, max: 1_500_000n }),
    mpp: fc.integer({ min: 0, max: 99 }).map((n) => n < 75),
    maxPathCount: fc.integer({ min: 1, max: 10 }),
    maxCltv: fc.integer({ min: 19, max: 1008 }),
    // Mostly generous limits, so that most scenarios have a route to check.
    feeLimit: fc.option(fc.bigInt({ min: 0n, max: 100_000n }), { freq: 2 }),
  })
  .map((s) => {
    let scid = 0n;
    const firstHops = s.channels.map((c) => {
      const id = c.idKind === 'real' ? { shortChannelId: 5_000n + ++scid } : c.idKind === 'alias' ? { shortChannelId: undefined, outboundScidAlias: 9_000n + ++scid } : { shortChannelId: undefined };
      return chan(PEERS[c.peer]!, c.limit, { ...id, isUsable: c.usable, ...(c.min === null ? {} : { nextOutboundHtlcMinimumMsat: c.min }) });
    });
    let hscid = 0n;
    const hints = s.hints.map((h) =>
      h.map((x) =>
        hop(N[x.node]!, 100n + ++hscid, x.base, x.ppm, x.cltv, {
          ...(x.min === null ? {} : { htlcMinimumMsat: x.min }),
          ...(x.max === null ? {} : { htlcMaximumMsat: x.max }),
        }),
      ),
    );
    const pp = paymentParametersFromNodeId(PAYEE, 18, {
      routeHints: hints,
      maxPathCount: s.maxPathCount,
      maxTotalCltvExpiryDelta: s.maxCltv,
      ...(s.mpp ? { features: MPP } : {}),
    });
    const params: RouteParameters = s.feeLimit === null ? { paymentParams: pp, finalValueMsat: s.value } : { paymentParams: pp, finalValueMsat: s.value, maxTotalRoutingFeeMsat: s.feeLimit };
    return { firstHops, hints, params };
  });

/** Checks every promise a returned route makes, from the inputs alone (not the router's code). */
function checkRoute(s: Scenario, r: Route): void {
  const pp = s.params.paymentParams;
  assert.equal(routeTotalAmountMsat(r), s.params.finalValueMsat, 'parts deliver exactly the amount');
  assert.ok(r.paths.length >= 1 && r.paths.length <= pp.maxPathCount);
  if (!pp.features?.supports('basic_mpp')) assert.equal(r.paths.length, 1, 'no MPP without basic_mpp');
  // Hint hops by (source, scid); the target of each is the next hop in its hint, or the payee.
  const hintBy = new Map<string, { h: RouteHintHop; target: string }>();
  for (const hint of s.hints) {
    hint.forEach((h, i) => {
      hintBy.set(`${hex(h.pubkey)}:${h.shortChannelId}`, { h, target: hex(i + 1 < hint.length ? hint[i + 1]!.pubkey : PAYEE) });
    });
  }
  const usedFirst = new Map<FirstHopChannel, bigint>();
  const usedHint = new Map<RouteHintHop, bigint>();
  let fees = 0n;
  for (const p of r.paths) {
    const hops = p.hops;
    assert.ok(hops.length >= 1 && hops.length <= pp.maxPathLength);
    assert.equal(hex(hops.at(-1)!.pubkey), hex(PAYEE));
    assert.equal(hops.at(-1)!.cltvExpiryDelta, pp.finalCltvExpiryDelta);
    assert.ok(pathFinalValueMsat(p) > 0n);
    assert.ok(pathTotalCltvExpiryDelta(p) <= pp.maxTotalCltvExpiryDelta, 'max total CLTV');
    // forwarded[i] = what arrives at hop i = its own fee plus everything after.
    const forwarded = hops.map((_, i) => hops.slice(i).reduce((a, h) => a + h.feeMsat, 0n));
    const first = s.firstHops.find((c) => c.isUsable && outboundPaymentScid(c) === hops[0]!.shortChannelId && hex(c.counterpartyNodeId) === hex(hops[0]!.pubkey));
    assert.ok(first, 'the first hop is one of our usable channels, by its real id or alias');
    assert.ok(forwarded[0]! >= (first.nextOutboundHtlcMinimumMsat ?? 0n));
    usedFirst.set(first, (usedFirst.get(first) ?? 0n) + forwarded[0]!);
    for (let i = 0; i + 1 < hops.length; i++) {
      const entry = hintBy.get(`${hex(hops[i]!.pubkey)}:${hops[i + 1]!.shortChannelId}`);
      assert.ok(entry, 'each later channel is a hint hop starting at the previous node');
      assert.equal(entry.target, hex(hops[i + 1]!.pubkey));
      // BOLT 7 §"HTLC Fees", on what node i forwards over the next channel.
      assert.equal(hops[i]!.feeMsat, computeFeeMsat(forwarded[i + 1]!, entry.h), 'fee is exactly the BOLT 7 formula');
      assert.equal(hops[i]!.cltvExpiryDelta, entry.h.cltvExpiryDelta);
      assert.ok(forwarded[i + 1]! >= (entry.h.htlcMinimumMsat ?? 0n), 'htlc_minimum');
      usedHint.set(entry.h, (usedHint.get(entry.h) ?? 0n) + forwarded[i + 1]!);
    }
    fees += pathFeeMsat(p);
  }
  for (const [c, used] of usedFirst) assert.ok(used <= c.nextOutboundHtlcLimitMsat, 'parts fit the first hop’s limit together');
  for (const [h, used] of usedHint) if (h.htlcMaximumMsat !== undefined) assert.ok(used <= h.htlcMaximumMsat, 'hint capacity');
  assert.equal(routeTotalFeesMsat(r), fees);
  if (s.params.maxTotalRoutingFeeMsat !== undefined) assert.ok(fees <= s.params.maxTotalRoutingFeeMsat, 'fee limit');
}

test('any route found delivers exactly the amount, fits every limit and pays BOLT 7 fees hop by hop', () => {
  let found = 0;
  let multiPart = 0;
  let viaHints = 0;
  fc.assert(
    fc.property(scenarioArb, (s) => {
      const r = getRoute(US, s.params, null, s.firstHops, new MemLogger(), undefined, { crypto: nobleBackend });
      // Completeness where it is obvious: a usable direct channel that fits the whole amount.
      const direct = s.firstHops.some(
        (c) => c.isUsable && outboundPaymentScid(c) !== undefined && hex(c.counterpartyNodeId) === hex(PAYEE) && c.nextOutboundHtlcLimitMsat >= s.params.finalValueMsat && (c.nextOutboundHtlcMinimumMsat ?? 0n) <= s.params.finalValueMsat,
      );
      if (r instanceof RouteNotFound) {
        assert.ok(!direct, `a direct channel fits but: ${r.message}`);
        assert.ok(r.message.length > 0);
        return;
      }
      found++;
      if (r.paths.length > 1) multiPart++;
      if (r.paths.some((p) => p.hops.length > 1)) viaHints++;
      checkRoute(s, r);
      // Deterministic, and independent of the order of the inputs.
      const again = getRoute(US, { ...s.params, paymentParams: { ...s.params.paymentParams, routeHints: [...s.hints].reverse() } }, null, [...s.firstHops].reverse(), new MemLogger(), undefined, { crypto: nobleBackend });
      assert.ok(!(again instanceof RouteNotFound));
      assert.deepEqual(again.paths, r.paths);
    }),
    { seed: SEED, numRuns: 600 },
  );
  assert.ok(found > 50 && multiPart > 2 && viaHints > 20, `coverage too thin: ${found} routes, ${multiPart} multi-part, ${viaHints} over hints`);
});

test('multi-part: when several direct channels together fit the amount and enough parts are allowed, a route is found', () => {
  fc.assert(
    fc.property(fc.array(fc.bigInt({ min: 1n, max: 1_000_000n }), { minLength: 2, maxLength: 6 }), fc.bigInt({ min: 1n, max: 6_000_000n }), (limits, value) => {
      const total = limits.reduce((a, b) => a + b, 0n);
      const firstHops = limits.map((l) => chan(PAYEE, l));
      const pp = paymentParametersFromNodeId(PAYEE, 18, { features: MPP, maxPathCount: limits.length });
      const r = getRoute(US, { paymentParams: pp, finalValueMsat: value }, null, firstHops, new MemLogger());
      if (value > total) {
        assert.ok(r instanceof RouteNotFound);
        assert.equal(r.reason, 'insufficient-liquidity');
        return;
      }
      assert.ok(!(r instanceof RouteNotFound), 'fits');
      checkRoute({ firstHops, hints: [], params: { paymentParams: pp, finalValueMsat: value } }, r);
    }),
    { seed: SEED, numRuns: 300 },
  );
});

test('multi-part over hints: random capacities and fees, every part checked hop by hop', () => {
  let multiPart = 0;
  const arb = fc.record({
    channels: fc.array(fc.record({ peer: fc.nat({ max: 3 }), limit: fc.bigInt({ min: 1_000n, max: 600_000n }) }), { minLength: 2, maxLength: 8 }),
    fees: fc.array(fc.record({ base: fc.nat({ max: 3000 }), ppm: fc.nat({ max: 5000 }), cltv: fc.nat({ max: 100 }), max: fc.option(fc.bigInt({ min: 10_000n, max: 900_000n }), { freq: 3 }) }), {
      minLength: 3,
      maxLength: 3,
    }),
    share: fc.integer({ min: 1, max: 100 }),
    maxPathCount: fc.integer({ min: 2, max: 10 }),
  });
  fc.assert(
    fc.property(arb, (a) => {
      // Peer 3 is the payee itself; peers 0..2 reach it over a one-hop hint each.
      const peers = [N[5]!, N[6]!, N[7]!, PAYEE];
      const firstHops = a.channels.map((c) => chan(peers[c.peer]!, c.limit));
      const hints: RouteHint[] = a.fees.map((f, i) => [hop(peers[i]!, 500n + BigInt(i), f.base, f.ppm, f.cltv, f.max === null ? {} : { htlcMaximumMsat: f.max })]);
      const total = a.channels.reduce((x, c) => x + c.limit, 0n);
      const value = (total * BigInt(a.share)) / 100n + 1n;
      const pp = paymentParametersFromNodeId(PAYEE, 18, { features: MPP, routeHints: hints, maxPathCount: a.maxPathCount });
      const s: Scenario = { firstHops, hints, params: { paymentParams: pp, finalValueMsat: value } };
      const r = getRoute(US, s.params, null, firstHops, new MemLogger(), undefined, { crypto: nobleBackend });
      if (r instanceof RouteNotFound) {
        assert.ok(['insufficient-liquidity', 'no-path'].includes(r.reason), r.message);
        return;
      }
      if (r.paths.length > 1) multiPart++;
      checkRoute(s, r);
    }),
    { seed: SEED, numRuns: 400 },
  );
  assert.ok(multiPart > 50, `only ${multiPart} multi-part routes`);
});
