/**
 * The router's path search: one payee-to-payer label-setting search over the gossip graph plus our
 * first hops and the payee's hints (LDK's `get_route` inner Dijkstra in
 * `lightning/src/routing/router.rs`). A node's label is the amount it must receive to deliver the
 * payment over the rest of the path, so each hop's fee is computed on what it forwards (BOLT 7
 * §"HTLC Fees": fees run backwards from the recipient); labels are ordered by cost = fees + scorer
 * penalties.
 *
 * With `labelsPerNode` 1 this is Dijkstra, as LDK does it. With more, a node may keep a few
 * labels: a dearer one survives when it is better on CLTV, length or amount, so a limit that only
 * bites further upstream (`maxTotalCltvExpiryDelta`, `maxPathLength`, a channel's
 * `htlc_maximum_msat`) does not hide a path that meets it; the router uses that as a second pass.
 *
 * Speed: nodes are small integers (the graph's node counters, then extra ids for nodes only our
 * channels or hints name); public channels are slots of the graph's {@link GraphIndex}; labels
 * live in typed arrays and point at the next label towards the payee instead of copying paths;
 * amounts are doubles — exact, as the router refuses payments of 2^53 msat or more, and a fee
 * whose intermediate product would not be exact is computed in bigint.
 * @module
 */
import type { CandidateHop } from './candidate.js';
import { type GraphIndex, SLOT_CAPACITY_KNOWN, SLOT_ONE_TO_TWO, SLOT_USABLE } from './graph_index.js';
import type { CapacityKind, ChannelUsage, ScoreLookUp } from './scoring/score.js';

/** A channel the search may use that is not in the graph: one of ours, or a hint's. */
export interface Edge {
  readonly hop: CandidateHop;
  /** Node indices. */
  readonly source: number;
  readonly target: number;
  readonly base: number;
  readonly prop: number;
  readonly cltv: number;
  /** `htlc_minimum_msat`. */
  readonly min: number;
  /** Most one HTLC (one part) may carry. */
  readonly max: number;
  /** Most all parts together may carry. */
  readonly cap: number;
  readonly capacityKind: CapacityKind;
  /** Identifies the channel direction's liquidity across parts. */
  readonly key: unknown;
  readonly oneToTwo: boolean;
}

/** Counts of channels passed over, for the error message (LDK logs the same counters). */
export interface Ignored {
  liquidity: number;
  htlcMinimum: number;
  cltv: number;
  pathLength: number;
  feeLimit: number;
  previouslyFailed: number;
}

export type Mode = 'exact' | 'widest';

/** Everything one search reads; built once per `getRoute` and shared by the parts' searches. */
export interface SearchContext {
  readonly payer: number;
  readonly payee: number;
  /** Graph counters are below `index.nodeBound`; extra node ids follow, up to `nodeCount`. */
  readonly nodeCount: number;
  readonly index: GraphIndex | null;
  /** When we were given our channels, the graph's channels out of us are not used (LDK does the same). */
  readonly useGraphFromPayer: boolean;
  /** First hops and hint channels, by target node. */
  readonly extraInbound: ReadonlyMap<number, readonly Edge[]>;
  readonly finalCltv: number;
  readonly maxCltv: number;
  readonly maxLength: number;
  readonly failed: ReadonlySet<bigint>;
  readonly scorer: ScoreLookUp | undefined;
  /** Liquidity already taken by earlier parts: by slot for graph channels, by {@link Edge.key} otherwise. */
  readonly used: Map<unknown, number>;
  readonly ignored: Ignored;
  /**
   * Hops (gossip channels; ours and hints count 0) from the payer to each node, ignoring
   * direction and policies — {@link hopDistances}; `Infinity` when unreachable. With the scorer's
   * {@link ScoreLookUp.minimumPenaltyMsat} it makes the exact search an A*.
   */
  readonly hopDistance?: Float64Array;
}

/** What a search found: the channels from payer to payee and what they deliver. */
export interface Found {
  /** Forward order; a number is a graph slot. */
  readonly channels: Array<Edge | number>;
  /** What the path delivers to the payee (msat). */
  readonly value: number;
  /** What the first channel carries (msat). */
  readonly amount: number;
  /** Labels created: the work done, so a second pass can be budgeted against it. */
  readonly labels: number;
  /** See {@link NotFound.statePruned}. */
  readonly statePruned: boolean;
}

/** Outcome of a search that found nothing. */
export interface NotFound {
  readonly channels: undefined;
  readonly labels: number;
  /** True when a limit that depends on the path taken so far pruned a label (a second pass may help). */
  readonly statePruned: boolean;
}

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const INF = Number.POSITIVE_INFINITY;

/** BOLT 7 fee on `amt` forwarded, exact (bigint when the product would not be). */
export function feeOf(base: number, prop: number, amt: number): number {
  const p = amt * prop;
  if (p <= MAX_SAFE) return base + Math.floor(p / 1_000_000);
  return base + Number((BigInt(amt) * BigInt(prop)) / 1_000_000n);
}

/** The largest amount a node can forward when it may receive at most `y` (inverse of {@link feeOf}); -1 if none. */
function maxForwardable(base: number, prop: number, y: number): number {
  if (y < base) return -1;
  let x = Math.floor(((y - base) * 1_000_000) / (1_000_000 + prop));
  while (x + 1 + feeOf(base, prop, x + 1) <= y) x++;
  while (x >= 0 && x + feeOf(base, prop, x) > y) x--;
  return x;
}

/** Label storage: struct of arrays, grown by doubling. Label i's path is i → next[i] → … → the payee. */
class Labels {
  size = 0;
  node = new Int32Array(4096);
  next = new Int32Array(4096);
  len = new Int32Array(4096);
  cltv = new Int32Array(4096);
  /** The channel from `node` to `node[next]`: a graph slot, or -1 and then `extra`. */
  slot = new Int32Array(4096);
  /** What `node` must receive (msat); at the payer, what the first HTLC carries. */
  amount = new Float64Array(4096);
  /** What the path delivers to the payee (msat). */
  value = new Float64Array(4096);
  /** Fees plus penalties from `node` on. */
  cost = new Float64Array(4096);
  /** `cost` plus the A* estimate of what the rest of the path (payer to `node`) costs at least. */
  prio = new Float64Array(4096);
  extra: Array<Edge | undefined> = [];

  add(node: number, next: number, len: number, cltv: number, amount: number, value: number, cost: number, prio: number, slot: number, extra: Edge | undefined): number {
    if (this.size === this.node.length) this.grow();
    const i = this.size++;
    this.prio[i] = prio;
    this.node[i] = node;
    this.next[i] = next;
    this.len[i] = len;
    this.cltv[i] = cltv;
    this.amount[i] = amount;
    this.value[i] = value;
    this.cost[i] = cost;
    this.slot[i] = slot;
    if (extra !== undefined || this.extra.length > i) this.extra[i] = extra;
    return i;
  }

  private grow(): void {
    const n = this.node.length * 2;
    const g32 = (a: Int32Array) => {
      const b = new Int32Array(n);
      b.set(a);
      return b;
    };
    const g64 = (a: Float64Array) => {
      const b = new Float64Array(n);
      b.set(a);
      return b;
    };
    this.node = g32(this.node);
    this.next = g32(this.next);
    this.len = g32(this.len);
    this.cltv = g32(this.cltv);
    this.slot = g32(this.slot);
    this.amount = g64(this.amount);
    this.value = g64(this.value);
    this.cost = g64(this.cost);
    this.prio = g64(this.prio);
  }
}

/** A binary min-heap of label ids under a total order given by `less`. */
class LabelHeap {
  private a = new Int32Array(4096);
  size = 0;
  less: (x: number, y: number) => boolean = () => false;

  /** Empties the heap for a new search ordered by `less` (the buffer is kept). */
  reset(less: (x: number, y: number) => boolean): void {
    this.less = less;
    this.size = 0;
  }

  push(x: number): void {
    if (this.size === this.a.length) {
      const b = new Int32Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    const a = this.a;
    let i = this.size++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(x, a[p]!)) break;
      a[i] = a[p]!;
      i = p;
    }
    a[i] = x;
  }

  pop(): number {
    const a = this.a;
    const top = a[0]!;
    const last = a[--this.size]!;
    const n = this.size;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && this.less(a[r]!, a[l]!) ? r : l;
      if (!this.less(a[c]!, last)) break;
      a[i] = a[c]!;
      i = c;
    }
    a[i] = last;
    return top;
  }
}

/**
 * Buffers reused from one search to the next (searches never nest: the scorer cannot route), so a
 * route over a large graph allocates almost nothing.
 */
interface Workspace {
  readonly labels: Labels;
  readonly heap: LabelHeap;
  kept: Int32Array;
  keptCount: Uint8Array;
  tentative: Int32Array;
}
let shared: Workspace | undefined;

function workspace(keptSize: number, nodes: number): Workspace {
  shared ??= { labels: new Labels(), heap: new LabelHeap(), kept: new Int32Array(0), keptCount: new Uint8Array(0), tentative: new Int32Array(0) };
  if (shared.kept.length < keptSize) shared.kept = new Int32Array(keptSize);
  if (shared.keptCount.length < nodes) shared.keptCount = new Uint8Array(nodes);
  if (shared.tentative.length < nodes) shared.tentative = new Int32Array(nodes);
  return shared;
}

/**
 * One search for a path delivering `value` msat (`exact`), or as much of it as one path can carry
 * (`widest`: the widest path first, then the cheapest), within `feeBudget` msat of fees.
 */
export function search(
  ctx: SearchContext,
  mode: Mode,
  value: number,
  feeBudget: number,
  labelsPerNode: number,
  labelLimit = INF,
  /** Least penalty per gossip channel (see {@link SearchContext.hopDistance}); 0: plain Dijkstra. */
  perHopEstimate = 0,
): Found | NotFound {
  const ws = workspace(ctx.nodeCount * labelsPerNode, ctx.nodeCount);
  const L = ws.labels;
  L.size = 0;
  const widest = mode === 'widest';
  const index = ctx.index;
  const K = labelsPerNode;
  const n = ctx.nodeCount;
  const kept = ws.kept;
  const keptCount = ws.keptCount;
  keptCount.fill(0, 0, n);
  // The best label queued (pushed, not yet popped) per node: Dijkstra's tentative distance.
  const tentative = ws.tentative;
  tentative.fill(-1, 0, n);
  let statePruned = false;

  const scidOf = (l: number): bigint => {
    const s = L.slot[l]!;
    return s >= 0 ? index!.channel[s]!.shortChannelId : L.extra[l]!.hop.shortChannelId;
  };
  // Deterministic total order: (wider,) cheaper, shorter CLTV, fewer hops, then the channel ids
  // along the path, then the node index.
  const tieBreak = (x: number, y: number): boolean => {
    for (let a = x, b = y; L.next[a]! >= 0 && L.next[b]! >= 0; a = L.next[a]!, b = L.next[b]!) {
      const sa = scidOf(a);
      const sb = scidOf(b);
      if (sa !== sb) return sa < sb;
      const da = L.slot[a]! >= 0 ? L.slot[a]! : -1;
      const db = L.slot[b]! >= 0 ? L.slot[b]! : -1;
      if (da !== db) return da < db;
    }
    return L.node[x]! < L.node[y]!;
  };
  const less = (x: number, y: number): boolean => {
    if (widest && L.value[x] !== L.value[y]) return L.value[x]! > L.value[y]!;
    if (L.prio[x] !== L.prio[y]) return L.prio[x]! < L.prio[y]!;
    if (L.cost[x] !== L.cost[y]) return L.cost[x]! < L.cost[y]!;
    if (L.cltv[x] !== L.cltv[y]) return L.cltv[x]! < L.cltv[y]!;
    if (L.len[x] !== L.len[y]) return L.len[x]! < L.len[y]!;
    return x !== y && tieBreak(x, y);
  };
  const heap = ws.heap;
  heap.reset(less);

  /** True when label `a` is no worse than a would-be label in everything that limits extending it. */
  const dominates = (a: number, val: number, amount: number, cost: number, cltv: number, len: number): boolean =>
    L.cost[a]! <= cost && L.cltv[a]! <= cltv && L.len[a]! <= len && (widest ? L.value[a]! >= val : L.amount[a]! <= amount);
  const strictlyBetter = (a: number, val: number, amount: number, cost: number, cltv: number, len: number): boolean =>
    L.cost[a]! < cost || L.cltv[a]! < cltv || L.len[a]! < len || (widest ? L.value[a]! > val : L.amount[a]! < amount);
  /** True when a would-be label at `node` cannot be useful. */
  const pruned = (node: number, val: number, amount: number, cost: number, cltv: number, len: number): boolean => {
    const t = tentative[node]!;
    if (K === 1) {
      // Plain Dijkstra: only a cheaper label (in the total order's first keys) replaces the queued one.
      // Exact ties are both queued, so the total order (not arrival order) decides.
      if (t < 0) return false;
      if (widest && L.value[t] !== val) return L.value[t]! > val;
      if (L.cost[t] !== cost) return L.cost[t]! < cost;
      return L.cltv[t]! < cltv || (L.cltv[t] === cltv && L.len[t]! < len);
    }
    const c = keptCount[node]!;
    const base = node * K;
    for (let i = 0; i < c; i++) if (dominates(kept[base + i]!, val, amount, cost, cltv, len)) return true;
    // Against a queued label, equality does not prune: the total order decides between them.
    return t >= 0 && dominates(t, val, amount, cost, cltv, len) && strictlyBetter(t, val, amount, cost, cltv, len);
  };
  /** True when `node` is on label `l`'s path (paths are simple). Only kept labels are on paths. */
  const onPath = (l: number, node: number): boolean => {
    if (keptCount[node] === 0) return false;
    for (let a = l; a >= 0; a = L.next[a]!) if (L.node[a] === node) return true;
    return false;
  };

  const usage: ChannelUsage = { amountMsat: 0, inflightHtlcMsat: 0, capacityMsat: 0, capacityKind: 'unknown', htlcMaximumMsat: undefined };
  const scorer = ctx.scorer;
  const dist = perHopEstimate > 0 && !widest ? ctx.hopDistance : undefined;
  const used = ctx.used;
  const anyUsed = used.size > 0;
  const anyFailed = ctx.failed.size > 0;
  const ig = ctx.ignored;
  const payer = ctx.payer;
  const maxCltv = ctx.maxCltv;

  // Per-channel numbers for the widest mode's path walks: a graph slot or an extra edge.
  const chBase = (s: number, e: Edge | undefined): number => (s >= 0 ? index!.feeBase[s]! : e!.base);
  const chProp = (s: number, e: Edge | undefined): number => (s >= 0 ? index!.feeProp[s]! : e!.prop);
  const chMin = (s: number, e: Edge | undefined): number => (s >= 0 ? index!.htlcMin[s]! : e!.min);
  const chRoom = (s: number, e: Edge | undefined): number => {
    const max = s >= 0 ? index!.htlcMax[s]! : e!.max;
    const cap = (s >= 0 ? index!.capacity[s]! : e!.cap) - (anyUsed ? (used.get(s >= 0 ? s : e!.key) ?? 0) : 0);
    return max < cap ? max : cap;
  };
  let widenCarried = 0;
  // The labels along a path (at most the path length limit, 19, plus the payee's).
  const widenPath = new Int32Array(ctx.maxLength + 1);
  /**
   * Widest mode: the most the channel (s, e) followed by label `l`'s path can deliver (≤ l's
   * value), leaving what the channel then carries in `widenCarried`; -1 when nothing fits.
   */
  const widen = (l: number, s: number, e: Edge | undefined): number => {
    let x = chRoom(s, e);
    if (x <= 0) return -1;
    for (let a = l; L.next[a]! >= 0; a = L.next[a]!) {
      const as = L.slot[a]!;
      const ae = L.extra[a];
      if (x < INF) x = maxForwardable(chBase(as, ae), chProp(as, ae), x);
      const room = chRoom(as, ae);
      if (room < x) x = room;
      if (x <= 0) return -1;
    }
    const v = Math.min(x, L.value[l]!);
    // Backwards again: what each channel carries for `v`; each must meet its minimum.
    let carried = v;
    let n = 0;
    for (let a = l; L.next[a]! >= 0; a = L.next[a]!) widenPath[n++] = a;
    for (let i = n - 1; i >= 0; i--) {
      const a = widenPath[i]!;
      const as = L.slot[a]!;
      const ae = L.extra[a];
      if (carried < chMin(as, ae)) return -1;
      carried += feeOf(chBase(as, ae), chProp(as, ae), carried);
    }
    if (carried < chMin(s, e)) return -1;
    widenCarried = carried;
    return v;
  };
  const penaltiesOf = (l: number): number => L.cost[l]! - (L.amount[l]! - L.value[l]!);

  /**
   * Extends label `l` (at the channel's target) backwards over graph slot `s` (or extra edge `e`
   * when `s` < 0) from `source`; queues the new label unless a limit or a better label forbids it.
   */
  const relax = (l: number, s: number, e: Edge | undefined, source: number): void => {
    if (keptCount[source]! >= K) return;
    if (dist !== undefined && dist[source] === INF) return;
    const len = L.len[l]! + 1;
    let val = L.value[l]!;
    let carried = L.amount[l]!;
    let base: number;
    let prop: number;
    let delta: number;
    if (s >= 0) {
      base = index!.feeBase[s]!;
      prop = index!.feeProp[s]!;
      delta = index!.cltv[s]!;
    } else {
      base = e!.base;
      prop = e!.prop;
      delta = e!.cltv;
    }
    if (!widest) {
      if (carried > (s >= 0 ? index!.htlcMax[s]! : e!.max)) {
        ig.liquidity++;
        statePruned = true;
        return;
      }
      const cap = (s >= 0 ? index!.capacity[s]! : e!.cap) - (anyUsed ? (used.get(s >= 0 ? s : e!.key) ?? 0) : 0);
      if (carried > cap) {
        ig.liquidity++;
        statePruned = true;
        return;
      }
      if (carried < (s >= 0 ? index!.htlcMin[s]! : e!.min)) {
        ig.htlcMinimum++;
        statePruned = true;
        return;
      }
    } else {
      const v = widen(l, s, e);
      if (v < 0) {
        ig.liquidity++;
        statePruned = true;
        return;
      }
      val = v;
      carried = widenCarried;
    }
    // Our own channel charges nothing and adds no delta (we are the sender, not a forwarder).
    const fromPayer = source === payer;
    const amount = fromPayer ? carried : carried + feeOf(base, prop, carried);
    const cltv = L.cltv[l]! + (fromPayer ? 0 : delta);
    if (cltv > maxCltv) {
      ig.cltv++;
      statePruned = true;
      return;
    }
    if (amount - val > feeBudget) {
      ig.feeLimit++;
      statePruned = true;
      return;
    }
    const lower = widest ? amount - val + penaltiesOf(l) : L.cost[l]! + (amount - carried);
    // Cheap prune before asking the scorer: a penalty only makes the label dearer.
    if (pruned(source, val, amount, lower, cltv, len)) return;
    const scid = s >= 0 ? index!.channel[s]!.shortChannelId : e!.hop.shortChannelId;
    if (anyFailed && ctx.failed.has(scid)) {
      ig.previouslyFailed++;
      return;
    }
    if (onPath(l, source)) return;
    let penalty = 0;
    if (scorer) {
      usage.amountMsat = carried;
      let oneToTwo: boolean;
      if (s >= 0) {
        const f = index!.flags[s]!;
        usage.inflightHtlcMsat = anyUsed ? (used.get(s) ?? 0) : 0;
        usage.capacityMsat = index!.capacity[s]!;
        usage.capacityKind = (f & SLOT_CAPACITY_KNOWN) !== 0 ? 'total' : 'htlc-maximum';
        usage.htlcMaximumMsat = index!.htlcMax[s]!;
        oneToTwo = (f & SLOT_ONE_TO_TWO) !== 0;
      } else {
        usage.inflightHtlcMsat = anyUsed ? (used.get(e!.key) ?? 0) : 0;
        usage.capacityMsat = e!.cap;
        usage.capacityKind = e!.capacityKind;
        usage.htlcMaximumMsat = e!.max;
        oneToTwo = e!.oneToTwo;
      }
      penalty = scorer.channelPenaltyMsat(scid, oneToTwo, usage);
      if (!(penalty < INF)) {
        ig.liquidity++;
        return;
      }
      if (penalty > 0 && pruned(source, val, amount, lower + penalty, cltv, len)) return;
    }
    const cost = lower + penalty;
    const id = L.add(source, l, len, cltv, amount, val, cost, dist === undefined ? cost : cost + dist[source]! * perHopEstimate, s, e);
    const t = tentative[source]!;
    if (t < 0 || less(id, t)) tentative[source] = id;
    heap.push(id);
  };

  L.add(ctx.payee, -1, 0, ctx.finalCltv, value, value, 0, 0, -1, undefined);
  heap.push(0);
  const graphBound = index ? index.nodeBound : 0;
  const start = index?.start;
  const source = index?.source;
  const flags = index?.flags;
  const useGraphFromPayer = ctx.useGraphFromPayer;
  const maxLength = ctx.maxLength;
  while (heap.size > 0) {
    if (L.size > labelLimit) break;
    const l = heap.pop();
    const node = L.node[l]!;
    if (tentative[node] === l) tentative[node] = -1;
    const c = keptCount[node]!;
    if (c >= K) continue;
    if (K > 1) {
      let dominated = false;
      for (let i = 0; i < c && !dominated; i++) {
        dominated = dominates(kept[node * K + i]!, L.value[l]!, L.amount[l]!, L.cost[l]!, L.cltv[l]!, L.len[l]!);
      }
      if (dominated) continue;
    }
    kept[node * K + c] = l;
    keptCount[node] = c + 1;
    if (node === payer) return found(L, l, statePruned);
    if (L.len[l]! >= maxLength) {
      ig.pathLength++;
      statePruned = true;
      continue;
    }
    const extra = ctx.extraInbound.get(node);
    if (extra) for (const e of extra) relax(l, -1, e, e.source);
    if (node < graphBound) {
      const end = start![node + 1]!;
      for (let s = start![node]!; s < end; s++) {
        if ((flags![s]! & SLOT_USABLE) === 0) continue;
        const src = source![s]!;
        if (src === payer && !useGraphFromPayer) continue;
        relax(l, s, undefined, src);
      }
    }
  }
  return { channels: undefined, labels: L.size, statePruned };
}

function found(L: Labels, l: number, statePruned: boolean): Found {
  const channels: Array<Edge | number> = [];
  for (let a = l; L.next[a]! >= 0; a = L.next[a]!) channels.push(L.slot[a]! >= 0 ? L.slot[a]! : L.extra[a]!);
  return { channels, value: L.value[l]!, amount: L.amount[l]!, labels: L.size, statePruned };
}

/**
 * True when the payer can reach the payee at all over usable channels, whatever the amounts and
 * limits: a breadth-first walk back from the payee, so a hopeless payment fails in one cheap pass
 * instead of several searches.
 */
export function reachable(ctx: SearchContext): boolean {
  const index = ctx.index;
  const seen = new Uint8Array(ctx.nodeCount);
  const queue = new Int32Array(ctx.nodeCount);
  let head = 0;
  let tail = 0;
  queue[tail++] = ctx.payee;
  seen[ctx.payee] = 1;
  const bound = index ? index.nodeBound : 0;
  while (head < tail) {
    const node = queue[head++]!;
    if (node === ctx.payer) return true;
    const visit = (src: number, scid: bigint): void => {
      if (seen[src] || ctx.failed.has(scid)) return;
      seen[src] = 1;
      queue[tail++] = src;
    };
    for (const e of ctx.extraInbound.get(node) ?? []) visit(e.source, e.hop.shortChannelId);
    if (node < bound) {
      const end = index!.start[node + 1]!;
      for (let s = index!.start[node]!; s < end; s++) {
        if ((index!.flags[s]! & SLOT_USABLE) === 0) continue;
        const src = index!.source[s]!;
        if (src === ctx.payer && !ctx.useGraphFromPayer) continue;
        visit(src, index!.channel[s]!.shortChannelId);
      }
    }
  }
  return false;
}

/**
 * Fewest hops from the payer to every node, over gossip channels in either direction (weight 1)
 * and our channels and hints (weight 0): a 0-1 breadth-first walk. Each gossip channel on a path
 * costs at least the scorer's minimum penalty, so `hops × minimum` never overestimates what the
 * rest of a path costs — an admissible, consistent A* estimate.
 */
export function hopDistances(ctx: Pick<SearchContext, 'payer' | 'nodeCount' | 'index' | 'extraInbound'>): Float64Array {
  const n = ctx.nodeCount;
  const dist = new Float64Array(n).fill(INF);
  const extraAdj = new Map<number, number[]>();
  for (const edges of ctx.extraInbound.values()) {
    for (const e of edges) {
      for (const [a, b] of [
        [e.source, e.target],
        [e.target, e.source],
      ] as const) {
        const l = extraAdj.get(a);
        if (l) l.push(b);
        else extraAdj.set(a, [b]);
      }
    }
  }
  const index = ctx.index;
  const bound = index ? index.nodeBound : 0;
  // A circular deque: 0-weight neighbours go to the front, 1-weight ones to the back.
  const cap = 4 * n + 16;
  const dq = new Int32Array(cap);
  let head = 0;
  let tail = 0;
  dq[tail++] = ctx.payer;
  dist[ctx.payer] = 0;
  while (head !== tail) {
    const node = dq[head]!;
    head = (head + 1) % cap;
    const d = dist[node]!;
    const adj = extraAdj.get(node);
    if (adj) {
      for (const m of adj) {
        if (dist[m]! <= d) continue;
        dist[m] = d;
        head = (head - 1 + cap) % cap;
        dq[head] = m;
      }
    }
    if (node < bound) {
      const end = index!.start[node + 1]!;
      for (let s = index!.start[node]!; s < end; s++) {
        const m = index!.source[s]!;
        if (dist[m]! <= d + 1) continue;
        dist[m] = d + 1;
        dq[tail] = m;
        tail = (tail + 1) % cap;
      }
    }
  }
  return dist;
}
