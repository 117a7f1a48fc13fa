/**
 * `getRoute` (LDK's `find_route`): finds a {@link Route} for a payment over the gossip
 * {@link NetworkGraph}, our usable channels (first hops) and the payee's route hints (BOLT 11 `r`),
 * with fees and CLTV deltas exactly as forwarding nodes check them (BOLT 7 §"HTLC Fees" and
 * §"The `channel_update` Message" `cltv_expiry_delta`), scorer penalties added to the cost, and
 * multi-part splitting when the payee supports `basic_mpp` (BOLT 4 §"Basic Multi-Part Payments").
 * The search itself is in `search.ts`.
 *
 * Deviations from LDK, all deliberate:
 * - no random "shadow" CLTV offset is added (LDK's `add_random_cltv_offset`), so
 *   `maxTotalCltvExpiryDelta` is applied exactly, without LDK's 2×40-block headroom; the result is
 *   a function of the inputs alone (no random seed is needed);
 * - a hop whose `htlc_minimum_msat` exceeds what it would carry is skipped, never overpaid to meet;
 * - multi-part: first the cheapest path carrying everything; when none exists, the path able to
 *   carry the most (ties: cheapest) takes what it can, its liquidity is consumed, and the search
 *   repeats, at most `maxPathCount` times. LDK instead limits each path to a quarter of a
 *   channel's capacity (`max_channel_saturation_power_of_half`) and collects 3× the amount of
 *   candidate paths before choosing; a scorer that penalises large shares of a channel (such as
 *   the probabilistic one) steers us away from saturated channels instead;
 * - amounts above 2^53 msat (about 90,000 BTC) are refused, as the search computes in doubles.
 * Output is deterministic: every priority comparison is a total order.
 * @module
 */
import type { CryptoBackend } from '../crypto/backend.js';
import { Features } from '../ln/features.js';
import { toHex } from '../util/hex.js';
import type { Logger } from '../util/logger.js';
import { type CandidateHop, type FirstHopChannel, candidateCltvDelta, candidateFees, candidateTargetPubkey, outboundPaymentScid } from './candidate.js';
import { RouteNotFound, type RouteNotFoundReason } from './errors.js';
import { computeFeeMsat } from './fees.js';
import type { NetworkGraph } from './network_graph.js';
import { MAX_PATH_LENGTH_ESTIMATE, type RouteParameters } from './params.js';
import type { Path, Route, RouteHop } from './route.js';
import type { ScoreLookUp } from './scoring/score.js';
import type { GraphIndex } from './graph_index.js';
import { type Edge, type Found, hopDistances, type Ignored, type Mode, type SearchContext, reachable, search } from './search.js';

const MODULE = 'routing::router';

/**
 * Labels a node may keep in the second pass. The first pass is Dijkstra (one label per node, as
 * LDK); when it found nothing, or a limit that depends on the path so far (CLTV, length, a
 * channel's HTLC limits, the fee budget) pruned a label, its answer may be missing or not the
 * cheapest, so a second pass keeps up to this many non-dominated labels per node — a dearer label
 * survives when it is better on CLTV, length or amount — and the cheaper answer wins.
 */
const MAX_LABELS_PER_NODE = 4;
/**
 * The second pass is skipped when the first one found a route after creating more labels than
 * this: on a large graph it would cost several times the first pass for a rarely better answer.
 */
const SECOND_PASS_LABEL_BUDGET = 5_000;
/** A second pass stops after creating this many times the first pass's labels (at least the budget's). */
const SECOND_PASS_LABEL_FACTOR = 3;

/** Options of {@link getRoute}. */
export interface GetRouteOptions {
  /** When given, the payer, payee and hint node ids are checked to be curve points. */
  readonly crypto?: CryptoBackend;
}

function fee(c: CandidateHop, amountToForward: bigint): bigint {
  return computeFeeMsat(amountToForward, candidateFees(c));
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

/** Node features from the graph's `node_announcement`, when known. */
function graphNodeFeatures(graph: NetworkGraph | null, pubkey: Uint8Array): Features | undefined {
  const a = graph?.node(pubkey)?.announcement;
  return a ? Features.fromBytes('node', a.features) : undefined;
}

/**
 * The path for `edges` delivering `value`, with LDK's per-hop fee and CLTV semantics (see
 * `RouteHop`). When the last edge is a blinded path it becomes the path's `blindedTail`, and the
 * introduction node's hop carries the whole blinded part's fee and CLTV delta.
 */
function buildPath(graph: NetworkGraph | null, edges: readonly CandidateHop[], value: bigint, finalCltv: number, payeeFeatures: Features | undefined): Path {
  const carried = carriedAmounts(edges, value);
  const tail = edges.at(-1)?.kind === 'blinded' ? (edges.at(-1) as Extract<CandidateHop, { kind: 'blinded' }>) : undefined;
  const unblinded = tail ? edges.slice(0, -1) : edges;
  const last = unblinded.length - 1;
  const hops: RouteHop[] = unblinded.map((e, i) => {
    const next = edges[i + 1];
    const pubkey = candidateTargetPubkey(e);
    const hop: RouteHop = {
      pubkey,
      shortChannelId: e.shortChannelId,
      feeMsat: next ? fee(next, carried[i + 1]!) : value,
      cltvExpiryDelta: next ? candidateCltvDelta(next) : finalCltv,
      ...(e.kind === 'public' ? { channelFeatures: Features.fromBytes('channel', e.channel.features) } : {}),
    };
    // LDK amends the recipient's node features with its invoice features.
    const nodeFeatures =
      (i === last && !tail ? payeeFeatures : undefined) ?? (e.kind === 'first' ? e.channel.counterpartyFeatures : undefined) ?? graphNodeFeatures(graph, pubkey);
    return nodeFeatures ? { ...hop, nodeFeatures } : hop;
  });
  if (!tail) return { hops };
  const b = tail.blinded.path;
  return {
    hops,
    blindedTail: {
      hops: b.hops.map((h) => ({ blindedNodeId: h.blindedNodeId, encryptedPayload: h.encryptedRecipientData })),
      blindingPoint: b.firstPathKey,
      excessFinalCltvExpiryDelta: 0,
      finalValueMsat: value,
    },
  };
}

function describeIgnored(ig: Ignored): string {
  const parts = Object.entries(ig)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${n} for ${k}`);
  return parts.length === 0 ? '' : ` (candidates passed over: ${parts.join(', ')})`;
}

const NONE = Number.POSITIVE_INFINITY;
/** The node name of a payee hidden behind blinded paths (never a hex node id). */
const BLINDED_PAYEE = 'blinded-payee';

/** The candidate hop behind a found channel. */
function hopOf(index: GraphIndex | null, c: Edge | number): CandidateHop {
  if (typeof c !== 'number') return c.hop;
  const channel = index!.channel[c]!;
  const policy = index!.policy(c);
  return { kind: 'public', shortChannelId: channel.shortChannelId, channel, oneToTwo: policy === channel.oneToTwo, policy };
}

/** {@link search} in one or two passes (see {@link MAX_LABELS_PER_NODE}). */
function find(ctx: SearchContext, mode: Mode, value: number, budget: number): Found | undefined {
  // Every channel carries at least the delivered value, so the scorer's minimum for it bounds each gossip hop.
  const estimate = ctx.hopDistance && ctx.scorer?.minimumPenaltyMsat ? Math.max(0, ctx.scorer.minimumPenaltyMsat(value)) : 0;
  const first = search(ctx, mode, value, budget, 1, Number.POSITIVE_INFINITY, estimate);
  if (first.channels && first.labels > SECOND_PASS_LABEL_BUDGET) return first;
  if (!first.channels && !first.statePruned) return undefined;
  if (first.channels && !first.statePruned) return first;
  const second = search(ctx, mode, value, budget, MAX_LABELS_PER_NODE, SECOND_PASS_LABEL_FACTOR * Math.max(first.labels, SECOND_PASS_LABEL_BUDGET), estimate);
  if (!second.channels) return first.channels ? first : undefined;
  if (!first.channels) return second;
  // The cheaper (for widest: the wider, then cheaper) of the two.
  const better = mode === 'widest' && second.value !== first.value ? second.value > first.value : second.amount - second.value < first.amount - first.value;
  return better ? second : first;
}

/**
 * Finds a route paying `params.finalValueMsat` to `params.paymentParams.payeePubkey`.
 *
 * Candidates: the public channels of `graph` (each direction with an enabled `channel_update`);
 * every usable channel of ours in `firstHops` (named by its real short channel id, else the
 * peer's scid alias; unusable ones and ones with neither id are ignored) — when `firstHops` is
 * given, the graph's channels out of us are not used, as our own list is the truth about them;
 * and every hop of every route hint, each the channel *from* the hint node towards the next hop
 * with that node's fees (BOLT 11 `r`). A hint hop that starts at us, or that is one of our own
 * channels, is dropped with every hop before it (LDK does the same).
 *
 * Limits: our channels' `nextOutboundHtlcLimitMsat` (shared by all parts); each public channel's
 * `htlc_minimum_msat`, `htlc_maximum_msat` per part and its capacity (or, unknown without a
 * `chain.Access`, its `htlc_maximum_msat`) over all parts; hints' `htlcMaximumMsat`/`htlcMinimumMsat`
 * when known; `maxTotalCltvExpiryDelta` on the sum of a path's deltas including the final one;
 * `maxPathLength` hops; `maxTotalRoutingFeeMsat` over all parts; `previouslyFailedChannels`.
 * Multi-part only when the payee's features (the invoice's, else its `node_announcement`'s)
 * include `basic_mpp` and `maxPathCount` > 1.
 *
 * @param payer - our node id (33 bytes).
 * @param graph - the gossip graph, or `null` to route over first hops and hints only.
 * @param firstHops - our channels, typically `listUsableChannels()`; `null` to use the graph's
 *   channels out of `payer` instead.
 * @param scorer - adds a penalty to each channel's cost (none: fees only).
 * @returns the route (paths deliver exactly `finalValueMsat` together), or {@link RouteNotFound}.
 */
export function getRoute(
  payer: Uint8Array,
  params: RouteParameters,
  graph: NetworkGraph | null,
  firstHops: readonly FirstHopChannel[] | null,
  logger: Logger,
  scorer?: ScoreLookUp,
  options: GetRouteOptions = {},
): Route | RouteNotFound {
  const crypto = options.crypto;
  const pp = params.paymentParams;
  const value = params.finalValueMsat;
  const fail = (reason: RouteNotFoundReason, message: string): RouteNotFound => {
    logger.log({ level: 'debug', module: MODULE, message: `no route: ${message}` });
    return new RouteNotFound(reason, message);
  };
  const payerHex = toHex(payer);
  const blinded = pp.blindedPaths ?? [];
  // Paying into blinded paths, the payee's id is hidden: a placeholder names its node.
  const payeeHex = blinded.length > 0 ? BLINDED_PAYEE : toHex(pp.payeePubkey);
  if (crypto && (!crypto.isValidPublicKey(payer) || (blinded.length === 0 && !crypto.isValidPublicKey(pp.payeePubkey)))) {
    return fail('invalid-parameters', 'payer or payee node id is not a valid public key');
  }
  if (payerHex === payeeHex) return fail('payee-is-payer', 'cannot generate a route to ourselves');
  if (value <= 0n) return fail('invalid-amount', 'cannot send a payment of 0 msat');
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) return fail('invalid-amount', 'cannot route more than 2^53 msat in one payment');
  if (pp.maxTotalCltvExpiryDelta <= pp.finalCltvExpiryDelta) {
    return fail(
      'invalid-parameters',
      `max total CLTV expiry delta ${pp.maxTotalCltvExpiryDelta} is not above the final CLTV expiry delta ${pp.finalCltvExpiryDelta}`,
    );
  }
  if (pp.maxPathCount < 1) return fail('invalid-parameters', 'cannot find a route with no paths allowed');
  const maxLength = Math.min(pp.maxPathLength, MAX_PATH_LENGTH_ESTIMATE);
  if (maxLength < 1) return fail('invalid-parameters', 'cannot find a route with no hops allowed');
  const payeeFeatures = pp.features ?? (blinded.length > 0 ? undefined : graphNodeFeatures(graph, pp.payeePubkey));
  const allowMpp = pp.maxPathCount > 1 && (payeeFeatures?.supports('basic_mpp') ?? false);

  // Node indices: the graph's counters, then ids for nodes only our channels or hints name.
  const index = graph ? graph.routingIndex() : null;
  const graphBound = index ? index.nodeBound : 0;
  const extraIds = new Map<string, number>();
  const indexOf = (hex: string): number => {
    const n = graph?.nodeByHex(hex);
    if (n && n.counter < graphBound) return n.counter;
    let i = extraIds.get(hex);
    if (i === undefined) {
      i = graphBound + extraIds.size;
      extraIds.set(hex, i);
    }
    return i;
  };
  const payerIndex = indexOf(payerHex);
  const payeeIndex = indexOf(payeeHex);
  const extraInbound = new Map<number, Edge[]>();
  const addExtra = (e: Edge): void => {
    const list = extraInbound.get(e.target);
    if (list) list.push(e);
    else extraInbound.set(e.target, [e]);
  };

  const ourScids = new Map<string, Set<bigint>>();
  let usableFirstHops = 0;
  for (const ch of firstHops ?? []) {
    const scid = outboundPaymentScid(ch);
    if (!ch.isUsable || scid === undefined) {
      logger.log({ level: 'trace', module: MODULE, message: `first hop ${toHex(ch.channelId)} ignored: ${ch.isUsable ? 'no short channel id or alias' : 'not usable'}` });
      continue;
    }
    const target = toHex(ch.counterpartyNodeId);
    if (target === payerHex) return fail('invalid-first-hop', 'a first hop cannot have our node id as its counterparty');
    const limit = Number(ch.nextOutboundHtlcLimitMsat);
    addExtra({
      hop: { kind: 'first', source: payerHex, target, shortChannelId: scid, channel: ch },
      source: payerIndex,
      target: indexOf(target),
      base: 0,
      prop: 0,
      cltv: 0,
      min: Number(ch.nextOutboundHtlcMinimumMsat ?? 0n),
      max: limit,
      cap: limit,
      capacityKind: 'exact',
      key: ch,
      oneToTwo: payerHex < target,
    });
    usableFirstHops++;
    const set = ourScids.get(target) ?? new Set<bigint>();
    ourScids.set(target, set);
    for (const id of [ch.shortChannelId, ch.outboundScidAlias]) if (id !== undefined) set.add(id);
  }
  const fromGraph = firstHops === null && (graph?.nodeByHex(payerHex)?.channels.length ?? 0) > 0;
  if (usableFirstHops === 0 && !fromGraph) return fail('no-first-hops', 'cannot route when there are no usable channels away from us');

  blinded.forEach((bp, i) => {
    const intro = bp.path.firstNodeId;
    if (intro.kind !== 'pubkey' || toHex(intro.nodeId) === payerHex) {
      logger.log({ level: 'trace', module: MODULE, message: `blinded path ${i} ignored: ${intro.kind !== 'pubkey' ? 'its introduction node is given by channel' : 'we are its introduction node'}` });
      return;
    }
    const source = toHex(intro.nodeId);
    const pi = bp.payInfo;
    const max = Number(pi.htlcMaximumMsat);
    addExtra({
      hop: { kind: 'blinded', source, target: payeeHex, shortChannelId: 0n, blinded: bp, index: i },
      source: indexOf(source),
      target: payeeIndex,
      base: pi.feeBaseMsat,
      prop: pi.feeProportionalMillionths,
      cltv: pi.cltvExpiryDelta,
      min: Number(pi.htlcMinimumMsat),
      max,
      cap: max,
      capacityKind: 'hint',
      key: bp,
      oneToTwo: true,
    });
  });
  for (const hint of blinded.length > 0 ? [] : pp.routeHints) {
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
      const max = hop.htlcMaximumMsat === undefined ? NONE : Number(hop.htlcMaximumMsat);
      addExtra({
        hop: { kind: 'private', source, target, shortChannelId: hop.shortChannelId, hint: hop, targetPubkey },
        source: indexOf(source),
        target: indexOf(target),
        base: hop.feeBaseMsat,
        prop: hop.feeProportionalMillionths,
        cltv: hop.cltvExpiryDelta,
        min: Number(hop.htlcMinimumMsat ?? 0n),
        max,
        cap: max,
        capacityKind: 'hint',
        key: `p:${hop.shortChannelId}:${source}`,
        oneToTwo: source < target,
      });
    }
  }

  const base = { payer: payerIndex, nodeCount: graphBound + extraIds.size, index, extraInbound };
  const hopDistance = scorer?.minimumPenaltyMsat && index ? hopDistances(base) : undefined;
  const ctx: SearchContext = {
    ...(hopDistance ? { hopDistance } : {}),
    payer: payerIndex,
    payee: payeeIndex,
    nodeCount: graphBound + extraIds.size,
    index,
    useGraphFromPayer: firstHops === null,
    extraInbound,
    // A blinded path's CLTV delta already includes the recipient's final delta.
    finalCltv: blinded.length > 0 ? 0 : pp.finalCltvExpiryDelta,
    maxCltv: pp.maxTotalCltvExpiryDelta,
    maxLength,
    failed: new Set(pp.previouslyFailedChannels),
    scorer,
    used: new Map(),
    ignored: { liquidity: 0, htlcMinimum: 0, cltv: 0, pathLength: 0, feeLimit: 0, previouslyFailed: 0 },
  };
  logger.log({
    level: 'trace',
    module: MODULE,
    message: `searching a route to ${payeeHex} for ${value} msat ${allowMpp ? 'with' : 'without'} MPP over ${graph ? graph.size.channels : 0} public channels, ${usableFirstHops} first hops and ${pp.routeHints.length} hints`,
  });

  const limit = params.maxTotalRoutingFeeMsat;
  const paths: Path[] = [];
  let remaining = Number(value);
  let fees = 0;
  const build = (f: Found, delivered: number): Path =>
    buildPath(
      graph,
      f.channels.map((c) => hopOf(index, c)),
      BigInt(delivered),
      ctx.finalCltv,
      payeeFeatures,
    );
  for (;;) {
    const budget = limit === undefined ? NONE : Number(limit) - fees;
    const whole = find(ctx, 'exact', remaining, budget);
    if (whole) {
      paths.push(build(whole, remaining));
      break;
    }
    if (paths.length === 0 && !reachable(ctx)) return fail('no-path', `no path to the payee${describeIgnored(ctx.ignored)}`);
    if (!allowMpp || paths.length + 1 >= pp.maxPathCount) return diagnose(ctx, fail, value, remaining, paths.length, allowMpp, limit);
    const part = find(ctx, 'widest', remaining, budget);
    if (!part) return diagnose(ctx, fail, value, remaining, paths.length, allowMpp, limit, paths.length === 0 && budget === NONE);
    const path = build(part, part.value);
    paths.push(path);
    remaining -= part.value;
    fees += part.amount - part.value;
    // Consume the liquidity this part uses, so later parts do not count on it.
    const carried = carriedAmounts(
      part.channels.map((c) => hopOf(index, c)),
      BigInt(part.value),
    );
    part.channels.forEach((c, i) => {
      const key = typeof c === 'number' ? c : c.key;
      ctx.used.set(key, (ctx.used.get(key) ?? 0) + Number(carried[i]!));
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
  remaining: number,
  found: number,
  allowMpp: boolean,
  limit: bigint | undefined,
  noPathKnown = false,
): RouteNotFound {
  const ignored = describeIgnored(ctx.ignored);
  if (limit !== undefined && ctx.ignored.feeLimit > 0 && find(ctx, 'exact', remaining, NONE)) {
    return fail('fee-limit', `every route for ${value} msat pays more than the fee limit of ${limit} msat${ignored}`);
  }
  // No path at all, whatever the amount: the widest search (which ignores only liquidity) fails.
  if (found === 0 && (noPathKnown || !find(ctx, 'widest', Number(value), NONE))) {
    return fail('no-path', `no path to the payee${ignored}`);
  }
  const why = allowMpp
    ? `within the allowed number of parts (${remaining} msat of ${value} msat left unrouted)`
    : 'on a single path, and the payee does not allow multi-part payments (basic_mpp) or maxPathCount is 1';
  return fail('insufficient-liquidity', `not enough liquidity to send ${value} msat ${why}${ignored}`);
}
