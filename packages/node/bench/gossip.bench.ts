/**
 * `gossip.ingest`: wire bytes -> NetworkGraph through `NetGraphMsgHandler` with no chain.Access,
 * every record of a shared gossip file in file order, in batches of 1,000 records through
 * `handleGossipMessages` (signatures verified together, on every core with the native backend);
 * `gossip.ingest_sequential`: the same, one message at a time through `handleGossipMessage`.
 * The workload is that of `../shared/bench/ldk/ldk-gossip.mjs` (LDK's `P2PGossipSync` with
 * `UtxoLookup = None`), which runs on the same file in the same run when its harness is beside
 * the project.
 *
 * The file is `--file PATH` (after the filter: `npm run bench -- gossip --file PATH`), else
 * `LNTS_GOSSIP_FILE`, else `../shared/bench/gossip-1k.bin`. The timed region is decode + handle for
 * every record; reading the file is outside it, as in LDK's harness (which also works through
 * the file in batches of 1,000). Memory figures are the batched run's.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { chainHash } from '@lnts/lightning/chain';
import type { CryptoBackend } from '@lnts/lightning/crypto';
import { readMessage, type WireMessage } from '@lnts/lightning/ln';
import { NetGraphMsgHandler, NetworkGraph } from '@lnts/lightning/routing';
import { DecodeError, LightningError, toHex } from '@lnts/lightning/util';
import { bestBackend } from '../src/crypto/index.js';
import { emit, gossipRecords, ldkHarness, SHARED_BENCH, wanted } from './util.js';

function gossipFile(): string {
  const i = process.argv.indexOf('--file');
  if (i > 0 && process.argv[i + 1]) return resolve(process.argv[i + 1]!);
  if (process.env.LNTS_GOSSIP_FILE) return resolve(process.env.LNTS_GOSSIP_FILE);
  return join(SHARED_BENCH, 'gossip-1k.bin');
}

/** LDK on the same file through its own harness (copied beside our node_modules so it resolves lightningdevkit). */
function ldkIngest(file: string): { msgsPerSec: number; accepted: number; rssGrowthMiB: number } | null {
  const dst = ldkHarness(['ldk-gossip.mjs']);
  if (!dst) return null;
  try {
    const out = execFileSync(process.execPath, ['--expose-gc', join(dst, 'ldk-gossip.mjs'), '--file', file, '--json'], {
      encoding: 'utf8',
      maxBuffer: 1 << 26,
      timeout: 900_000,
    });
    const r = JSON.parse(out.trim().split('\n').at(-1)!) as { msgsPerSec: number; accepted: number; memory: { rssGrowthMiB: number } };
    return { msgsPerSec: r.msgsPerSec, accepted: r.accepted, rssGrowthMiB: r.memory.rssGrowthMiB };
  } catch {
    return null;
  }
}

/** LDK's harness and ours both take the file in batches of this many records. */
const BATCH = 1000;

interface IngestResult {
  ms: number;
  accepted: number;
  rejected: number;
  reasons: Record<string, number>;
  graph: NetworkGraph;
}

/**
 * Decodes and handles every record into a fresh graph: in batches through
 * `handleGossipMessages` (signatures verified together, on both cores with the native backend),
 * or one by one through `handleGossipMessage`.
 */
function ingest(recs: readonly Uint8Array[], crypto: CryptoBackend, batched: boolean): IngestResult {
  const graph = new NetworkGraph(chainHash('bitcoin'));
  const handler = new NetGraphMsgHandler(graph, null, { log() {} }, crypto);
  const peer = new Uint8Array(33);
  let accepted = 0;
  let rejected = 0;
  const reasons = new Map<string, number>();
  const count = (r: boolean | LightningError | DecodeError | { name: 'unknown' }) => {
    if (r === true) {
      accepted++;
      return;
    }
    rejected++;
    const why = r instanceof LightningError ? r.message : r === false ? 'not accepted' : 'decode error';
    reasons.set(why, (reasons.get(why) ?? 0) + 1);
  };
  const t0 = performance.now();
  if (batched) {
    for (let at = 0; at < recs.length; at += BATCH) {
      const msgs: WireMessage[] = [];
      for (const rec of recs.slice(at, at + BATCH)) {
        const m = readMessage(rec);
        if (m instanceof DecodeError || m.name === 'unknown') count(m);
        else msgs.push(m);
      }
      for (const r of handler.handleGossipMessages(peer, msgs)) count(r);
    }
  } else {
    for (const rec of recs) {
      const m = readMessage(rec);
      count(m instanceof DecodeError || m.name === 'unknown' ? m : handler.handleGossipMessage(peer, m));
    }
  }
  const ms = performance.now() - t0;
  return { ms, accepted, rejected, reasons: Object.fromEntries(reasons), graph };
}

if (wanted('gossip.ingest')) {
  const file = gossipFile();
  if (!existsSync(file)) {
    console.error(`gossip.ingest: gossip file not found: ${file} (pass --file PATH or set LNTS_GOSSIP_FILE)`);
    process.exit(1);
  }
  const recs = gossipRecords(new Uint8Array(readFileSync(file)));
  const crypto = bestBackend();
  global.gc?.();
  const rss0 = process.memoryUsage().rss;
  const heap0 = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
  const run = ingest(recs, crypto, true);
  // Twice: the first collection only finalizes what the second can free.
  global.gc?.();
  global.gc?.();
  const rssGrowthMiB = Math.round((process.memoryUsage().rss - rss0) / 1048576);
  // What the graph itself holds once garbage is collected (JS heap + typed-array backing stores).
  const graphMiB = Math.round((process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers - heap0) / 1048576);
  const runGraph = { channels: run.graph.size.channels, nodes: run.graph.size.nodes, digest: toHex(crypto.sha256(run.graph.write())) };
  run.graph = new NetworkGraph(chainHash('bitcoin'));
  // Then the old path on a graph of its own; the two must build the same graph, byte for byte.
  global.gc?.();
  const seq = ingest(recs, crypto, false);
  const sameGraph = toHex(crypto.sha256(seq.graph.write())) === runGraph.digest;
  const value = recs.length / (run.ms / 1000);
  const seqValue = recs.length / (seq.ms / 1000);
  const ldk = ldkIngest(file);
  emit({
    bench: 'gossip.ingest',
    unit: 'msgs/s',
    value,
    ldk: ldk?.msgsPerSec ?? null,
    ratio: ldk ? value / ldk.msgsPerSec : null,
    file: basename(file),
    messages: recs.length,
    batch: BATCH,
    accepted: run.accepted,
    rejected: run.rejected,
    ldkAccepted: ldk?.accepted ?? null,
    rejectReasons: run.reasons,
    wallMs: Math.round(run.ms),
    channels: runGraph.channels,
    nodes: runGraph.nodes,
    rssGrowthMiB,
    graphMiB,
    gcExposed: typeof global.gc === 'function',
    ldkRssGrowthMiB: ldk?.rssGrowthMiB ?? null,
    backend: crypto.name,
    batchVerify: crypto.verifyEcdsaBatch !== undefined,
  });
  emit({
    bench: 'gossip.ingest_sequential',
    unit: 'msgs/s',
    value: seqValue,
    ldk: ldk?.msgsPerSec ?? null,
    ratio: ldk ? seqValue / ldk.msgsPerSec : null,
    file: basename(file),
    messages: recs.length,
    accepted: seq.accepted,
    rejected: seq.rejected,
    wallMs: Math.round(seq.ms),
    channels: seq.graph.size.channels,
    nodes: seq.graph.size.nodes,
    sameGraphAsBatched: sameGraph,
    backend: crypto.name,
  });
}
