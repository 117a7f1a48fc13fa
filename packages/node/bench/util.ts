/**
 * Shared benchmark helpers: timing loops and the one-JSON-object-per-line output that
 * `npm run bench` promises (`{"bench", "unit", "value", "ldk"?, "ratio"?, ...detail}`).
 */
import { availableParallelism } from 'node:os';

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
