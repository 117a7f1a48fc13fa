/**
 * ECDSA batch verification on every core: `verifyEcdsaBatch` of the native backend. A small pool
 * of `worker_threads` (available cores − 1, at least one) loads the same libsecp256k1 addon; the
 * calling thread copies a batch into a `SharedArrayBuffer`, wakes the workers and verifies
 * alongside them, each thread claiming chunks of the batch from a shared counter, and then waits
 * (`Atomics.wait`) for the workers that joined. The call stays synchronous, as the core's
 * `CryptoBackend` seam is: the core never awaits, so gossip ingest gets the second core without
 * becoming asynchronous.
 *
 * Work is claimed, not assigned: a worker that has not started yet, or that the OS runs late,
 * joins only while the batch is still open, and the caller never waits for one that did not
 * join — so a cold or busy pool costs nothing but the copy. Small batches are verified inline
 * (waking a thread costs more than it saves). The pool starts on the first large batch, its
 * threads are `unref()`'d (an idle pool never keeps the process alive), and any failure — a
 * worker that cannot start or load the addon, or one that stops answering — turns the pool off
 * for good: every later batch is verified inline with the same results.
 * @module
 */
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import type { EcdsaVerifyItem } from '@lnts/lightning/crypto';
import type { NativeSecp256k1 } from './native.js';

/**
 * Below this many signatures a batch is verified on the calling thread. Measured with
 * `npm run bench -- crypto.verify_batch` on 2 cores (one worker): 8 or fewer is a single chunk
 * the caller does alone (0.9×: the copy and wake-up for nothing), 12 gains 1.4×, 16 1.7×,
 * 1,000 1.95×.
 */
export const VERIFY_BATCH_INLINE_BELOW = 16;

/** Options of {@link EcdsaVerifyPool}; all optional. */
export interface EcdsaVerifyPoolOptions {
  /** Worker threads besides the caller (default: available cores − 1, at least 1). */
  readonly workers?: number;
  /** Batches smaller than this are verified inline (default {@link VERIFY_BATCH_INLINE_BELOW}). */
  readonly inlineBelow?: number;
  /** The addon file the workers `require` (default: `secp256k1/bindings`, resolved from here). */
  readonly addonPath?: string;
  /** Signatures per round through the shared buffer; larger batches take several rounds. */
  readonly capacity?: number;
  /** How long the caller waits for a joined worker's last chunk before giving up on the pool. */
  readonly joinTimeoutMs?: number;
  /** Starts one worker (default `new Worker`); tests inject failures here. */
  readonly spawn?: (source: string, options: WorkerOptions) => Worker;
}

// Control words (Int32Array over a SharedArrayBuffer).
const SEQ = 0; // bumped for every round; idle workers wait on it
const STATE = 1; // OPEN bit | number of workers that joined the round
const NEXT = 2; // next unclaimed item of the round
const END = 3; // items in the round
const DONE = 4; // joined workers that finished the round
const STOP = 5; // 1: workers exit
const READY = 6; // workers that loaded the addon (diagnostics, tests)
const CTRL_WORDS = 8;
const OPEN = 1 << 30;
/** Items claimed at once: large enough to keep the shared counter cold, small enough to balance. */
const CHUNK = 8;
/** Per item in the shared buffer: a "lengths are right" byte, sig (64), digest (32), key (33). */
const SLOT = 130;

// Runs in each worker (CommonJS, plain JavaScript: it must not depend on how the caller loads
// TypeScript). Mirrors the caller's claiming loop below; verdicts: 1 valid, 2 invalid.
const WORKER_SOURCE = `'use strict';
const { workerData } = require('node:worker_threads');
const lib = require(workerData.addonPath);
const ctrl = new Int32Array(workerData.ctrl);
const data = new Uint8Array(workerData.data);
const out = new Uint8Array(workerData.results);
const sig = new Uint8Array(64), msg = new Uint8Array(32), pub = new Uint8Array(33);
function work() {
  const end = Atomics.load(ctrl, ${END});
  for (;;) {
    const from = Atomics.add(ctrl, ${NEXT}, ${CHUNK});
    if (from >= end) break;
    const to = Math.min(from + ${CHUNK}, end);
    for (let i = from; i < to; i++) {
      const o = i * ${SLOT};
      let ok = false;
      if (data[o] === 1) {
        sig.set(data.subarray(o + 1, o + 65));
        msg.set(data.subarray(o + 65, o + 97));
        pub.set(data.subarray(o + 97, o + 130));
        try { ok = lib.ecdsaVerify(sig, msg, pub); } catch { ok = false; }
      }
      out[i] = ok ? 1 : 2;
    }
  }
}
Atomics.add(ctrl, ${READY}, 1);
for (;;) {
  const seq = Atomics.load(ctrl, ${SEQ});
  if (Atomics.load(ctrl, ${STOP}) === 1) break;
  let s = Atomics.load(ctrl, ${STATE});
  while (s & ${OPEN}) {
    const prev = Atomics.compareExchange(ctrl, ${STATE}, s, s + 1);
    if (prev === s) {
      try { work(); } finally { Atomics.add(ctrl, ${DONE}, 1); Atomics.notify(ctrl, ${DONE}); }
      break;
    }
    s = prev;
  }
  Atomics.wait(ctrl, ${SEQ}, seq);
}
`;

function lengthsOk(it: EcdsaVerifyItem): boolean {
  return it.sig.length === 64 && it.msg32.length === 32 && it.pubkey.length === 33;
}

/** One verification with the native backend's `verifyEcdsa` semantics (bad lengths or encodings: false). */
function verifyOne(lib: NativeSecp256k1, it: EcdsaVerifyItem): boolean {
  if (!lengthsOk(it)) return false;
  try {
    return lib.ecdsaVerify(it.sig, it.msg32, it.pubkey);
  } catch {
    return false;
  }
}

/** Verifies every item on the calling thread. */
export function verifyEcdsaInline(lib: NativeSecp256k1, items: readonly EcdsaVerifyItem[]): boolean[] {
  const out = new Array<boolean>(items.length);
  for (let i = 0; i < items.length; i++) out[i] = verifyOne(lib, items[i]!);
  return out;
}

/** What the pool is doing; `off` is final. */
export type VerifyPoolState = 'idle' | 'running' | 'off';

/**
 * Verifies batches of ECDSA signatures on the calling thread and a pool of workers, with
 * results identical to verifying one by one with `lib` (libsecp256k1: low-S only, compact
 * signatures, compressed keys; anything malformed is `false`).
 */
export class EcdsaVerifyPool {
  private readonly workerCount: number;
  private readonly inlineBelow: number;
  private readonly capacity: number;
  private readonly joinTimeoutMs: number;
  private readonly addonPath: string | undefined;
  private readonly spawn: (source: string, options: WorkerOptions) => Worker;
  private workers: Worker[] = [];
  private ctrl: Int32Array | undefined;
  private data: Uint8Array | undefined;
  private results: Uint8Array | undefined;
  private off = false;
  /** Why the pool turned itself off, if it did (diagnostics, tests). */
  failure: string | undefined;
  /** Signatures verified through the pool, and how many of them by the workers (diagnostics, tests). */
  readonly stats = { items: 0, workerItems: 0 };

  constructor(
    private readonly lib: NativeSecp256k1,
    opts: EcdsaVerifyPoolOptions = {},
  ) {
    this.workerCount = Math.max(1, opts.workers ?? availableParallelism() - 1);
    this.inlineBelow = opts.inlineBelow ?? VERIFY_BATCH_INLINE_BELOW;
    this.capacity = Math.max(CHUNK, opts.capacity ?? 4096);
    this.joinTimeoutMs = opts.joinTimeoutMs ?? 5000;
    this.addonPath = opts.addonPath;
    this.spawn = opts.spawn ?? ((source, options) => new Worker(source, options));
  }

  /** `idle` until the first large batch starts the workers, `running` after, `off` once closed or failed. */
  get state(): VerifyPoolState {
    if (this.off) return 'off';
    return this.workers.length > 0 ? 'running' : 'idle';
  }

  /** Workers that have loaded the addon and take work. */
  get readyWorkers(): number {
    return this.ctrl && !this.off ? Atomics.load(this.ctrl, READY) : 0;
  }

  /** `result[i]` is whether `items[i].sig` is a valid signature of `items[i].msg32` by `items[i].pubkey`. */
  verify(items: readonly EcdsaVerifyItem[]): boolean[] {
    if (items.length < this.inlineBelow || !this.start()) return verifyEcdsaInline(this.lib, items);
    const out = new Array<boolean>(items.length);
    for (let base = 0; base < items.length; base += this.capacity) {
      const n = Math.min(this.capacity, items.length - base);
      if (this.off) {
        for (let i = base; i < base + n; i++) out[i] = verifyOne(this.lib, items[i]!);
      } else {
        this.round(items, base, n, out);
      }
    }
    return out;
  }

  /** One round of at most `capacity` items through the shared buffer. */
  private round(items: readonly EcdsaVerifyItem[], base: number, n: number, out: boolean[]): void {
    const ctrl = this.ctrl!;
    const data = this.data!;
    const res = this.results!;
    for (let i = 0; i < n; i++) {
      const it = items[base + i]!;
      const o = i * SLOT;
      if (lengthsOk(it)) {
        data[o] = 1;
        data.set(it.sig, o + 1);
        data.set(it.msg32, o + 65);
        data.set(it.pubkey, o + 97);
      } else {
        data[o] = 0;
      }
    }
    res.fill(0, 0, n);
    Atomics.store(ctrl, NEXT, 0);
    Atomics.store(ctrl, END, n);
    Atomics.store(ctrl, DONE, 0);
    Atomics.store(ctrl, STATE, OPEN);
    Atomics.add(ctrl, SEQ, 1);
    Atomics.notify(ctrl, SEQ);
    const mine = new Uint8Array(n);
    for (;;) {
      const from = Atomics.add(ctrl, NEXT, CHUNK);
      if (from >= n) break;
      const to = Math.min(from + CHUNK, n);
      for (let i = from; i < to; i++) {
        out[base + i] = verifyOne(this.lib, items[base + i]!);
        mine[i] = 1;
      }
    }
    // Close the round: a worker that wakes from now on finds nothing to join.
    const joined = Atomics.and(ctrl, STATE, ~OPEN) & ~OPEN;
    const deadline = performance.now() + this.joinTimeoutMs;
    for (;;) {
      const done = Atomics.load(ctrl, DONE);
      if (done >= joined) break;
      const left = deadline - performance.now();
      if (left <= 0 || Atomics.wait(ctrl, DONE, done, left) === 'timed-out') {
        this.fail(`a worker did not finish its share within ${this.joinTimeoutMs} ms`);
        break;
      }
    }
    this.stats.items += n;
    for (let i = 0; i < n; i++) {
      if (mine[i] === 1) continue;
      const v = res[i];
      if (v !== 0) this.stats.workerItems++;
      // 0: claimed by a worker that never finished (the pool is off now): verify it here.
      out[base + i] = v === 0 ? verifyOne(this.lib, items[base + i]!) : v === 1;
    }
  }

  /** Starts the workers on first use; false when the pool is off. */
  private start(): boolean {
    if (this.off) return false;
    if (this.workers.length > 0) return true;
    try {
      const addonPath = this.addonPath ?? createRequire(import.meta.url).resolve('secp256k1/bindings');
      const ctrl = new SharedArrayBuffer(CTRL_WORDS * 4);
      const data = new SharedArrayBuffer(this.capacity * SLOT);
      const results = new SharedArrayBuffer(this.capacity);
      this.ctrl = new Int32Array(ctrl);
      this.data = new Uint8Array(data);
      this.results = new Uint8Array(results);
      for (let i = 0; i < this.workerCount; i++) {
        // No execArgv: the worker is plain JavaScript and needs none of the caller's loaders.
        const w = this.spawn(WORKER_SOURCE, { eval: true, execArgv: [], workerData: { addonPath, ctrl, data, results } });
        w.unref();
        w.on('error', (e) => this.fail(`verify worker failed: ${e instanceof Error ? e.message : String(e)}`));
        w.on('exit', (code) => {
          if (!this.off) this.fail(`verify worker exited (code ${code})`);
        });
        this.workers.push(w);
      }
      return true;
    } catch (e) {
      this.fail(`cannot start verify workers: ${e instanceof Error ? e.message : String(e)}`);
      return false;
    }
  }

  private fail(why: string): void {
    if (this.off) return;
    this.failure = why;
    this.shutdown();
  }

  private shutdown(): Promise<void> {
    this.off = true;
    const ws = this.workers;
    this.workers = [];
    if (this.ctrl) {
      Atomics.store(this.ctrl, STOP, 1);
      Atomics.add(this.ctrl, SEQ, 1);
      Atomics.notify(this.ctrl, SEQ);
    }
    return Promise.all(ws.map((w) => w.terminate())).then(() => undefined);
  }

  /** Stops the workers (later batches are verified inline); resolves once they have exited. */
  close(): Promise<void> {
    return this.shutdown();
  }
}

let realAddon: unknown;
let shared: EcdsaVerifyPool | undefined;

function isRealAddon(lib: NativeSecp256k1): boolean {
  if (realAddon === undefined) {
    try {
      realAddon = createRequire(import.meta.url)('secp256k1/bindings');
    } catch {
      realAddon = null;
    }
  }
  return lib === realAddon;
}

/**
 * The native backend's `verifyEcdsaBatch`: the process-wide pool, started on first use, for the
 * real addon; any other `lib` (a test double) is verified inline, since the workers could only
 * load the real one.
 */
export function verifyEcdsaBatchNative(lib: NativeSecp256k1, items: readonly EcdsaVerifyItem[]): boolean[] {
  if (items.length < VERIFY_BATCH_INLINE_BELOW || !isRealAddon(lib)) return verifyEcdsaInline(lib, items);
  shared ??= new EcdsaVerifyPool(lib);
  return shared.verify(items);
}

/** Stops the process-wide pool behind the native backend's `verifyEcdsaBatch` (a later batch starts a new one). */
export async function closeNativeVerifyPool(): Promise<void> {
  const s = shared;
  shared = undefined;
  await s?.close();
}
