/**
 * `route.*`: `getRoute` over a graph ingested from a shared gossip file, for the deterministic
 * source/destination pairs of `../shared/bench/ldk/ldk-route.mjs` (`pickPairs(recs, 1000, 7)`),
 * at 10,000 sat and 1,000,000 sat, with the probabilistic scorer (default parameters, no history)
 * and `paymentParametersFromNodeId(dst, 40)` (payee features from the graph, so MPP is allowed) —
 * LDK's workload exactly. Also `route.graph_write` / `route.graph_read` (NetworkGraph
 * serialization).
 *
 * LDK runs the same pairs in the same run through its harness, over the first `--ldk-pairs N`
 * pairs (default 100: LDK takes about a second per 1,000,000 sat route); our median/p99 over those
 * same pairs is what the ratio compares, and our figures over all 1,000 pairs are given beside.
 * The file is `--file PATH` (default `../shared/bench/gossip-12k.bin`); a missing file is an error
 * that says so.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { chainHash } from '@lnts/lightning/chain';
import { readMessage } from '@lnts/lightning/ln';
import {
  getRoute,
  NetGraphMsgHandler,
  NetworkGraph,
  ProbabilisticScorer,
  paymentParametersFromNodeId,
  RouteNotFound,
  routeParametersFromPaymentParamsAndValue,
  routeTotalFeesMsat,
} from '@lnts/lightning/routing';
import { DecodeError } from '@lnts/lightning/util';
import { bestBackend } from '../src/crypto/index.js';
import { emit, gossipRecords, ldkHarness, SHARED_BENCH, wanted } from './util.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
}

/** xoshiro128** seeded by splitmix32: the harness's pair generator, bit for bit. */
class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  constructor(seed: number) {
    let s = seed >>> 0;
    const sm = () => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = sm();
    this.b = sm();
    this.c = sm();
    this.d = sm();
  }
  u32(): number {
    const rotl = (x: number, k: number) => ((x << k) | (x >>> (32 - k))) >>> 0;
    const r = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    this.a >>>= 0;
    this.b >>>= 0;
    this.c >>>= 0;
    this.d >>>= 0;
    return r;
  }
  below(n: number): number {
    return Math.floor((this.u32() / 4294967296) * n);
  }
}

/** The harness's `pickPairs`: node ids of the node_announcements in file order, pairs drawn by `Rng(seed)`. */
function pickPairs(recs: Uint8Array[], count: number, seed: number): Array<[Uint8Array, Uint8Array]> {
  const nodes: Uint8Array[] = [];
  for (const r of recs) {
    if (((r[0]! << 8) | r[1]!) !== 257) continue;
    const p = r.subarray(2);
    const flen = (p[64]! << 8) | p[65]!;
    const off = 64 + 2 + flen + 4;
    nodes.push(p.slice(off, off + 33));
  }
  const rng = new Rng(seed);
  const pairs: Array<[Uint8Array, Uint8Array]> = [];
  for (let i = 0; i < count; i++) {
    const s = rng.below(nodes.length);
    let d = rng.below(nodes.length - 1);
    if (d >= s) d++;
    pairs.push([nodes[s]!, nodes[d]!]);
  }
  return pairs;
}

interface Row {
  ms: number;
  ok: boolean;
  paths: number;
  hops: number;
  feeMsat: number;
}

function pct(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

function stats(rows: Row[]) {
  const ms = rows.map((r) => r.ms).sort((a, b) => a - b);
  const ok = rows.filter((r) => r.ok);
  const paths = ok.reduce((a, r) => a + r.paths, 0);
  return {
    routes: rows.length,
    medianMs: pct(ms, 50),
    p99Ms: pct(ms, 99),
    meanMs: ms.reduce((a, b) => a + b, 0) / Math.max(1, ms.length),
    successRate: ok.length / Math.max(1, rows.length),
    meanFeeMsat: ok.length ? Math.round(ok.reduce((a, r) => a + r.feeMsat, 0) / ok.length) : null,
    meanPaths: ok.length ? paths / ok.length : null,
    meanHops: paths ? ok.reduce((a, r) => a + r.hops, 0) / paths : null,
  };
}

interface LdkStats {
  medianMs: number;
  p99Ms: number;
  successRate: number;
  meanFeeMsat: number | null;
  meanPaths: number | null;
  meanHops: number | null;
}

/** LDK's `find_route` on the same file and pairs, through its harness (graph cached between runs). */
function ldkRoutes(file: string, pairs: number): { results: Record<string, LdkStats>; graphReadMs: number | null } | null {
  const dst = pairs === 0 ? null : ldkHarness(['ldk-route.mjs', 'ldk-gossip.mjs']);
  if (!dst) return null;
  const cache = join(dst, `graph-${basename(file)}.ldk`);
  try {
    const out = execFileSync(
      process.execPath,
      [join(dst, 'ldk-route.mjs'), '--file', file, '--pairs', '1000', '--to', String(pairs), '--scorers', 'probabilistic', '--graph-cache', cache, '--json'],
      { encoding: 'utf8', maxBuffer: 1 << 26, timeout: 3_600_000 },
    );
    const r = JSON.parse(out.trim().split('\n').at(-1)!) as { results: Record<string, LdkStats>; ingest: { source: string; ms: number } };
    // With a cached graph the harness's "ingest" is LDK's NetworkGraph::read of it.
    return { results: r.results, graphReadMs: r.ingest.source === 'graph-cache' ? r.ingest.ms : null };
  } catch (e) {
    console.error(`route: LDK harness failed: ${(e as Error).message.split('\n')[0]}`);
    return null;
  }
}

if (wanted('route')) {
  const file = resolve(arg('--file') ?? join(SHARED_BENCH, 'gossip-12k.bin'));
  if (!existsSync(file)) {
    console.error(`route: gossip file not found: ${file} (pass --file PATH)`);
    process.exit(1);
  }
  const recs = gossipRecords(new Uint8Array(readFileSync(file)));
  const graph = new NetworkGraph(chainHash('bitcoin'));
  const handler = new NetGraphMsgHandler(graph, null, { log() {} }, bestBackend());
  const peer = new Uint8Array(33);
  for (const rec of recs) {
    const m = readMessage(rec);
    if (!(m instanceof DecodeError) && m.name !== 'unknown') handler.handleGossipMessage(peer, m);
  }

  // Serialization of the graph.
  const tw = performance.now();
  const bytes = graph.write();
  const writeMs = performance.now() - tw;
  const tr = performance.now();
  const back = NetworkGraph.read(bytes);
  const readMs = performance.now() - tr;
  if (back instanceof DecodeError) throw back;

  const ldkPairs = Number(arg('--ldk-pairs') ?? 100);
  const pairs = pickPairs(recs, Number(arg('--pairs') ?? 1000), 7);
  const logger = { log() {} };
  // Default decay and fee parameters, no payment history: LDK's harness does the same.
  const scorer = new ProbabilisticScorer({}, graph, logger);
  const name = 'probabilistic';
  const ldkRun = ldkRoutes(file, Math.min(ldkPairs, pairs.length));
  const ldk = ldkRun?.results;
  emit({ bench: 'route.graph_write', unit: 'ms', value: writeMs, bytes: bytes.length, channels: graph.size.channels, file: basename(file) });
  const ldkRead = ldkRun?.graphReadMs ?? null;
  emit({
    bench: 'route.graph_read',
    unit: 'ms',
    value: readMs,
    // Lower is better here, so the ratio is LDK's time over ours.
    ldk: ldkRead,
    ratio: ldkRead === null ? null : ldkRead / readMs,
    channels: back.size.channels,
    nodes: back.size.nodes,
    file: basename(file),
  });
  for (const amountSat of [10_000n, 1_000_000n]) {
    const run = (i: number): Row => {
      const [src, dst] = pairs[i]!;
      const params = routeParametersFromPaymentParamsAndValue(paymentParametersFromNodeId(dst, 40), amountSat * 1000n);
      const t0 = performance.now();
      const r = getRoute(src, params, graph, null, logger, scorer);
      const ms = performance.now() - t0;
      if (r instanceof RouteNotFound) return { ms, ok: false, paths: 0, hops: 0, feeMsat: 0 };
      return { ms, ok: true, paths: r.paths.length, hops: r.paths.reduce((a, p) => a + p.hops.length, 0), feeMsat: Number(routeTotalFeesMsat(r)) };
    };
    for (let i = 0; i < 5; i++) run(i); // warm-up, as the harness does
    const rows = pairs.map((_, i) => run(i));
    const all = stats(rows);
    const same = stats(rows.slice(0, ldkPairs));
    const l = ldk?.[`probabilistic/${amountSat}sat`];
    emit({
      bench: `route.${amountSat === 10_000n ? '10k' : '1m'}sat.median`,
      unit: 'ms',
      value: same.medianMs,
      ldk: l?.medianMs ?? null,
      ratio: l ? l.medianMs / same.medianMs : null,
      pairs: same.routes,
      p99Ms: same.p99Ms,
      ldkP99Ms: l?.p99Ms ?? null,
      successRate: same.successRate,
      ldkSuccessRate: l?.successRate ?? null,
      meanFeeMsat: same.meanFeeMsat,
      ldkMeanFeeMsat: l?.meanFeeMsat ?? null,
      meanPaths: same.meanPaths,
      ldkMeanPaths: l?.meanPaths ?? null,
      meanHops: same.meanHops,
      ldkMeanHops: l?.meanHops ?? null,
      all1000: all,
      scorer: name,
      file: basename(file),
    });
  }
}
