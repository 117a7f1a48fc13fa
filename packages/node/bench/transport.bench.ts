/**
 * BOLT 8 transport cost per crypto backend, in memory (no sockets): full three-act handshakes per
 * second, and the encrypt + decrypt round trip of 65535-byte messages (the BOLT 8 maximum, since
 * the 2-byte length prefix cannot express 64 KiB = 65536) in MB/s (10^6 bytes of plaintext per
 * second) and of 100-byte messages in messages/s.
 *
 * The ceiling is Node's own ChaCha20-Poly1305 (`createCipheriv`/`createDecipheriv`) sealing and
 * opening the same message sizes once each, with no framing, no length prefix and no key rotation;
 * `"ratio"` = transport figure / ceiling. Ceiling and backends are measured in interleaved slices
 * and reported as medians, because the machine is shared; `perCpuSecond` / `ratioCpu` give the
 * same per second of this process's CPU time, which other tenants' load disturbs far less.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import type { CryptoBackend } from '@lnts/lightning/crypto';
import { nobleBackend } from '@lnts/lightning/crypto';
import { PeerChannelEncryptor, TransportError } from '@lnts/lightning/ln';
import { loadNativeBackend, loadWasmBackend } from '../src/crypto/index.js';
import { emit, opsPerSec } from './util.js';

const MIN_MS = Number(process.env.BENCH_MS ?? 1000);

function backends(): CryptoBackend[] {
  const out: CryptoBackend[] = [];
  for (const load of [loadNativeBackend, loadWasmBackend]) {
    try {
      out.push(load());
    } catch (e) {
      console.error(`skipping backend: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  out.push(nobleBackend);
  return out;
}

const secret = (b: number) => new Uint8Array(32).fill(b);
const INI_SECRET = secret(0x11);
const INI_EPH = secret(0x12);
const RES_SECRET = secret(0x21);
const RES_EPH = secret(0x22);

function must<T>(r: T | TransportError): T {
  if (r instanceof TransportError) throw r;
  return r;
}

/** One complete handshake between two fresh encryptors. */
function handshake(c: CryptoBackend, resId: Uint8Array) {
  const { enc: ini, actOne } = PeerChannelEncryptor.newOutbound(c, INI_SECRET, resId, INI_EPH);
  const res = PeerChannelEncryptor.newInbound(c, RES_SECRET, RES_EPH);
  const two = must(res.feed(actOne)).send!;
  const three = must(ini.feed(two)).send!;
  if (!must(res.feed(three)).handshakeComplete) throw new Error('handshake did not complete');
  return { ini, res };
}

/** Encrypt on one side, decrypt on the other: `per` messages per call. */
function roundTrips(c: CryptoBackend, size: number, per: number): () => number {
  const { ini, res } = handshake(c, c.publicKey(RES_SECRET));
  const msg = new Uint8Array(size).fill(0x5a);
  return () => {
    for (let i = 0; i < per; i++) {
      const r = must(res.feed(ini.encryptMessage(msg)));
      if (r.messages.length !== 1) throw new Error('lost a message');
    }
    return per;
  };
}

/** Node's raw AEAD: seal then open `size` bytes, once each. */
function ceilingOps(size: number, per: number): () => number {
  const key = new Uint8Array(32).fill(7);
  const nonce = new Uint8Array(12);
  const msg = new Uint8Array(size).fill(0x5a);
  const opts = { authTagLength: 16 } as const;
  return () => {
    for (let i = 0; i < per; i++) {
      const e = createCipheriv('chacha20-poly1305', key, nonce, opts);
      const ct = e.update(msg);
      e.final();
      const tag = e.getAuthTag();
      const d = createDecipheriv('chacha20-poly1305', key, nonce, opts);
      d.setAuthTag(tag);
      d.update(ct);
      d.final();
    }
    return per;
  };
}

const all = backends();

for (const c of all) {
  const resId = c.publicKey(RES_SECRET);
  emit({
    bench: 'transport.handshake',
    unit: 'handshakes/s',
    value: opsPerSec(() => {
      handshake(c, resId);
      return 1;
    }, MIN_MS),
    backend: c.name,
  });
}

const ROUNDS = 7;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * Like `opsPerSec`, but also per second of this process's CPU time (user + system, all threads,
 * so GC counts): on a shared machine the CPU-time rate moves much less with other tenants' load.
 */
function rates(fn: () => number, minMs: number): { wall: number; cpu: number } {
  const warmEnd = performance.now() + Math.min(100, minMs / 5);
  while (performance.now() < warmEnd) fn();
  let ops = 0;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < minMs) {
    ops += fn();
    t = performance.now();
  }
  const c = process.cpuUsage(c0);
  return { wall: ops / ((t - t0) / 1000), cpu: ops / ((c.user + c.system) / 1e6) };
}

const SIZES = [
  { size: 65535, bench: 'transport.throughput', unit: 'MB/s', per: 1, scale: 65535 / 1e6 },
  { size: 100, bench: 'transport.messages', unit: 'msgs/s', per: 50, scale: 1 },
];
for (const s of SIZES) {
  // Interleave short slices of the ceiling and of each backend and keep medians, so a change in
  // the shared machine's load hits every series alike.
  const slice = MIN_MS / 3;
  const ceil = { fn: ceilingOps(s.size, s.per), slow: false, wall: [] as number[], cpu: [] as number[] };
  const runs = all.map((c) => ({ c, fn: roundTrips(c, s.size, s.per), slow: c.name === 'noble', wall: [] as number[], cpu: [] as number[] }));
  // Each round starts with a different series, so garbage one series leaves (collected during
  // the next one's slice) does not always land on the same neighbour; noble, by far the largest
  // producer of garbage, runs after the interleaved rounds, on its own.
  const fast = [ceil, ...runs.filter((x) => !x.slow)];
  const slow = runs.filter((x) => x.slow);
  const measure = (x: (typeof fast)[number], ms: number) => {
    const m = rates(x.fn, ms);
    x.wall.push(m.wall * s.scale);
    x.cpu.push(m.cpu * s.scale);
  };
  for (let r = 0; r < ROUNDS; r++) {
    for (let i = 0; i < fast.length; i++) measure(fast[(r + i) % fast.length]!, slice);
  }
  for (let r = 0; r < 3; r++) for (const x of slow) measure(x, slice / 2);
  const ceiling = median(ceil.wall);
  const ceilingCpu = median(ceil.cpu);
  emit({ bench: s.bench, unit: s.unit, value: ceiling, backend: 'ceiling', msgBytes: s.size, what: 'node:crypto chacha20-poly1305 seal+open', perCpuSecond: Number(ceilingCpu.toPrecision(4)), rounds: ROUNDS });
  for (const x of runs) {
    const value = median(x.wall);
    const cpu = median(x.cpu);
    emit({
      bench: s.bench,
      unit: s.unit,
      value,
      backend: x.c.name,
      msgBytes: s.size,
      ceiling,
      ratio: value / ceiling,
      perCpuSecond: Number(cpu.toPrecision(4)),
      ratioCpu: Number((cpu / ceilingCpu).toPrecision(4)),
      rounds: ROUNDS,
    });
  }
}
