/**
 * The probabilistic scorer (LDK 0.1's `ProbabilisticScorer` in `lightning/src/routing/scoring.rs`):
 * per channel direction, bounds on the available liquidity learned from payment and probe
 * outcomes, a history of those bounds, and a penalty from the success probability they imply
 * (the model of Pickhardt and Richter, *Optimally Reliable & Cheap Payment Flows on the Lightning
 * Network*, https://arxiv.org/abs/2107.05322).
 *
 * What an outcome teaches, for a path carrying `amount` (its final value, as LDK uses):
 * - failure at channel X: X's liquidity is below `amount` (upper bound), the channels before X had
 *   at least `amount` (lower bound); channels after X learn nothing;
 * - success: every channel had at least `amount`, and now has `amount` less (the upper bound drops);
 * - a probe that succeeded: every channel had at least `amount` (nothing was sent for real).
 *
 * Time: the caller passes `nowSecs`. As in LDK 0.1, bounds and history decay only in
 * {@link ProbabilisticScorer.timePassed}; a lookup reads the stored state as is, so call
 * `timePassed` periodically (LDK's background processor does every few minutes).
 *
 * Deviations from LDK 0.1, all deliberate:
 * - penalties are computed in doubles with `Math.log10`, not LDK's integer lookup-table
 *   approximation (see `probability.ts`), and rounded down to whole msat at the end;
 * - LDK scores only public channels and returns 0 for first hops and route hints; here a channel
 *   of kind `exact` (ours) or `hint` costs 0 when the amount fits and `Infinity` otherwise (LDK's
 *   `ExactLiquidity`/`HintMaxHTLC` branch), so both agree for every amount the router would send;
 * - updates learn a channel direction when the graph knows the channel and that direction's
 *   policy (LDK requires both directions' policies); channels not in the graph are skipped;
 * - bucket decay is LDK 0.1.1's fixed formula, not v0.1.0's (see `historical.ts`);
 * - the fee parameters are given at construction (or replaced with
 *   {@link ProbabilisticScorer.setFeeParameters}), not per call: `ScoreLookUp.channelPenaltyMsat`
 *   has no parameter argument.
 * @module
 */
import { equalBytes } from '../../util/bytes.js';
import { DecodeError } from '../../util/errors.js';
import { toHex } from '../../util/hex.js';
import type { Logger } from '../../util/logger.js';
import { asDecodeError } from '../../util/ser/codec.js';
import { ByteReader } from '../../util/ser/reader.js';
import { ByteWriter } from '../../util/ser/writer.js';
import type { ChannelInfo, NetworkGraph } from '../network_graph.js';
import { type Path, pathFinalValueMsat, type RouteHop } from '../route.js';
import { BUCKETS, historicalSuccessProbability, validPointCount } from './historical.js';
import { ChannelLiquidity } from './liquidity.js';
import {
  DEFAULT_DECAY_PARAMETERS,
  defaultFeeParameters,
  type ProbabilisticScoringDecayParameters,
  type ProbabilisticScoringFeeParameters,
  UNKNOWN_CHANNEL_CAPACITY_MSAT,
} from './params.js';
import {
  AMOUNT_PENALTY_DIVISOR,
  BASE_AMOUNT_PENALTY_DIVISOR,
  NEGATIVE_LOG10_UPPER_BOUND,
  negativeLog10,
  successProbability,
} from './probability.js';
import type { ChannelUsage, Score } from './score.js';

const MODULE = 'routing::scoring';

/** Format version of {@link ProbabilisticScorer.write}. */
const SCORER_VERSION = 1;

/** A capacity that is not a finite number is taken as LDK's `EffectiveCapacity::Infinite` (`u64::MAX`). */
const INFINITE_CAPACITY_MSAT = 2 ** 64;

/** Failure probabilities below 1/64 cost nothing in the live model (LDK's `PRECISION_LOWER_BOUND_DENOMINATOR`). */
const PRECISION_LOWER_BOUND = 1 - 1 / 64;

/** Historical probabilities are taken in 2^-30 steps, plus one step, as LDK does. */
const BILLIONISH = 2 ** 30;

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/**
 * The capacity a channel direction is learned against (LDK's `effective_capacity().as_msat()`):
 * the funding capacity when known, else the direction's `htlc_maximum_msat`; undefined without
 * that direction's policy.
 */
function learningCapacityMsat(c: ChannelInfo, oneToTwo: boolean): number | undefined {
  const pol = oneToTwo ? c.oneToTwo : c.twoToOne;
  if (!pol) return undefined;
  return c.capacityMsat ?? pol.htlcMaximum;
}

// Floats are written as their IEEE 754 bytes, so the caller's times survive exactly.
const f64Buf = new DataView(new ArrayBuffer(8));
function writeF64(w: ByteWriter, v: number): void {
  f64Buf.setFloat64(0, v);
  w.bytes(new Uint8Array(f64Buf.buffer));
}
function readF64(r: ByteReader): number {
  const b = r.bytes(8);
  return new DataView(b.buffer, b.byteOffset, 8).getFloat64(0);
}
function readMsat(r: ByteReader, what: string): number {
  const v = r.u64();
  if (v > BigInt(MAX_SAFE)) throw new DecodeError('InvalidValue', `${what} above 2^53 msat`);
  return Number(v);
}

/** A channel direction's learned liquidity range (msat). */
export interface LiquidityRange {
  readonly minMsat: number;
  readonly maxMsat: number;
}

/**
 * Scores channels by the probability that they can carry an amount (LDK's `ProbabilisticScorer`).
 * See the module doc for the model, the time semantics and the deviations from LDK.
 *
 * @example
 * const scorer = new ProbabilisticScorer(DEFAULT_DECAY_PARAMETERS, graph, logger);
 * const route = getRoute(..., { scorer });
 * // after the payment: scorer.paymentPathFailed(path, failingScid, nowSecs), then periodically:
 * scorer.timePassed(nowSecs);
 */
export class ProbabilisticScorer implements Score {
  private readonly liquidities = new Map<bigint, ChannelLiquidity>();
  readonly decayParams: ProbabilisticScoringDecayParameters;
  private fee!: ProbabilisticScoringFeeParameters;
  // Precomputed from `fee` (setFeeParameters): the lookup path does arithmetic only.
  private basePenalty = 0;
  private baseAmountPerMsat = 0;
  private liveMul = 0;
  private liveAmountPerMsat = 0;
  private liveEnabled = false;
  private histMul = 0;
  private histAmountPerMsat = 0;
  private histEnabled = false;
  private antiProbing = 0;
  private impossible = 0;
  private linear = false;
  private manual: ReadonlyMap<string, number> | undefined;

  /**
   * @param decayParams - half-lives (missing fields: LDK 0.1's defaults, {@link DEFAULT_DECAY_PARAMETERS}).
   * @param graph - the gossip graph, read on updates (which channel a hop is, its capacity) and
   *   for the anti-probing check when the usage does not carry `htlcMaximumMsat`.
   * @param logger - gets one `debug` record per bound learned.
   * @param feeParams - penalty parameters (missing fields: LDK 0.1's defaults, {@link defaultFeeParameters}).
   */
  constructor(
    decayParams: Partial<ProbabilisticScoringDecayParameters>,
    readonly graph: NetworkGraph,
    private readonly logger: Logger,
    feeParams: Partial<ProbabilisticScoringFeeParameters> = {},
  ) {
    this.decayParams = { ...DEFAULT_DECAY_PARAMETERS, ...decayParams };
    this.setFeeParameters(feeParams);
  }

  /** The penalty parameters in use. */
  get feeParams(): ProbabilisticScoringFeeParameters {
    return this.fee;
  }

  /** Replaces the penalty parameters (missing fields: LDK 0.1's defaults); takes effect at the next lookup. */
  setFeeParameters(feeParams: Partial<ProbabilisticScoringFeeParameters>): void {
    const p = { ...defaultFeeParameters(), ...feeParams };
    this.fee = p;
    this.basePenalty = p.basePenaltyMsat;
    this.baseAmountPerMsat = p.basePenaltyAmountMultiplierMsat / BASE_AMOUNT_PENALTY_DIVISOR;
    this.liveMul = p.liquidityPenaltyMultiplierMsat;
    this.liveAmountPerMsat = p.liquidityPenaltyAmountMultiplierMsat / AMOUNT_PENALTY_DIVISOR;
    this.liveEnabled = this.liveMul !== 0 || this.liveAmountPerMsat !== 0;
    this.histMul = p.historicalLiquidityPenaltyMultiplierMsat;
    this.histAmountPerMsat = p.historicalLiquidityPenaltyAmountMultiplierMsat / AMOUNT_PENALTY_DIVISOR;
    this.histEnabled = this.histMul !== 0 || this.histAmountPerMsat !== 0;
    this.antiProbing = p.antiProbingPenaltyMsat;
    this.impossible = p.consideredImpossiblePenaltyMsat;
    this.linear = p.linearSuccessProbability;
    this.manual = p.manualNodePenalties.size > 0 ? p.manualNodePenalties : undefined;
  }

  /** Number of channels with learned state. */
  get size(): number {
    return this.liquidities.size;
  }

  /**
   * The penalty for `usage` over channel `shortChannelId` in direction `oneToTwo` (LDK's
   * `channel_penalty_msat`), in whole msat (rounded down); see
   * {@link ProbabilisticScoringFeeParameters} for the terms. A channel with no learned state costs
   * a map lookup, arithmetic and, when the historical multipliers are on (the default), one
   * `Math.log10`; nothing is allocated. For `total` capacity, pass `usage.htlcMaximumMsat`: without
   * it the anti-probing check looks the channel up in the graph (several times slower).
   */
  channelPenaltyMsat(shortChannelId: bigint, oneToTwo: boolean, usage: ChannelUsage): number {
    const amount = usage.amountMsat;
    const kind = usage.capacityKind;
    let cap = usage.capacityMsat;
    if (kind === 'exact' || kind === 'hint') return amount > cap ? Number.POSITIVE_INFINITY : 0;
    if (this.manual !== undefined) {
      const m = this.manualPenalty(shortChannelId, oneToTwo);
      if (m !== undefined) return m;
    }
    let extra = this.basePenalty + this.baseAmountPerMsat * amount;
    if (kind === 'total') {
      if (this.antiProbing !== 0 && this.htlcMaxAtLeastHalf(shortChannelId, oneToTwo, usage.htlcMaximumMsat, cap)) {
        extra += this.antiProbing;
      }
    } else if (kind === 'unknown') {
      cap = UNKNOWN_CHANNEL_CAPACITY_MSAT;
    }
    if (!(cap < INFINITE_CAPACITY_MSAT)) cap = INFINITE_CAPACITY_MSAT;

    const liq = this.liquidities.get(shortChannelId);
    const total = amount + usage.inflightHtlcMsat;
    let maxL = cap;
    let minL = 0;
    if (liq !== undefined) {
      maxL = liq.maxLiquidityMsat(oneToTwo, cap);
      minL = Math.min(liq.minLiquidityMsat(oneToTwo), maxL);
    }

    let res = 0;
    if (this.liveEnabled && total > minL) {
      if (total >= maxL) {
        res = NEGATIVE_LOG10_UPPER_BOUND * (this.liveMul + this.liveAmountPerMsat * amount);
      } else {
        const p = successProbability(total, minL, maxL, cap, this.linear, false);
        // Below 1/64 failure probability the live model charges nothing (LDK's precision cut-off).
        if (!(p > PRECISION_LOWER_BOUND)) res = negativeLog10(p) * (this.liveMul + this.liveAmountPerMsat * amount);
      }
    }
    if (total >= maxL) res += this.impossible;
    if (total >= cap) {
      // More than the channel could ever carry: the largest historical penalty too.
      return Math.floor(res + NEGATIVE_LOG10_UPPER_BOUND * (this.histMul + this.histAmountPerMsat * amount) + extra);
    }
    if (this.histEnabled) {
      const h = liq === undefined ? -1 : historicalSuccessProbability(liq.buckets, oneToTwo, liq.totalValidPoints, total, cap, this.linear);
      // No (or fully decayed) history: the capacity alone, no success seen.
      const p = h >= 0 ? (Math.floor(h * BILLIONISH) + 1) / BILLIONISH : successProbability(total, 0, cap, cap, this.linear, true);
      res += negativeLog10(p) * (this.histMul + this.histAmountPerMsat * amount);
    }
    // Whole msat, as LDK's u64 (and a small integer is returned unboxed, so a lookup allocates nothing).
    return Math.floor(res + extra);
  }

  /**
   * Every gossip channel pays at least the base penalty and the amount-scaled base penalty; the
   * liquidity, historical and anti-probing terms only add. Manual node penalties replace the
   * whole penalty, so with any set there is no useful bound.
   */
  minimumPenaltyMsat(amountMsat: number): number {
    if (this.manual !== undefined && this.manual.size > 0) return 0;
    return Math.floor(this.basePenalty + this.baseAmountPerMsat * amountMsat);
  }

  private htlcMaxAtLeastHalf(scid: bigint, oneToTwo: boolean, htlcMax: number | undefined, cap: number): boolean {
    if (htlcMax !== undefined) return htlcMax >= cap / 2;
    const c = this.graph.channel(scid);
    const pol = c === undefined ? undefined : oneToTwo ? c.oneToTwo : c.twoToOne;
    return pol !== undefined && pol.htlcMaximum >= cap / 2;
  }

  private manualPenalty(scid: bigint, oneToTwo: boolean): number | undefined {
    const c = this.graph.channel(scid);
    if (c === undefined) return undefined;
    return this.manual!.get(toHex(oneToTwo ? c.node2 : c.node1));
  }

  /** The channel and direction a hop used, with the capacity to learn against; undefined to skip it. */
  private resolveHop(hop: RouteHop): { oneToTwo: boolean; capacityMsat: number } | undefined {
    const c = this.graph.channel(hop.shortChannelId);
    if (c === undefined) return undefined;
    // The hop leads to hop.pubkey, so its source is the channel's other node.
    let oneToTwo: boolean;
    if (equalBytes(hop.pubkey, c.node2)) oneToTwo = true;
    else if (equalBytes(hop.pubkey, c.node1)) oneToTwo = false;
    else return undefined;
    const capacityMsat = learningCapacityMsat(c, oneToTwo);
    return capacityMsat === undefined ? undefined : { oneToTwo, capacityMsat };
  }

  private entry(scid: bigint, nowSecs: number): ChannelLiquidity {
    let liq = this.liquidities.get(scid);
    if (liq === undefined) {
      liq = new ChannelLiquidity(nowSecs, nowSecs);
      this.liquidities.set(scid, liq);
    }
    return liq;
  }

  /** LDK's `payment_path_failed`; `failedScid` undefined: no hop failed (a successful probe). */
  private learnFailure(path: Path, failedScid: bigint | undefined, nowSecs: number): void {
    const amount = Number(pathFinalValueMsat(path));
    for (let i = 0; i < path.hops.length; i++) {
      const hop = path.hops[i]!;
      const atFailed = hop.shortChannelId === failedScid;
      if (atFailed && i === 0) {
        this.logger.log({
          level: 'warn',
          module: MODULE,
          message: `payment failed at the first hop ${hop.shortChannelId}: our own channel's state is known, so this may mean the peer is broken`,
        });
      }
      const d = this.resolveHop(hop);
      if (d === undefined) {
        this.logger.log({ level: 'debug', module: MODULE, message: `channel ${hop.shortChannelId} not scored: not in the graph` });
      } else {
        const liq = this.entry(hop.shortChannelId, nowSecs);
        if (atFailed) {
          if (liq.failedAtChannel(d.oneToTwo, amount, d.capacityMsat, nowSecs)) {
            this.logger.log({ level: 'debug', module: MODULE, message: `max liquidity of ${hop.shortChannelId} (${d.oneToTwo ? '1→2' : '2→1'}) set to ${amount}` });
          }
        } else if (liq.failedDownstream(d.oneToTwo, amount, d.capacityMsat, nowSecs)) {
          this.logger.log({ level: 'debug', module: MODULE, message: `min liquidity of ${hop.shortChannelId} (${d.oneToTwo ? '1→2' : '2→1'}) set to ${amount}` });
        }
      }
      if (atFailed) break;
    }
  }

  /** {@inheritDoc ScoreUpdate.paymentPathFailed} */
  paymentPathFailed(path: Path, shortChannelId: bigint, nowSecs: number): void {
    this.learnFailure(path, shortChannelId, nowSecs);
  }

  /** {@inheritDoc ScoreUpdate.paymentPathSuccessful} */
  paymentPathSuccessful(path: Path, nowSecs: number): void {
    const amount = Number(pathFinalValueMsat(path));
    for (const hop of path.hops) {
      const d = this.resolveHop(hop);
      if (d === undefined) continue;
      this.entry(hop.shortChannelId, nowSecs).successful(d.oneToTwo, amount, d.capacityMsat, nowSecs);
    }
  }

  /** {@inheritDoc ScoreUpdate.probeFailed} */
  probeFailed(path: Path, shortChannelId: bigint, nowSecs: number): void {
    this.learnFailure(path, shortChannelId, nowSecs);
  }

  /** A probe reached the end: every channel had the amount, and nothing was moved (LDK: a failure at no channel). */
  probeSuccessful(path: Path, nowSecs: number): void {
    this.learnFailure(path, undefined, nowSecs);
  }

  /**
   * Decays everything learned to `nowSecs` (see {@link ProbabilisticScoringDecayParameters}) and
   * forgets channels with nothing left (LDK 0.1's `time_passed`).
   */
  timePassed(nowSecs: number): void {
    const { liquidityOffsetHalfLifeSecs, historicalNoUpdatesHalfLifeSecs } = this.decayParams;
    for (const [scid, liq] of this.liquidities) {
      if (!liq.decay(nowSecs, liquidityOffsetHalfLifeSecs, historicalNoUpdatesHalfLifeSecs)) this.liquidities.delete(scid);
    }
  }

  /** The capacity the graph gives a channel direction, or undefined (not in the graph, no policy). */
  private graphCapacity(scid: bigint, oneToTwo: boolean): number | undefined {
    const c = this.graph.channel(scid);
    return c === undefined ? undefined : learningCapacityMsat(c, oneToTwo);
  }

  /**
   * The learned liquidity range of a channel direction, against the graph's capacity (LDK's
   * `estimated_channel_liquidity_range`); undefined when nothing was learned or the graph lacks it.
   */
  estimatedChannelLiquidityRange(shortChannelId: bigint, oneToTwo: boolean): LiquidityRange | undefined {
    const liq = this.liquidities.get(shortChannelId);
    const cap = this.graphCapacity(shortChannelId, oneToTwo);
    if (liq === undefined || cap === undefined) return undefined;
    return { minMsat: liq.minLiquidityMsat(oneToTwo), maxMsat: liq.maxLiquidityMsat(oneToTwo, cap) };
  }

  /**
   * The history buckets of a channel direction (LDK's
   * `historical_estimated_channel_liquidity_probabilities`): `min` the lower bound's 32 buckets
   * from zero up, `max` the upper bound's, also from zero up (reversed from their storage as
   * offsets below the capacity). Values are frequencies in 1/32 steps. Undefined when nothing is kept.
   */
  historicalEstimatedChannelLiquidityProbabilities(shortChannelId: bigint, oneToTwo: boolean): { min: number[]; max: number[] } | undefined {
    const liq = this.liquidities.get(shortChannelId);
    if (liq === undefined) return undefined;
    const lo = oneToTwo ? 0 : BUCKETS;
    const hi = oneToTwo ? BUCKETS : 0;
    return { min: Array.from(liq.buckets.subarray(lo, lo + BUCKETS)), max: Array.from(liq.buckets.subarray(hi, hi + BUCKETS)).reverse() };
  }

  /**
   * The success probability of `amountMsat` from the history alone (LDK's
   * `historical_estimated_payment_success_probability` without fallback): undefined when the
   * graph lacks the channel direction or there is not enough history.
   */
  historicalEstimatedPaymentSuccessProbability(shortChannelId: bigint, oneToTwo: boolean, amountMsat: number): number | undefined {
    const liq = this.liquidities.get(shortChannelId);
    const cap = this.graphCapacity(shortChannelId, oneToTwo);
    if (liq === undefined || cap === undefined) return undefined;
    const p = historicalSuccessProbability(liq.buckets, oneToTwo, liq.totalValidPoints, amountMsat, cap, this.linear);
    return p < 0 ? undefined : p;
  }

  /**
   * The success probability of `amountMsat` from the current bounds (LDK's
   * `live_estimated_payment_success_probability`): 1 at or below the lower bound, 0 above the
   * upper; undefined when the graph lacks the channel direction.
   */
  liveEstimatedPaymentSuccessProbability(shortChannelId: bigint, oneToTwo: boolean, amountMsat: number): number | undefined {
    const cap = this.graphCapacity(shortChannelId, oneToTwo);
    if (cap === undefined) return undefined;
    const liq = this.liquidities.get(shortChannelId);
    const max = liq ? liq.maxLiquidityMsat(oneToTwo, cap) : cap;
    const min = liq ? Math.min(liq.minLiquidityMsat(oneToTwo), max) : 0;
    if (amountMsat <= min) return 1;
    if (amountMsat >= max) return 0;
    return successProbability(amountMsat, min, max, cap, this.linear, false);
  }

  /**
   * Serializes what was learned (the parameters are not included: they are given again to
   * {@link ProbabilisticScorer.read}). Format, version 1: `u8` version, `bigsize` count, then per
   * channel `u64` short channel id, `u64` min offset, `u64` max offset (msat), `f64` last update
   * and `f64` last history update (the caller's seconds, IEEE 754 big-endian), 64 × `u16` buckets.
   */
  write(): Uint8Array {
    const w = new ByteWriter(16 + this.liquidities.size * (40 + 4 * BUCKETS));
    w.u8(SCORER_VERSION).bigSize(this.liquidities.size);
    for (const [scid, liq] of this.liquidities) {
      w.u64(scid).u64(BigInt(liq.minOffsetMsat)).u64(BigInt(liq.maxOffsetMsat));
      writeF64(w, liq.lastUpdatedSecs);
      writeF64(w, liq.offsetHistoryLastUpdatedSecs);
      for (let i = 0; i < 2 * BUCKETS; i++) w.u16(liq.buckets[i]!);
    }
    return w.finish();
  }

  /**
   * Reads a scorer written by {@link ProbabilisticScorer.write}.
   * @returns the scorer, or a {@link DecodeError} for malformed, truncated, over-long or
   *   other-version bytes (never throws).
   */
  static read(
    bytes: Uint8Array,
    decayParams: Partial<ProbabilisticScoringDecayParameters>,
    graph: NetworkGraph,
    logger: Logger,
    feeParams: Partial<ProbabilisticScoringFeeParameters> = {},
  ): ProbabilisticScorer | DecodeError {
    try {
      const r = new ByteReader(bytes);
      const version = r.u8();
      if (version !== SCORER_VERSION) return new DecodeError('UnknownVersion', `probabilistic scorer version ${version}`);
      const s = new ProbabilisticScorer(decayParams, graph, logger, feeParams);
      const n = r.bigSizeNumber();
      for (let i = 0; i < n; i++) {
        const scid = r.u64();
        const minOffset = readMsat(r, 'min offset');
        const maxOffset = readMsat(r, 'max offset');
        const lastUpdated = readF64(r);
        const historyUpdated = readF64(r);
        if (!Number.isFinite(lastUpdated) || !Number.isFinite(historyUpdated)) {
          return new DecodeError('InvalidValue', `channel ${scid}: time is not a finite number`);
        }
        const liq = new ChannelLiquidity(lastUpdated, historyUpdated);
        liq.minOffsetMsat = minOffset;
        liq.maxOffsetMsat = maxOffset;
        for (let j = 0; j < 2 * BUCKETS; j++) liq.buckets[j] = r.u16();
        liq.totalValidPoints = validPointCount(liq.buckets);
        if (s.liquidities.has(scid)) return new DecodeError('InvalidValue', `channel ${scid} appears twice`);
        s.liquidities.set(scid, liq);
      }
      if (!r.isEnd()) return new DecodeError('InvalidValue', 'trailing bytes after the probabilistic scorer');
      return s;
    } catch (e) {
      return asDecodeError(e);
    }
  }
}
