// Scorers (LDK's lightning/src/routing/scoring.rs): FixedPenaltyScorer and ProbabilisticScorer.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { NetworkGraph } from '../../src/routing/network_graph.js';
import type { Path, RouteHop } from '../../src/routing/route.js';
import {
  type ChannelUsage,
  DEFAULT_DECAY_PARAMETERS,
  defaultFeeParameters,
  FixedPenaltyScorer,
  ProbabilisticScorer,
  type ProbabilisticScoringFeeParameters,
  UNKNOWN_CHANNEL_CAPACITY_MSAT,
} from '../../src/routing/scoring/index.js';
import { compareBytes, equalBytes } from '../../src/util/bytes.js';
import { DecodeError } from '../../src/util/errors.js';
import { toHex } from '../../src/util/hex.js';
import { nullLogger } from '../../src/util/logger.js';
import { nodeKey } from './helpers.js';

// us --41 (ours, not in the graph)--> SOURCE --42--> TARGET --43--> RECIPIENT
const SENDER = nodeKey(41);
const SOURCE = nodeKey(42);
const TARGET = nodeKey(43);
const RECIPIENT = nodeKey(45);

interface ChanOpts {
  capacitySat?: bigint;
  htlcMax12?: bigint;
  htlcMax21?: bigint;
}

function addChannel(g: NetworkGraph, scid: bigint, a: Uint8Array, b: Uint8Array, o: ChanOpts = {}): void {
  const [node1, node2] = compareBytes(a, b) < 0 ? [a, b] : [b, a];
  assert.ok(g.addChannel({ shortChannelId: scid, node1, node2, features: new Uint8Array(0), capacitySat: o.capacitySat }));
  for (const [dir, max] of [
    [0, o.htlcMax12],
    [1, o.htlcMax21],
  ] as const) {
    if (max === undefined) continue;
    g.updateChannel(scid, dir, {
      enabled: true,
      cltvExpiryDelta: 18,
      htlcMinimumMsat: 0n,
      htlcMaximumMsat: max,
      feeBaseMsat: 1,
      feeProportionalMillionths: 0,
      lastUpdate: 100,
    });
  }
}

/** The BOLT 7 direction bit of channel `scid` when it is used towards `to`. */
function towards(g: NetworkGraph, scid: bigint, to: Uint8Array): boolean {
  return equalBytes(g.channel(scid)!.node2, to);
}

function hop(pubkey: Uint8Array, shortChannelId: bigint, feeMsat: bigint): RouteHop {
  return { pubkey, shortChannelId, feeMsat, cltvExpiryDelta: 18 };
}

/** sender → source (41) → target (42) → recipient (43), delivering `amountMsat`. */
function pathFor(amountMsat: number): Path {
  return { hops: [hop(SOURCE, 41n, 1n), hop(TARGET, 42n, 2n), hop(RECIPIENT, 43n, BigInt(amountMsat))] };
}

const CAP_SAT = 1_000_000n;
const CAP = Number(CAP_SAT) * 1000;

/** Channels 42 and 43 with a funding capacity of 1,000,000 sat; htlc_maximum just below it (so anti-probing applies). */
function fundedGraph(): NetworkGraph {
  const g = new NetworkGraph(new Uint8Array(32));
  const max = CAP_SAT * 1000n - 1000n;
  addChannel(g, 42n, SOURCE, TARGET, { capacitySat: CAP_SAT, htlcMax12: max, htlcMax21: max });
  addChannel(g, 43n, TARGET, RECIPIENT, { capacitySat: CAP_SAT, htlcMax12: max, htlcMax21: max });
  return g;
}

function total(amountMsat: number, capacityMsat = CAP, inflightHtlcMsat = 0): ChannelUsage {
  return { amountMsat, inflightHtlcMsat, capacityMsat, capacityKind: 'total' };
}

// The model written out independently of the implementation (LDK 0.1's formulas).
const cdf = (x: number) => (x - 0.5) ** 9 + (x - 0.5) / 256;
function priorProbability(amount: number, cap: number, linear: boolean): number {
  // No history: liquidity anywhere in [0, cap]; a zero lower bound means "no success seen" (× 64/78).
  if (linear) return (cap - amount) / ((cap + 1) * (78 / 64));
  return (cdf(1) - cdf(amount / cap)) / ((cdf(1) - cdf(0)) * (78 / 64));
}
function negLog10(p: number): number {
  return Math.min(2, p >= 1 ? 0 : -Math.log10(p));
}
/** Penalties are whole msat, rounded down (as LDK's u64). */
function priorPenalty(p: ProbabilisticScoringFeeParameters, amount: number, cap: number, antiProbing: boolean): number {
  const base = p.basePenaltyMsat + (p.basePenaltyAmountMultiplierMsat * amount) / 2 ** 30;
  const hist =
    negLog10(priorProbability(amount, cap, p.linearSuccessProbability)) *
    (p.historicalLiquidityPenaltyMultiplierMsat + (p.historicalLiquidityPenaltyAmountMultiplierMsat * amount) / 2 ** 20);
  return Math.floor(base + hist + (antiProbing ? p.antiProbingPenaltyMsat : 0));
}

/** LDK's `ProbabilisticScoringFeeParameters::zero_penalty()` (test only): everything off, linear PDF. */
const ZERO_PENALTY: Partial<ProbabilisticScoringFeeParameters> = {
  basePenaltyMsat: 0,
  basePenaltyAmountMultiplierMsat: 0,
  liquidityPenaltyMultiplierMsat: 0,
  liquidityPenaltyAmountMultiplierMsat: 0,
  historicalLiquidityPenaltyMultiplierMsat: 0,
  historicalLiquidityPenaltyAmountMultiplierMsat: 0,
  antiProbingPenaltyMsat: 0,
  consideredImpossiblePenaltyMsat: 0,
  linearSuccessProbability: true,
};

describe('FixedPenaltyScorer', () => {
  test('one penalty for every channel; outcomes change nothing; write/read', () => {
    const s = new FixedPenaltyScorer(500);
    assert.equal(s.channelPenaltyMsat(1n, true, total(1)), 500);
    assert.equal(s.channelPenaltyMsat(2n, false, { amountMsat: 1e12, inflightHtlcMsat: 0, capacityMsat: 1, capacityKind: 'exact' }), 500);
    s.paymentPathFailed(pathFor(1000), 42n, 0);
    s.paymentPathSuccessful(pathFor(1000), 0);
    s.probeFailed(pathFor(1000), 42n, 0);
    s.probeSuccessful(pathFor(1000), 0);
    s.timePassed(1e9);
    assert.equal(s.channelPenaltyMsat(42n, true, total(1000)), 500);
    const bytes = s.write();
    const back = FixedPenaltyScorer.read(bytes, 700);
    assert.ok(back instanceof FixedPenaltyScorer);
    assert.equal(back.channelPenaltyMsat(1n, true, total(1)), 700, 'the penalty is given at read, as in LDK');
    assert.ok(FixedPenaltyScorer.read(new Uint8Array(0), 1) instanceof DecodeError);
    assert.equal((FixedPenaltyScorer.read(Uint8Array.of(2), 1) as DecodeError).kind, 'UnknownVersion');
    assert.ok(FixedPenaltyScorer.read(Uint8Array.of(...bytes, 0), 1) instanceof DecodeError);
  });
});

describe('ProbabilisticScorer: penalties without history', () => {
  test("LDK 0.1's default parameters", () => {
    const p = defaultFeeParameters();
    assert.deepEqual({ ...p, manualNodePenalties: p.manualNodePenalties.size }, {
      basePenaltyMsat: 1024,
      basePenaltyAmountMultiplierMsat: 131_072,
      liquidityPenaltyMultiplierMsat: 0,
      liquidityPenaltyAmountMultiplierMsat: 0,
      historicalLiquidityPenaltyMultiplierMsat: 10_000,
      historicalLiquidityPenaltyAmountMultiplierMsat: 1_250,
      manualNodePenalties: 0,
      antiProbingPenaltyMsat: 250,
      consideredImpossiblePenaltyMsat: 100_000_000_000,
      linearSuccessProbability: false,
    });
    assert.deepEqual({ ...DEFAULT_DECAY_PARAMETERS }, { liquidityOffsetHalfLifeSecs: 1800, historicalNoUpdatesHalfLifeSecs: 14 * 86400 });
  });

  test('equal the formula computed independently (total, htlc-maximum, unknown capacity; both PDFs)', () => {
    const g = fundedGraph();
    for (const linear of [false, true]) {
      const s = new ProbabilisticScorer({}, g, nullLogger, { linearSuccessProbability: linear });
      const p = s.feeParams;
      for (const a of [1, 1_000, 1_000_000, 100_000_000, 500_000_000, 990_000_000]) {
        // Funded channel, htlc_maximum ≥ capacity / 2: anti-probing penalty applies.
        assert.equal(s.channelPenaltyMsat(42n, true, total(a)), priorPenalty(p, a, CAP, true));
        // The router may hand the htlc maximum in the usage instead of the scorer reading the graph.
        assert.equal(s.channelPenaltyMsat(42n, true, { ...total(a), htlcMaximumMsat: CAP / 2 - 1 }), priorPenalty(p, a, CAP, false));
        assert.equal(s.channelPenaltyMsat(42n, true, { ...total(a), htlcMaximumMsat: CAP / 2 }), priorPenalty(p, a, CAP, true));
        // Capacity known only from htlc_maximum: no anti-probing penalty.
        assert.equal(s.channelPenaltyMsat(42n, false, { ...total(a), capacityKind: 'htlc-maximum' }), priorPenalty(p, a, CAP, false));
        if (a < UNKNOWN_CHANNEL_CAPACITY_MSAT) {
          const unknown: ChannelUsage = { amountMsat: a, inflightHtlcMsat: 0, capacityMsat: Number.POSITIVE_INFINITY, capacityKind: 'unknown' };
          assert.equal(s.channelPenaltyMsat(7n, true, unknown), priorPenalty(p, a, UNKNOWN_CHANNEL_CAPACITY_MSAT, false));
        }
      }
    }
  });

  test('grow with the amount; in-flight HTLCs count towards the probability', () => {
    const s = new ProbabilisticScorer({}, fundedGraph(), nullLogger);
    // Whole msat: non-decreasing from 1 msat, strictly increasing once steps are worth a msat.
    let last = -1;
    for (let a = 1; a < CAP; a = Math.ceil(a * 1.7)) {
      const pen = s.channelPenaltyMsat(42n, true, total(a));
      if (a >= 10_000) assert.ok(pen > last, `penalty(${a}) = ${pen} ≤ ${last}`);
      else assert.ok(pen >= last, `penalty(${a}) = ${pen} < ${last}`);
      last = pen;
    }
    assert.ok(s.channelPenaltyMsat(42n, true, total(1e6, CAP, 5e8)) > s.channelPenaltyMsat(42n, true, total(1e6)));
  });

  test('at or above the capacity: impossible penalty plus the largest liquidity penalty', () => {
    const s = new ProbabilisticScorer({}, fundedGraph(), nullLogger);
    const p = s.feeParams;
    const expected = p.consideredImpossiblePenaltyMsat + 2 * (10_000 + (1250 * CAP) / 2 ** 20) + 1024 + (131_072 * CAP) / 2 ** 30 + 250;
    assert.equal(s.channelPenaltyMsat(42n, true, total(CAP)), Math.floor(expected));
    const banned = new ProbabilisticScorer({}, fundedGraph(), nullLogger, { consideredImpossiblePenaltyMsat: Number.POSITIVE_INFINITY });
    assert.equal(banned.channelPenaltyMsat(42n, true, total(CAP)), Number.POSITIVE_INFINITY);
    assert.ok(Number.isFinite(banned.channelPenaltyMsat(42n, true, total(CAP - 1))));
  });

  test('our own channel (exact) and route hints: 0 when the amount fits, forbidden when not', () => {
    const s = new ProbabilisticScorer({}, fundedGraph(), nullLogger);
    for (const capacityKind of ['exact', 'hint'] as const) {
      const u = (amountMsat: number): ChannelUsage => ({ amountMsat, inflightHtlcMsat: 0, capacityMsat: 5_000, capacityKind });
      assert.equal(s.channelPenaltyMsat(41n, true, u(5_000)), 0);
      assert.equal(s.channelPenaltyMsat(41n, true, u(5_001)), Number.POSITIVE_INFINITY);
    }
    const noMax: ChannelUsage = { amountMsat: 1e12, inflightHtlcMsat: 0, capacityMsat: Number.POSITIVE_INFINITY, capacityKind: 'hint' };
    assert.equal(s.channelPenaltyMsat(99n, true, noMax), 0);
  });

  test('manual node penalties replace the penalty of channels towards that node', () => {
    const g = fundedGraph();
    const s = new ProbabilisticScorer({}, g, nullLogger, { manualNodePenalties: new Map([[toHex(TARGET), 12_345]]) });
    assert.equal(s.channelPenaltyMsat(42n, towards(g, 42n, TARGET), total(1000)), 12_345);
    assert.notEqual(s.channelPenaltyMsat(42n, towards(g, 42n, SOURCE), total(1000)), 12_345);
    s.setFeeParameters({ manualNodePenalties: new Map([[toHex(SOURCE), Number.POSITIVE_INFINITY]]) });
    assert.equal(s.channelPenaltyMsat(42n, towards(g, 42n, SOURCE), total(1000)), Number.POSITIVE_INFINITY);
  });
});

describe('ProbabilisticScorer: learning', () => {
  // The live-bounds model on (it is off in LDK's defaults), the historical one off, to see bounds alone.
  const live: Partial<ProbabilisticScoringFeeParameters> = {
    liquidityPenaltyMultiplierMsat: 1_000,
    historicalLiquidityPenaltyMultiplierMsat: 0,
    historicalLiquidityPenaltyAmountMultiplierMsat: 0,
  };

  test('failure at a channel lowers its upper bound and raises the lower bounds of the channels before it', () => {
    const g = fundedGraph();
    const d42 = towards(g, 42n, TARGET);
    const d43 = towards(g, 43n, RECIPIENT);
    for (const params of [{}, live]) {
      const s = new ProbabilisticScorer({}, g, nullLogger, params);
      const impossible = s.feeParams.consideredImpossiblePenaltyMsat;
      const A = 400_000_000;
      // (Not much smaller amounts: below 1/64 failure probability the live model charges 0 either way.)
      const before = [5e7, 1e8, A - 1, A].map((a) => s.channelPenaltyMsat(43n, d43, total(a)));
      const before42 = [5e7, 1e8, A].map((a) => s.channelPenaltyMsat(42n, d42, total(a)));
      s.paymentPathFailed(pathFor(A), 43n, 0);
      assert.deepEqual(s.estimatedChannelLiquidityRange(43n, d43), { minMsat: 0, maxMsat: A });
      assert.deepEqual(s.estimatedChannelLiquidityRange(42n, d42), { minMsat: A, maxMsat: CAP });
      assert.equal(s.estimatedChannelLiquidityRange(41n, true), undefined, 'channel 41 is not in the graph: skipped');
      assert.equal(s.size, 2);
      // At the failed channel: A and above now carry the impossible penalty; less is dearer than before.
      assert.ok(s.channelPenaltyMsat(43n, d43, total(A)) >= impossible);
      assert.ok(s.channelPenaltyMsat(43n, d43, total(A + 1e6)) >= impossible);
      const after = [5e7, 1e8, A - 1].map((a) => s.channelPenaltyMsat(43n, d43, total(a)));
      for (let i = 0; i < after.length; i++) {
        assert.ok(after[i]! < impossible, 'below the bound is still possible');
        assert.ok(after[i]! > before[i]!, `amount #${i}: ${after[i]} not dearer than ${before[i]}`);
      }
      // Before it: up to A is now cheaper (it carried A).
      const after42 = [5e7, 1e8, A].map((a) => s.channelPenaltyMsat(42n, d42, total(a)));
      for (let i = 0; i < after42.length; i++) assert.ok(after42[i]! < before42[i]!, `channel 42 amount #${i}`);
    }
  });

  test('a failure after the failed channel teaches nothing about later channels; probeFailed is the same', () => {
    const g = fundedGraph();
    const s = new ProbabilisticScorer({}, g, nullLogger);
    s.probeFailed(pathFor(1000), 42n, 0);
    assert.deepEqual(s.estimatedChannelLiquidityRange(42n, towards(g, 42n, TARGET)), { minMsat: 0, maxMsat: 1000 });
    assert.equal(s.estimatedChannelLiquidityRange(43n, true), undefined);
    assert.equal(s.estimatedChannelLiquidityRange(43n, false), undefined);
  });

  test('success lowers upper bounds by the amount and records the pre-payment lower bound in the history; a successful probe raises lower bounds', () => {
    const g = fundedGraph();
    const d42 = towards(g, 42n, TARGET);
    const d43 = towards(g, 43n, RECIPIENT);
    const s = new ProbabilisticScorer({}, g, nullLogger, { linearSuccessProbability: true });
    const A = 200_000_000;
    const before = s.channelPenaltyMsat(43n, d43, total(A / 2));
    s.paymentPathSuccessful(pathFor(A), 0);
    for (const [scid, d] of [
      [42n, d42],
      [43n, d43],
    ] as const) {
      assert.deepEqual(s.estimatedChannelLiquidityRange(scid, d), { minMsat: 0, maxMsat: CAP - A });
      // The history says this direction had at least A: amounts up to A look certain, A/2 cheaper than before.
      const h = s.historicalEstimatedChannelLiquidityProbabilities(scid, d)!;
      assert.equal(h.min.reduce((x, y) => x + y), 32);
      assert.ok(h.min.findIndex((x) => x > 0) > 0);
    }
    assert.ok(s.channelPenaltyMsat(43n, d43, total(A / 2)) < before);

    const t = new ProbabilisticScorer({}, g, nullLogger, live);
    const probeBefore = t.channelPenaltyMsat(43n, d43, total(A / 2));
    t.probeSuccessful(pathFor(A), 0);
    assert.deepEqual(t.estimatedChannelLiquidityRange(42n, d42), { minMsat: A, maxMsat: CAP });
    assert.deepEqual(t.estimatedChannelLiquidityRange(43n, d43), { minMsat: A, maxMsat: CAP });
    assert.equal(t.channelPenaltyMsat(43n, d43, total(A / 2)) < probeBefore, true);
    // At or below the lower bound the live model is certain: only the base terms are left.
    assert.equal(t.channelPenaltyMsat(43n, d43, total(A)), Math.floor(1024 + (131_072 * A) / 2 ** 30 + 250));
  });

  test("direction matters: the failing direction's upper bound is the other direction's lower bound", () => {
    const g = fundedGraph();
    const d = towards(g, 43n, RECIPIENT);
    const s = new ProbabilisticScorer({}, g, nullLogger, live);
    const A = 300_000_000;
    const otherBefore = [1e6, A, CAP - A - 1, CAP - A, CAP - 1].map((a) => s.channelPenaltyMsat(43n, !d, total(a)));
    s.paymentPathFailed(pathFor(A), 43n, 0);
    assert.ok(s.channelPenaltyMsat(43n, d, total(A)) >= s.feeParams.consideredImpossiblePenaltyMsat);
    // The other way, what TARGET could not send, RECIPIENT can: nothing becomes impossible, nothing dearer.
    assert.deepEqual(s.estimatedChannelLiquidityRange(43n, !d), { minMsat: CAP - A, maxMsat: CAP });
    const otherAfter = [1e6, A, CAP - A - 1, CAP - A, CAP - 1].map((a) => s.channelPenaltyMsat(43n, !d, total(a)));
    for (let i = 0; i < otherAfter.length; i++) {
      assert.ok(otherAfter[i]! <= otherBefore[i]!, `amount #${i}`);
      assert.ok(otherAfter[i]! < s.feeParams.consideredImpossiblePenaltyMsat);
    }
  });

  test('channels the graph does not know, or hops that do not match the channel, are skipped', () => {
    const g = fundedGraph();
    const s = new ProbabilisticScorer({}, g, nullLogger);
    s.paymentPathFailed({ hops: [hop(SOURCE, 41n, 1n), hop(SENDER, 42n, 2n), hop(RECIPIENT, 43n, 1000n)] }, 99n, 0);
    assert.equal(s.size, 1, 'only 43 (42 does not lead to SENDER, 41 is unknown)');
    assert.ok(s.estimatedChannelLiquidityRange(43n, towards(g, 43n, RECIPIENT)));
  });

  test('decay: each half-life halves the offsets, back to the prior in the end', () => {
    const g = fundedGraph();
    const d = towards(g, 43n, RECIPIENT);
    const HALF = 100;
    const s = new ProbabilisticScorer({ liquidityOffsetHalfLifeSecs: HALF, historicalNoUpdatesHalfLifeSecs: 10 }, g, nullLogger, live);
    const prior = [1e6, 1e8, 5e8].map((a) => s.channelPenaltyMsat(43n, d, total(a)));
    const A = 200_000_000;
    const t0 = 1_700_000_000;
    s.paymentPathFailed(pathFor(A), 43n, t0);
    const off0 = CAP - A;
    assert.deepEqual(s.estimatedChannelLiquidityRange(43n, d), { minMsat: 0, maxMsat: A });
    s.timePassed(t0 + HALF / 2); // 2^-0.5 after a half half-life
    assert.deepEqual(s.estimatedChannelLiquidityRange(43n, d), { minMsat: 0, maxMsat: CAP - Math.floor(off0 * Math.SQRT1_2) });
    s.timePassed(t0 + HALF);
    const off1 = Math.floor(Math.floor(off0 * Math.SQRT1_2) * Math.SQRT1_2);
    assert.ok(Math.abs(off1 - off0 / 2) <= 2, 'one half-life: offset halved');
    assert.deepEqual(s.estimatedChannelLiquidityRange(43n, d), { minMsat: 0, maxMsat: CAP - off1 });
    // The lower bound of the channel before it decays the same way.
    assert.equal(s.estimatedChannelLiquidityRange(42n, towards(g, 42n, TARGET))!.minMsat, Math.floor(Math.floor(A * Math.SQRT1_2) * Math.SQRT1_2));
    const mid = s.channelPenaltyMsat(43n, d, total(5e8));
    assert.ok(mid < s.feeParams.consideredImpossiblePenaltyMsat, '5e8 is below the decayed upper bound');
    assert.ok(mid > prior[2]!);
    s.timePassed(t0 + 70 * HALF);
    assert.equal(s.size, 0, 'everything decayed to nothing: forgotten');
    assert.deepEqual(
      [1e6, 1e8, 5e8].map((a) => s.channelPenaltyMsat(43n, d, total(a))),
      prior,
    );
  });

  test("LDK's decays_liquidity_bounds_over_time: the live model's penalties as the bounds decay", () => {
    // LDK's test graph: channel 42 of unknown capacity, htlc_maximum 1,000 msat towards TARGET.
    const g = new NetworkGraph(new Uint8Array(32));
    const d = compareBytes(SOURCE, TARGET) < 0;
    addChannel(g, 42n, SOURCE, TARGET, d ? { htlcMax12: 1_000n, htlcMax21: 0n } : { htlcMax12: 0n, htlcMax21: 1_000n });
    addChannel(g, 43n, TARGET, RECIPIENT, { htlcMax12: 1_000n, htlcMax21: 1_000n });
    const s = new ProbabilisticScorer({ liquidityOffsetHalfLifeSecs: 10 }, g, nullLogger, {
      ...ZERO_PENALTY,
      liquidityPenaltyMultiplierMsat: 1_000,
      consideredImpossiblePenaltyMsat: Number.POSITIVE_INFINITY,
    });
    const pen = (a: number) => s.channelPenaltyMsat(42n, d, { ...total(a, 1024), htlcMaximumMsat: 1024 });
    // [amount, LDK's penalty, tolerance]: LDK takes log10 from a table in coarse steps, so compare
    // within 3% + 2 msat unless told (exactly for 0 and ∞).
    const check = (rows: [number, number, number?][]) => {
      for (const [a, ldk, tol = 0.03] of rows) {
        const v = pen(a);
        if (ldk === 0 || ldk === Number.POSITIVE_INFINITY) assert.equal(v, ldk, `amount ${a}`);
        else assert.ok(Math.abs(v - ldk) <= tol * ldk + 2, `amount ${a}: ${v} vs LDK ${ldk}`);
      }
    };
    check([
      [0, 0],
      [1_023, 2_000],
    ]);
    s.paymentPathFailed(pathFor(768), 42n, 0);
    s.paymentPathFailed(pathFor(128), 43n, 0);
    check([
      [128, 0],
      [256, 93],
      [768, 1_479],
      [896, Number.POSITIVE_INFINITY],
    ]);
    s.timePassed(5); // half a half-life
    check([
      [128, 22],
      [256, 106],
      [768, 921],
      [896, Number.POSITIVE_INFINITY],
    ]);
    s.timePassed(10); // one half-life
    check([
      [64, 0],
      [128, 34],
      // p = 13/847 here; LDK's table reads every numerator in 8..15 as 9 (log10(9)), so it says
      // 1,970 where −log10(13/847) × 1000 is 1,814.
      [896, 1_970, 0.09],
      [960, Number.POSITIVE_INFINITY],
    ]);
    s.timePassed(10 * 8); // the lower bound fully decayed
    check([
      [0, 0],
      [1, 0],
      [1_023, 2_000],
      [1_024, Number.POSITIVE_INFINITY],
    ]);
    s.timePassed(10 * 9); // and the upper bound
    check([
      [0, 0],
      [1_024, Number.POSITIVE_INFINITY],
    ]);
  });

  test('a half-life of 0 forgets the bounds at the next timePassed', () => {
    const g = fundedGraph();
    const d = towards(g, 43n, RECIPIENT);
    const s = new ProbabilisticScorer({ liquidityOffsetHalfLifeSecs: 0 }, g, nullLogger);
    s.paymentPathFailed(pathFor(1e8), 43n, 5);
    s.timePassed(5);
    assert.deepEqual(s.estimatedChannelLiquidityRange(43n, d), { minMsat: 0, maxMsat: CAP });
    assert.equal(s.size, 2, 'the history remains');
  });
});

describe('ProbabilisticScorer: historical buckets (LDK remembers_historical_failures)', () => {
  test('buckets, probabilities and penalties; decay of the history', () => {
    // LDK's test graph: channel 42 of unknown capacity, htlc_maximum 1,000 msat towards TARGET.
    const g = new NetworkGraph(new Uint8Array(32));
    const d = compareBytes(SOURCE, TARGET) < 0;
    addChannel(g, 42n, SOURCE, TARGET, d ? { htlcMax12: 1_000n, htlcMax21: 0n } : { htlcMax12: 0n, htlcMax21: 1_000n });
    addChannel(g, 43n, TARGET, RECIPIENT, { htlcMax12: 1_000n, htlcMax21: 1_000n });
    const params: Partial<ProbabilisticScoringFeeParameters> = {
      ...ZERO_PENALTY,
      historicalLiquidityPenaltyMultiplierMsat: 1024,
      historicalLiquidityPenaltyAmountMultiplierMsat: 1024,
    };
    const s = new ProbabilisticScorer({ liquidityOffsetHalfLifeSecs: 3600, historicalNoUpdatesHalfLifeSecs: 10 }, g, nullLogger, params);
    const usage = { ...total(100, 1024), htlcMaximumMsat: 1024 };
    const usage1 = { ...total(1, 1024), htlcMaximumMsat: 1024 };
    // LDK's values come from its log10 lookup table; ours are exact, so compare within 3%.
    const near = (actual: number, ldk: number) => assert.ok(Math.abs(actual - ldk) <= 0.03 * ldk, `${actual} vs LDK ${ldk}`);

    near(s.channelPenaltyMsat(42n, d, usage), 135);
    assert.equal(s.historicalEstimatedChannelLiquidityProbabilities(42n, d), undefined);
    assert.equal(s.historicalEstimatedPaymentSuccessProbability(42n, d, 42), undefined);

    s.paymentPathFailed(pathFor(1), 42n, 0);
    near(s.channelPenaltyMsat(42n, d, usage), 2048);
    near(s.channelPenaltyMsat(42n, d, usage1), 220);
    const z = new Array(32).fill(0);
    const at = (...pairs: [number, number][]) => {
      const a = [...z];
      for (const [i, v] of pairs) a[i] = v;
      return a;
    };
    assert.deepEqual(s.historicalEstimatedChannelLiquidityProbabilities(42n, d), { min: at([0, 32]), max: at([6, 32]) });
    assert.ok(s.historicalEstimatedPaymentSuccessProbability(42n, d, 1)! > 0.35);
    assert.equal(s.historicalEstimatedPaymentSuccessProbability(42n, d, 500), 0);

    // Enough liquidity was seen later, but the earlier failure is remembered.
    s.paymentPathFailed(pathFor(1000), 43n, 0);
    near(s.channelPenaltyMsat(42n, d, usage), 83);
    assert.deepEqual(s.historicalEstimatedChannelLiquidityProbabilities(42n, d), { min: at([0, 31], [26, 32]), max: at([6, 31], [31, 32]) });
    const p500 = s.historicalEstimatedPaymentSuccessProbability(42n, d, 500)!;
    assert.ok(p500 > 0.61 && p500 < 0.62, `${p500}`);
    const p1 = s.historicalEstimatedPaymentSuccessProbability(42n, d, 1)!;
    assert.ok(p1 > 0.88 && p1 < 0.89, `${p1}`);

    // 16 history half-lives: all of it gone, the no-history penalty again.
    s.timePassed(10 * 16);
    near(s.channelPenaltyMsat(42n, d, usage), 135);
    assert.deepEqual(s.historicalEstimatedChannelLiquidityProbabilities(42n, d), { min: z, max: z });
    assert.equal(s.historicalEstimatedPaymentSuccessProbability(42n, d, 1), undefined);

    // In-flight HTLCs filling the channel, and a zero capacity: the largest penalty, no division by zero.
    s.paymentPathFailed(pathFor(1), 42n, 10 * 16);
    near(s.channelPenaltyMsat(42n, d, { ...usage, inflightHtlcMsat: 1024 }), 2048);
    near(s.channelPenaltyMsat(42n, d, { amountMsat: 1, inflightHtlcMsat: 0, capacityMsat: 0, capacityKind: 'htlc-maximum' }), 2048);

    // Once the bounds decay too, the channel is forgotten.
    s.timePassed(10 * (16 + 60 * 60));
    assert.equal(s.historicalEstimatedChannelLiquidityProbabilities(42n, d), undefined);
    // The other direction has htlc_maximum 0: learning against a zero capacity must not break.
    s.paymentPathFailed({ hops: [hop(TARGET, 43n, 2n), hop(SOURCE, 42n, 1n), hop(SENDER, 41n, 0n)] }, 42n, 10 * (16 + 60 * 60));
    assert.ok(Number.isFinite(s.channelPenaltyMsat(42n, !d, { amountMsat: 1, inflightHtlcMsat: 0, capacityMsat: 0, capacityKind: 'htlc-maximum' })));
  });

  test('bucket decay halves per half-life without updates (LDK historical_liquidity_bucket_decay)', () => {
    const g = new NetworkGraph(new Uint8Array(32));
    addChannel(g, 43n, TARGET, RECIPIENT, { capacitySat: 1n, htlcMax12: 1000n, htlcMax21: 1000n });
    const d = towards(g, 43n, RECIPIENT);
    const s = new ProbabilisticScorer({ historicalNoUpdatesHalfLifeSecs: 1000, liquidityOffsetHalfLifeSecs: 1e12 }, g, nullLogger);
    // A success of 100 msat over a 1,000 msat channel: the lower bound's history sits at 100.
    s.paymentPathSuccessful({ hops: [hop(RECIPIENT, 43n, 100n)] }, 0);
    const lowBucket = (v: number) => {
      const a = new Array(32).fill(0);
      a[11] = v;
      return a;
    };
    assert.deepEqual(s.historicalEstimatedChannelLiquidityProbabilities(43n, d)!.min, lowBucket(32));
    s.timePassed(1000); // not more than one half-life without updates: no decay yet
    assert.deepEqual(s.historicalEstimatedChannelLiquidityProbabilities(43n, d)!.min, lowBucket(32));
    s.timePassed(2000);
    assert.deepEqual(s.historicalEstimatedChannelLiquidityProbabilities(43n, d)!.min, lowBucket(8), 'two half-lives: a quarter');
  });
});

describe('ProbabilisticScorer: write/read', () => {
  function learned(): { g: NetworkGraph; s: ProbabilisticScorer } {
    const g = fundedGraph();
    const s = new ProbabilisticScorer({}, g, nullLogger, { liquidityPenaltyMultiplierMsat: 2_000 });
    s.paymentPathFailed(pathFor(300_000_000), 43n, 1_700_000_000.25);
    s.paymentPathSuccessful(pathFor(50_000_000), 1_700_000_100.5);
    s.probeSuccessful(pathFor(10_000_000), 1_700_000_200);
    s.timePassed(1_700_000_900);
    return { g, s };
  }

  test('round trip: the same bytes and the same penalties', () => {
    const { g, s } = learned();
    const bytes = s.write();
    const back = ProbabilisticScorer.read(bytes, {}, g, nullLogger, { liquidityPenaltyMultiplierMsat: 2_000 });
    assert.ok(back instanceof ProbabilisticScorer, String(back));
    assert.deepEqual(back.write(), bytes);
    assert.equal(back.size, s.size);
    for (const scid of [42n, 43n, 44n])
      for (const dir of [true, false])
        for (const a of [1, 1e6, 5e7, 2e8, 3e8, 7e8, CAP - 1, CAP]) {
          assert.equal(back.channelPenaltyMsat(scid, dir, total(a)), s.channelPenaltyMsat(scid, dir, total(a)), `${scid} ${dir} ${a}`);
        }
    // And they keep learning and decaying alike.
    for (const x of [s, back]) {
      x.paymentPathFailed(pathFor(1e8), 42n, 1_700_001_000);
      x.timePassed(1_700_009_000);
    }
    assert.deepEqual(back.write(), s.write());
    const empty = new ProbabilisticScorer({}, g, nullLogger).write();
    assert.ok(ProbabilisticScorer.read(empty, {}, g, nullLogger) instanceof ProbabilisticScorer);
  });

  test('every truncation, trailing bytes, a wrong version, a repeated channel and bad values are DecodeErrors', () => {
    const { g, s } = learned();
    const bytes = s.write();
    for (let n = 0; n < bytes.length; n++) {
      assert.ok(ProbabilisticScorer.read(bytes.subarray(0, n), {}, g, nullLogger) instanceof DecodeError, `prefix of ${n} bytes`);
    }
    assert.ok(ProbabilisticScorer.read(Uint8Array.of(...bytes, 0), {}, g, nullLogger) instanceof DecodeError);
    const v2 = bytes.slice();
    v2[0] = 2;
    assert.equal((ProbabilisticScorer.read(v2, {}, g, nullLogger) as DecodeError).kind, 'UnknownVersion');
    // Count 2, the first record twice.
    const rec = bytes.subarray(2, 2 + 8 * 3 + 8 * 2 + 64 * 2);
    assert.equal(bytes[1], 2);
    const twice = Uint8Array.of(1, 2, ...rec, ...rec);
    assert.ok(ProbabilisticScorer.read(twice, {}, g, nullLogger) instanceof DecodeError);
    // An offset beyond 2^53 msat, and a time that is not finite.
    const big = Uint8Array.of(1, 1, ...rec);
    big.fill(0xff, 2 + 8, 2 + 16);
    assert.equal((ProbabilisticScorer.read(big, {}, g, nullLogger) as DecodeError).kind, 'InvalidValue');
    const nan = Uint8Array.of(1, 1, ...rec);
    nan.fill(0xff, 2 + 24, 2 + 32);
    assert.equal((ProbabilisticScorer.read(nan, {}, g, nullLogger) as DecodeError).kind, 'InvalidValue');
  });
});

describe('minimumPenaltyMsat (the router’s A* estimate)', () => {
  test('never above a real penalty of a gossip channel carrying at least that amount, with or without history', () => {
    const g = fundedGraph();
    const s = new ProbabilisticScorer({}, g, nullLogger);
    // Some history on channel 42, so learned bounds and buckets are in play too.
    s.paymentPathFailed(pathFor(300_000_000), 42n, 1000);
    s.paymentPathSuccessful(pathFor(100_000_000), 2000);
    const kinds = ['total', 'htlc-maximum', 'unknown'] as const;
    for (let amount = 1; amount < CAP; amount = Math.ceil(amount * 1.7) + 13) {
      const min = s.minimumPenaltyMsat(amount);
      assert.ok(min >= defaultFeeParameters().basePenaltyMsat);
      for (const scid of [42n, 43n, 99n]) {
        for (const oneToTwo of [true, false]) {
          for (const kind of kinds) {
            for (const more of [0, 1, amount]) {
              const p = s.channelPenaltyMsat(scid, oneToTwo, { amountMsat: amount + more, inflightHtlcMsat: 0, capacityMsat: CAP, capacityKind: kind });
              assert.ok(min <= p, `amount ${amount}+${more} ${kind}: ${min} > ${p}`);
            }
          }
        }
      }
    }
    assert.equal(new FixedPenaltyScorer(321).minimumPenaltyMsat(5), 321);
  });

  test('with manual node penalties there is no bound (they replace the whole penalty)', () => {
    const s = new ProbabilisticScorer({}, fundedGraph(), nullLogger, { manualNodePenalties: new Map([[toHex(TARGET), 0]]) });
    assert.equal(s.minimumPenaltyMsat(1_000_000), 0);
  });
});
