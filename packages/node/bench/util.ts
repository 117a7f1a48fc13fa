/**
 * Shared benchmark helpers: timing loops and the one-JSON-object-per-line output that
 * `npm run bench` promises (`{"bench", "unit", "value", "ldk"?, "ratio"?, ...detail}`).
 */
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** `../shared/bench` beside the project: the gossip datasets and LDK's harness. */
export const SHARED_BENCH = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../shared/bench');

/** Splits the `u16be length || message` records of a shared gossip file. */
export function gossipRecords(buf: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let off = 0; off + 2 <= buf.length; ) {
    const len = (buf[off]! << 8) | buf[off + 1]!;
    out.push(buf.subarray(off + 2, off + 2 + len));
    off += 2 + len;
  }
  return out;
}

/**
 * LDK's harness scripts (`../shared/bench/ldk/`) copied, with `ldk-common.mjs`, beside our
 * node_modules so they resolve `lightningdevkit`. Returns that folder, or null when
 * `LNTS_BENCH_NO_LDK` is set or the harness is not there.
 */
export function ldkHarness(scripts: readonly string[]): string | null {
  if (process.env.LNTS_BENCH_NO_LDK) return null;
  const src = join(SHARED_BENCH, 'ldk');
  if (!scripts.every((f) => existsSync(join(src, f)))) return null;
  const dst = resolve(dirname(fileURLToPath(import.meta.url)), '../../../node_modules/.cache/lnts-ldk-bench');
  mkdirSync(dst, { recursive: true });
  for (const f of [...scripts, 'ldk-common.mjs']) copyFileSync(join(src, f), join(dst, f));
  return dst;
}

/** One figure. */
export interface Figure {
  bench: string;
  unit: string;
  value: number;
  ldk?: number | null;
  ratio?: number | null;
  ceiling?: number;
  [detail: string]: unknown;
}

/** True when the figure's name passes the filter given on the command line. */
export function wanted(bench: string): boolean {
  const filter = process.argv[2] ?? '';
  return filter === '' || bench.includes(filter) || filter.includes(bench.split('.')[0] ?? '');
}

/** Prints one figure as a JSON line (rounded to 4 significant digits), if it passes the filter. */
export function emit(f: Figure): void {
  if (!wanted(f.bench)) return;
  const round = (x: number) => (Number.isFinite(x) ? Number(x.toPrecision(4)) : x);
  const out: Figure = { ...f, value: round(f.value) };
  if (typeof f.ldk === 'number') out.ldk = round(f.ldk);
  if (typeof f.ratio === 'number') out.ratio = round(f.ratio);
  if (typeof f.ceiling === 'number') out.ceiling = round(f.ceiling);
  out.node = process.version;
  out.cpus = availableParallelism();
  console.log(JSON.stringify(out));
}

/**
 * Runs `fn` repeatedly for at least `minMs` (after a short warm-up) and returns operations per
 * second. `fn` returns how many operations it performed (default 1).
 */
export function opsPerSec(fn: () => number | undefined, minMs = 1000): number {
  const warmEnd = performance.now() + Math.min(200, minMs / 5);
  while (performance.now() < warmEnd) fn();
  let ops = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < minMs) {
    const n = fn();
    ops += typeof n === 'number' ? n : 1;
    t = performance.now();
  }
  return ops / ((t - t0) / 1000);
}
