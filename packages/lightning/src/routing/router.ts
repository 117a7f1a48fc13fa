/**
 * `getRoute`: finds a {@link Route} for a payment over our usable channels (first hops) and the
 * payee's route hints (BOLT 11 `r`), with fees and CLTV deltas exactly as forwarding nodes check
 * them (BOLT 7 §"HTLC Fees" and §"The `channel_update` Message" `cltv_expiry_delta`), splitting over several paths when the
 * payee supports `basic_mpp` (BOLT 4 §"Basic Multi-Part Payments").
 *
 * The search is LDK's shape (`lightning/src/routing/router.rs` `get_route`): a payee-to-payer
 * Dijkstra over {@link CandidateHop}s, where the label of a node is the amount it must receive to
 * deliver the payment, so each hop's fee is computed on what it forwards (fees run backwards from
 * the recipient). It is the router's first form: the gossip `NetworkGraph` and a scorer plug in as
 * more candidates and a cost term; until then only first hops and hints exist.
 *
 * Unlike a plain Dijkstra (and LDK, which keeps one best path per node), a node may keep a few
 * labels: a dearer one survives when it is better on CLTV or length, so a limit that only bites
 * further upstream does not hide a path that meets it.
 *
 * Deviations from LDK, all deliberate for this form:
 * - no random "shadow" CLTV offset is added (LDK's `add_random_cltv_offset` walks the graph), so
 *   `maxTotalCltvExpiryDelta` is applied exactly, without LDK's 2×40-block headroom;
 * - a hop whose `htlc_minimum_msat` exceeds what it would carry is skipped, never overpaid to meet;
 * - multi-part: first the cheapest path carrying everything that is left; when none exists, the
 *   path able to carry the most (ties: cheapest) takes what it can, its liquidity is consumed, and
 *   the search repeats, at most `maxPathCount` times. LDK collects 3× the amount of candidate paths
 *   and picks the cheapest subset; that refinement belongs with the scorer.
 * Output is deterministic: every priority comparison is a total order.
 * @module
 */
import type { CryptoBackend } from '../crypto/backend.js';
import { MAX_VALUE_MSAT } from '../ln/onion/payload.js';
import type { Logger } from '../util/logger.js';
import { toHex } from '../util/hex.js';
import {
  type CandidateGraph,
  type CandidateHop,
  type FirstHopChannel,
  ListCandidateGraph,
  candidateCapacityMsat,
  candidateCltvDelta,
  candidateFees,
  candidateHtlcMinimumMsat,
  candidateKey,
  candidateTargetPubkey,
  outboundPaymentScid,
} from './candidate.js';
import { RouteNotFound, type RouteNotFoundReason } from './errors.js';
import { computeFeeMsat } from './fees.js';
import { MinHeap } from './heap.js';
import { MAX_PATH_LENGTH_ESTIMATE, type RouteParameters } from './params.js';
import type { Path, Route, RouteHop } from './route.js';

const MODULE = 'routing::router';

/** Counts of candidates passed over, for the error message (LDK logs the same counters). */
interface Ignored {
  liquidity: number;
  htlcMinimum: number;
  cltv: number;
  pathLength: number;
  feeLimit: number;
  previouslyFailed: number;
}

/** A node's best known way to the payee. */
interface Label {
  readonly node: string;
  /** What this label's path delivers to the payee (msat). */
  readonly valueMsat: bigint;
  /** What `node` must receive for that (msat); at the payer, what the first HTLC carries. */
  readonly amountMsat: bigint;
  /** Sum of CLTV deltas from `node` on, final delta included (blocks). */
  readonly cltv: number;
  /** The channels from `node` to the payee, in forward order. */
  readonly edges: readonly CandidateHop[];
}

type Mode = 'exact' | 'widest';

interface SearchContext {
  readonly payer: string;
  readonly payee: string;
  readonly graph: CandidateGraph;
  readonly finalCltv: number;
  readonly maxCltv: number;
  readonly maxLength: number;
  readonly failed: ReadonlySet<bigint>;
  /** Liquidity already taken by earlier parts, by {@link candidateKey}. */
  readonly used: Map<string, bigint>;
  readonly ignored: Ignored;
}

function fee(c: CandidateHop, amountToForward: bigint): bigint {
  return computeFeeMsat(amountToForward, candidateFees(c));
}

function residual(ctx: SearchContext, c: CandidateHop): bigint | undefined {
  const cap = candidateCapacityMsat(c);
  if (cap === undefined) return undefined;
  const left = cap - (ctx.used.get(candidateKey(c)) ?? 0n);
  return left < 0n ? 0n : left;
}

/**
 * What each channel of `edges` carries so the last one delivers `value`: the last carries
 * `value`; each earlier one carries what the next carries plus the fee the next channel's source
 * charges on it (BOLT 7 §"HTLC Fees").
 */
function carriedAmounts(edges: readonly CandidateHop[], value: bigint): bigint[] {
  const out = new Array<bigint>(edges.length);
  let a = value;
  for (let i = edges.length - 1; i >= 0; i--) {
    out[i] = a;
    if (i > 0) a += fee(edges[i]!, a);
  }
  return out;
}

function fits(ctx: SearchContext, edges: readonly CandidateHop[], value: bigint): boolean {
  const carried = carriedAmounts(edges, value);
  for (let i = 0; i < edges.length; i++) {
    const r = residual(ctx, edges[i]!);
    if (r !== undefined && carried[i]! > r) return false;
  }
  return true;
}

/** The largest value ≤ `hi` the channels can carry (fees grow with the value, so it is a bisection); 0 if none. */
function maxDeliverable(ctx: SearchContext, edges: readonly CandidateHop[], hi: bigint): bigint {
  if (fits(ctx, edges, hi)) return hi;
  let lo = 0n;
  while (hi - lo > 1n) {
    const mid = (lo + hi) / 2n;
    if (fits(ctx, edges, mid)) lo = mid;
    else hi = mid;
  }
  return lo;
}

function compareEdges(a: readonly CandidateHop[], b: readonly CandidateHop[]): number {
  if (a.length !== b.length) return a.length - b.length;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.shortChannelId !== y.shortChannelId) return x.shortChannelId < y.shortChannelId ? -1 : 1;
    const kx = candidateKey(x);
    const ky = candidateKey(y);
    if (kx !== ky) return kx < ky ? -1 : 1;
  }
  return 0;
}

function cmpBig(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Total order: cheaper first (exact), or wider then cheaper (widest); then CLTV, length, channel ids. */
function labelOrder(mode: Mode): (a: Label, b: Label) => boolean {
  return (a, b) => {
    let c = 0;
    if (mode === 'widest') c = cmpBig(b.valueMsat, a.valueMsat);
    if (c === 0) c = cmpBig(a.amountMsat - a.valueMsat, b.amountMsat - b.valueMsat);
    if (c === 0) c = a.cltv - b.cltv;
    if (c === 0) c = compareEdges(a.edges, b.edges);
    if (c === 0) c = a.node < b.node ? -1 : a.node > b.node ? 1 : 0;
    return c < 0;
  };
}

/** Extends `l` (at `e.target`) backwards over `e`; `undefined` when a limit forbids it. */
function extend(ctx: SearchContext, mode: Mode, l: Label, e: CandidateHop, feeBudget: bigint | undefined): Label | undefined {
  if (ctx.failed.has(e.shortChannelId)) {
    ctx.ignored.previouslyFailed++;
    return undefined;
  }
  if (l.edges.length + 1 > ctx.maxLength) {
    ctx.ignored.pathLength++;
    return undefined;
  }
  const edges = [e, ...l.edges];
  let value = l.valueMsat;
  let carried: bigint;
  if (mode === 'exact') {
    carried = l.amountMsat;
    const r = residual(ctx, e);
    if (r !== undefined && carried > r) {
      ctx.ignored.liquidity++;
      return undefined;
    }
    if (carried < candidateHtlcMinimumMsat(e)) {
      ctx.ignored.htlcMinimum++;
      return undefined;
    }
  } else {
    value = maxDeliverable(ctx, edges, value);
    if (value === 0n) {
      ctx.ignored.liquidity++;
      return undefined;
    }
    const all = carriedAmounts(edges, value);
    // A smaller value may fall below a minimum further down the path, so check them all.
    if (edges.some((x, i) => all[i]! < candidateHtlcMinimumMsat(x))) {
      ctx.ignored.htlcMinimum++;
      return undefined;
    }
    carried = all[0]!;
  }
  // Our own channel charges nothing and adds no delta (we are the sender, not a forwarder).
  const fromPayer = e.source === ctx.payer;
  const amountMsat = fromPayer ? carried : carried + fee(e, carried);
  const cltv = l.cltv + (fromPayer ? 0 : candidateCltvDelta(e));
  if (cltv > ctx.maxCltv) {
    ctx.ignored.cltv++;
    return undefined;
  }
  if (feeBudget !== undefined && amountMsat - value > feeBudget) {
    ctx.ignored.feeLimit++;
    return undefined;
  }
  return { node: e.source, valueMsat: value, amountMsat, cltv, edges };
}

/**
 * How many labels a node may keep. A node keeps a second, dearer label only when it is better on
 * CLTV or length, so that a limit that bites further upstream (`maxTotalCltvExpiryDelta`,
 * `maxPathLength`) can still be met through it; the cap keeps the search near Dijkstra's cost.
 */
const MAX_LABELS_PER_NODE = 4;

/** True when `a` is no worse than `b` in everything that limits how a path may be extended. */
function dominates(mode: Mode, a: Label, b: Label): boolean {
  const better = mode === 'exact' ? a.amountMsat <= b.amountMsat : a.valueMsat >= b.valueMsat && a.amountMsat - a.valueMsat <= b.amountMsat - b.valueMsat;
  return better && a.cltv <= b.cltv && a.edges.length <= b.edges.length;
}

/** True when `node` is already on `l`'s path (paths are simple: no node twice). */
function onPath(ctx: SearchContext, l: Label, node: string): boolean {
  return node === l.node || node === ctx.payee || l.edges.some((e) => e.target === node);
}

/**
 * One payee-to-payer search for `value` msat: labels leave the heap best first, each node keeps
 * the non-dominated ones (at most {@link MAX_LABELS_PER_NODE}), and the first label to reach the
 * payer is the answer; `undefined` when none does.
 */
function search(ctx: SearchContext, mode: Mode, value: bigint, feeBudget: bigint | undefined): Label | undefined {
  const heap = new MinHeap<Label>(labelOrder(mode));
  const kept = new Map<string, Label[]>();
  const isDominated = (l: Label): boolean => {
    const ks = kept.get(l.node);
    return ks !== undefined && (ks.length >= MAX_LABELS_PER_NODE || ks.some((k) => dominates(mode, k, l)));
  };
  heap.push({ node: ctx.payee, valueMsat: value, amountMsat: value, cltv: ctx.finalCltv, edges: [] });
  for (let l = heap.pop(); l !== undefined; l = heap.pop()) {
    if (isDominated(l)) continue;
    const ks = kept.get(l.node);
    if (ks) ks.push(l);
    else kept.set(l.node, [l]);
    if (l.node === ctx.payer) return l;
    for (const e of ctx.graph.inbound(l.node)) {
      // Only our own channels leave the payer; a hint claiming one is skipped when the graph is built.
      if (e.source === ctx.payer && e.kind !== 'first') continue;
      if (onPath(ctx, l, e.source)) continue;
      const next = extend(ctx, mode, l, e, feeBudget);
      if (next && !isDominated(next)) heap.push(next);
    }
  }
  return undefined;
}

/** The path for `edges` delivering `value`, with LDK's per-hop fee and CLTV semantics (see `RouteHop`). */
function buildPath(edges: readonly CandidateHop[], value: bigint, finalCltv: number, params: RouteParameters): Path {
  const carried = carriedAmounts(edges, value);
  const last = edges.length - 1;
  const hops: RouteHop[] = edges.map((e, i) => {
    const next = edges[i + 1];
    const hop: RouteHop = {
      pubkey: candidateTargetPubkey(e),
      shortChannelId: e.shortChannelId,
      feeMsat: next ? fee(next, carried[i + 1]!) : value,
      cltvExpiryDelta: next ? candidateCltvDelta(next) : finalCltv,
    };
    // LDK amends the recipient's node features with its invoice features.
    const features = i === last ? params.paymentParams.features : undefined;
    const peerFeatures = e.kind === 'first' ? e.channel.counterpartyFeatures : undefined;
    const nodeFeatures = features ?? peerFeatures;
    return nodeFeatures ? { ...hop, nodeFeatures } : hop;
  });
  return { hops };
}

function describeIgnored(ig: Ignored): string {
  const parts = Object.entries(ig)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${n} for ${k}`);
  return parts.length === 0 ? '' : ` (candidates passed over: ${parts.join(', ')})`;
}

/**
 * Finds a route paying `params.finalValueMsat` to `params.paymentParams.payeePubkey`.
 *
 * Candidates: every usable channel of ours in `firstHops` (named by its real short channel id,
 * else the peer's scid alias; unusable ones and ones with neither id are ignored), and every hop
 * of every route hint, each the channel *from* the hint node towards the next hop with that node's
 * fees (BOLT 11 `r`). A hint hop that starts at us, or that is one of our own channels, is dropped
 * with every hop before it (LDK does the same). Limits: our channels' `nextOutboundHtlcLimitMsat`
 * (shared by all parts), hints' `htlcMaximumMsat`/`htlcMinimumMsat` when known,
 * `maxTotalCltvExpiryDelta` on the sum of a path's deltas including the final one, `maxPathLength`
 * hops, `maxTotalRoutingFeeMsat` over all parts, and `previouslyFailedChannels`.
 * Multi-part only when the payee's features include `basic_mpp` and `maxPathCount` > 1.
 *
 * @param payer - our node id (33 bytes).
 * @param firstHops - our channels, typically `listUsableChannels()`.
 * @param crypto - when given, the payer, payee and hint node ids are checked to be curve points.
 * @returns the route (paths deliver exactly `finalValueMsat` together), or {@link RouteNotFound}.
 */
export function getRoute(
  payer: Uint8Array,
  params: RouteParameters,
  firstHops: readonly FirstHopChannel[],
  logger: Logger,
  crypto?: CryptoBackend,
): Route | RouteNotFound {
  const pp = params.paymentParams;
  const value = params.finalValueMsat;
  const fail = (reason: RouteNotFoundReason, message: string): RouteNotFound => {
    logger.log({ level: 'debug', module: MODULE, message: `no route: ${message}` });
    return new RouteNotFound(reason, message);
  };
  const payerHex = toHex(payer);
  const payeeHex = toHex(pp.payeePubkey);
  if (crypto && (!crypto.isValidPublicKey(payer) || !crypto.isValidPublicKey(pp.payeePubkey))) {
    return fail('invalid-parameters', 'payer or payee node id is not a valid public key');
  }
  if (payerHex === payeeHex) return fail('payee-is-payer', 'cannot generate a route to ourselves');
  if (value <= 0n) return fail('invalid-amount', 'cannot send a payment of 0 msat');
  if (value > MAX_VALUE_MSAT) return fail('invalid-amount', 'cannot route more value than all existing satoshis');
  if (pp.maxTotalCltvExpiryDelta <= pp.finalCltvExpiryDelta) {
    return fail(
      'invalid-parameters',
      `max total CLTV expiry delta ${pp.maxTotalCltvExpiryDelta} is not above the final CLTV expiry delta ${pp.finalCltvExpiryDelta}`,
    );
  }
  if (pp.maxPathCount < 1) return fail('invalid-parameters', 'cannot find a route with no paths allowed');
  const maxLength = Math.min(pp.maxPathLength, MAX_PATH_LENGTH_ESTIMATE);
  if (maxLength < 1) return fail('invalid-parameters', 'cannot find a route with no hops allowed');
  const allowMpp = pp.maxPathCount > 1 && (pp.features?.supports('basic_mpp') ?? false);

  const candidates: CandidateHop[] = [];
  const ourScids = new Map<string, Set<bigint>>();
  for (const ch of firstHops) {
    const scid = outboundPaymentScid(ch);
    if (!ch.isUsable || scid === undefined) {
      logger.log({ level: 'trace', module: MODULE, message: `first hop ${toHex(ch.channelId)} ignored: ${ch.isUsable ? 'no short channel id or alias' : 'not usable'}` });
      continue;
    }
    const target = toHex(ch.counterpartyNodeId);
    if (target === payerHex) return fail('invalid-first-hop', 'a first hop cannot have our node id as its counterparty');
    candidates.push({ kind: 'first', source: payerHex, target, shortChannelId: scid, channel: ch });
    const set = ourScids.get(target) ?? new Set<bigint>();
    ourScids.set(target, set);
    for (const id of [ch.shortChannelId, ch.outboundScidAlias]) if (id !== undefined) set.add(id);
  }
  if (candidates.length === 0) return fail('no-first-hops', 'cannot route when there are no usable channels away from us');

  for (const hint of pp.routeHints) {
    // Walk backwards from the payee: each hop is the channel from hop.pubkey to the next node.
    for (let i = hint.length - 1; i >= 0; i--) {
      const hop = hint[i]!;
      const targetPubkey = i === hint.length - 1 ? pp.payeePubkey : hint[i + 1]!.pubkey;
      const source = toHex(hop.pubkey);
      const target = toHex(targetPubkey);
      const ours = source === payerHex || ourScids.get(target)?.has(hop.shortChannelId) === true;
      if (ours || (crypto !== undefined && !crypto.isValidPublicKey(hop.pubkey))) {
        logger.log({
          level: 'trace',
          module: MODULE,
          message: `route hint hop ${hop.shortChannelId} and those before it ignored: ${ours ? 'it is a channel of ours' : 'invalid node id'}`,
        });
        break;
      }
      candidates.push({ kind: 'private', source, target, shortChannelId: hop.shortChannelId, hint: hop, targetPubkey });
    }
  }

  const ctx: SearchContext = {
    payer: payerHex,
    payee: payeeHex,
    graph: new ListCandidateGraph(candidates),
    finalCltv: pp.finalCltvExpiryDelta,
    maxCltv: pp.maxTotalCltvExpiryDelta,
    maxLength,
    failed: new Set(pp.previouslyFailedChannels),
    used: new Map(),
    ignored: { liquidity: 0, htlcMinimum: 0, cltv: 0, pathLength: 0, feeLimit: 0, previouslyFailed: 0 },
  };
  logger.log({
    level: 'trace',
    module: MODULE,
    message: `searching a route to ${payeeHex} for ${value} msat ${allowMpp ? 'with' : 'without'} MPP over ${candidates.length} candidate channels`,
  });

  const limit = params.maxTotalRoutingFeeMsat;
  const paths: Path[] = [];
  let remaining = value;
  let fees = 0n;
  for (;;) {
    const budget = limit === undefined ? undefined : limit - fees;
    const whole = search(ctx, 'exact', remaining, budget);
    if (whole) {
      paths.push(buildPath(whole.edges, remaining, ctx.finalCltv, params));
      break;
    }
    if (!allowMpp || paths.length + 1 >= pp.maxPathCount) return diagnose(ctx, fail, value, remaining, paths.length, allowMpp, limit);
    const part = search(ctx, 'widest', remaining, budget);
    if (!part) return diagnose(ctx, fail, value, remaining, paths.length, allowMpp, limit);
    paths.push(buildPath(part.edges, part.valueMsat, ctx.finalCltv, params));
    remaining -= part.valueMsat;
    fees += part.amountMsat - part.valueMsat;
    const carried = carriedAmounts(part.edges, part.valueMsat);
    part.edges.forEach((e, i) => {
      const k = candidateKey(e);
      ctx.used.set(k, (ctx.used.get(k) ?? 0n) + carried[i]!);
    });
  }
  logger.log({ level: 'trace', module: MODULE, message: `found a route of ${paths.length} path(s) to ${payeeHex}` });
  return { paths, routeParams: params };
}

/** Explains a failed search: no path at all, only over the fee limit, or not enough liquidity. */
function diagnose(
  ctx: SearchContext,
  fail: (reason: RouteNotFoundReason, message: string) => RouteNotFound,
  value: bigint,
  remaining: bigint,
  found: number,
  allowMpp: boolean,
  limit: bigint | undefined,
): RouteNotFound {
  const ignored = describeIgnored(ctx.ignored);
  if (limit !== undefined && search(ctx, 'exact', remaining, undefined)) {
    return fail('fee-limit', `every route for ${value} msat pays more than the fee limit of ${limit} msat${ignored}`);
  }
  if (found === 0 && !search(ctx, 'widest', value, undefined)) {
    return fail('no-path', `no path to the payee${ignored}`);
  }
  const why = allowMpp
    ? `within the allowed number of parts (${remaining} msat of ${value} msat left unrouted)`
    : 'on a single path, and the payee does not allow multi-part payments (basic_mpp) or maxPathCount is 1';
  return fail('insufficient-liquidity', `not enough liquidity to send ${value} msat ${why}${ignored}`);
}
