/**
 * `verifyEcdsaBatch` of the native backend: the worker pool gives exactly the verdicts of
 * verifying one by one (valid, tampered, malformed, wrong-length items; batches across the
 * inline threshold and across several rounds of the shared buffer), starts lazily, closes, and
 * falls back to the calling thread when workers cannot start, cannot load the addon or stop
 * answering. A process that used it exits by itself.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { EcdsaVerifyItem } from '@lnts/lightning/crypto';
import fc from 'fast-check';
import {
  closeNativeVerifyPool,
  createNativeBackend,
  EcdsaVerifyPool,
  loadNativeBackend,
  type NativeSecp256k1,
  requireNativeSecp256k1,
  VERIFY_BATCH_INLINE_BELOW,
} from '../../src/crypto/index.js';

const SEED = Number(process.env.FC_SEED ?? 20261125);
const native = loadNativeBackend();
const lib = requireNativeSecp256k1();
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

/** Signed items, then spoiled in every way a peer could send or a bug could produce. */
function makeItems(count: number, seed: number): EcdsaVerifyItem[] {
  const out: EcdsaVerifyItem[] = [];
  for (let i = 0; i < count; i++) {
    const sk = native.sha256(Uint8Array.of(seed & 255, seed >> 8, i & 255, i >> 8));
    const msg32 = native.sha256(Uint8Array.of(i & 255, i >> 8, 9));
    const sig = native.signEcdsa(msg32, sk);
    const pubkey = native.publicKey(sk);
    switch ((i * 7 + seed) % 12) {
      case 0:
        sig[i % 64]! ^= 1 << (i % 8);
        break;
      case 1:
        out.push({ sig, msg32: native.sha256(msg32), pubkey });
        continue;
      case 2:
        out.push({ sig, msg32, pubkey: native.publicKey(native.sha256(sk)) });
        continue;
      case 3: {
        // The same signature with s replaced by n - s: valid but high-S, which libsecp256k1 rejects.
        const s = BigInt(`0x${Buffer.from(sig.subarray(32)).toString('hex')}`);
        const hi = Uint8Array.from(Buffer.from((N - s).toString(16).padStart(64, '0'), 'hex'));
        out.push({ sig: Uint8Array.from([...sig.subarray(0, 32), ...hi]), msg32, pubkey });
        continue;
      }
      case 4:
        out.push({ sig: new Uint8Array(64).fill(0xff), msg32, pubkey });
        continue;
      case 5:
        out.push({ sig: sig.subarray(0, 63), msg32, pubkey });
        continue;
      case 6:
        out.push({ sig, msg32, pubkey: Uint8Array.of(5, ...pubkey.subarray(1)) });
        continue;
      case 7:
        out.push({ sig, msg32: msg32.subarray(0, 31), pubkey });
        continue;
      default:
        break;
    }
    out.push({ sig, msg32, pubkey });
  }
  return out;
}

const sequential = (items: readonly EcdsaVerifyItem[]) => items.map((it) => native.verifyEcdsa(it.sig, it.msg32, it.pubkey));
const ITEMS = makeItems(600, 1);
const EXPECTED = sequential(ITEMS);

/** Blocks the calling thread for `ms` (the pool's workers start asynchronously). */
function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Runs large batches until a worker has taken part (it starts a few tens of ms after the first). */
function untilWorkersHelp(pool: EcdsaVerifyPool): void {
  for (let i = 0; i < 200 && pool.stats.workerItems === 0; i++) {
    assert.deepEqual(pool.verify(ITEMS), EXPECTED);
    if (pool.stats.workerItems === 0) sleep(10);
  }
}

const pools: EcdsaVerifyPool[] = [];
function pool(opts: ConstructorParameters<typeof EcdsaVerifyPool>[1] = {}): EcdsaVerifyPool {
  const p = new EcdsaVerifyPool(lib, opts);
  pools.push(p);
  return p;
}

after(async () => {
  await Promise.all(pools.map((p) => p.close()));
  await closeNativeVerifyPool();
});

describe('EcdsaVerifyPool', () => {
  test('sanity: the items cover valid and invalid verdicts', () => {
    const valid = EXPECTED.filter(Boolean).length;
    assert.ok(valid > 100 && valid < 500, `${valid} of ${EXPECTED.length} valid`);
  });

  test('property: any batch, any size, over several rounds of the shared buffer, equals one-by-one verification', () => {
    const p = pool({ capacity: 64 });
    untilWorkersHelp(p);
    fc.assert(
      fc.property(fc.array(fc.nat(ITEMS.length - 1), { maxLength: 300, size: 'max' }), (picks) => {
        const items = picks.map((i) => ITEMS[i]!);
        assert.deepEqual(p.verify(items), picks.map((i) => EXPECTED[i]!));
      }),
      { numRuns: 150, seed: SEED },
    );
    assert.equal(p.state, 'running');
    assert.ok(p.stats.workerItems > 0 && p.stats.workerItems < p.stats.items, `workers verified ${p.stats.workerItems} of ${p.stats.items}`);
  });

  test('lazy start: small batches stay on the calling thread; the first large one starts the workers; close() stops them for good', async () => {
    const p = pool();
    assert.equal(p.state, 'idle');
    assert.deepEqual(p.verify(ITEMS.slice(0, VERIFY_BATCH_INLINE_BELOW - 1)), EXPECTED.slice(0, VERIFY_BATCH_INLINE_BELOW - 1));
    assert.equal(p.state, 'idle', 'below the threshold nothing starts');
    assert.deepEqual(p.verify(ITEMS), EXPECTED);
    assert.equal(p.state, 'running');
    untilWorkersHelp(p);
    assert.equal(p.readyWorkers, 1, 'on this 2-core machine: one worker beside the caller');
    await p.close();
    assert.equal(p.state, 'off');
    assert.equal(p.readyWorkers, 0);
    const before = p.stats.items;
    assert.deepEqual(p.verify(ITEMS), EXPECTED, 'still verifies, inline');
    assert.equal(p.stats.items, before, 'nothing went through the pool');
  });

  test('fallback: workers that cannot be created — every batch is verified inline', () => {
    const p = pool({
      spawn: () => {
        throw new Error('no threads here');
      },
    });
    assert.deepEqual(p.verify(ITEMS), EXPECTED);
    assert.equal(p.state, 'off');
    assert.match(p.failure ?? '', /no threads here/);
  });

  test('fallback: a worker that cannot load the addon never joins; the caller does the work, and the pool turns off', async () => {
    const p = pool({ addonPath: join(tmpdir(), 'no-such-addon-here.node') });
    assert.deepEqual(p.verify(ITEMS), EXPECTED);
    for (let i = 0; i < 500 && p.state !== 'off'; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(p.state, 'off');
    assert.match(p.failure ?? '', /verify worker/);
    assert.equal(p.stats.workerItems, 0);
    assert.deepEqual(p.verify(ITEMS), EXPECTED);
  });

  test('fallback: a worker that stops answering mid-batch — the caller verifies its share after the timeout and turns the pool off', () => {
    // An "addon" whose verify never returns: the worker joins, claims a chunk and hangs.
    const dir = mkdtempSync(join(tmpdir(), 'lnts-verify-'));
    const hanging = join(dir, 'hanging.cjs');
    writeFileSync(hanging, 'module.exports = { ecdsaVerify() { Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0); return true; } };\n');
    const p = pool({ addonPath: hanging, joinTimeoutMs: 200 });
    const isOff = () => p.state === 'off';
    for (let i = 0; i < 200 && !isOff(); i++) {
      assert.deepEqual(p.verify(ITEMS), EXPECTED);
      if (!isOff()) sleep(10);
    }
    assert.equal(p.state, 'off');
    assert.match(p.failure ?? '', /did not finish/);
    assert.deepEqual(p.verify(ITEMS), EXPECTED);
  });
});

describe('native backend verifyEcdsaBatch', () => {
  test('equals verifyEcdsa item by item, below and above the inline threshold', () => {
    for (const n of [0, 1, VERIFY_BATCH_INLINE_BELOW - 1, VERIFY_BATCH_INLINE_BELOW, 600]) {
      assert.deepEqual(native.verifyEcdsaBatch!(ITEMS.slice(0, n)), EXPECTED.slice(0, n), `${n} items`);
    }
  });

  test('a backend over another secp256k1 binding (a test double) verifies with that binding, not the workers', () => {
    const yes: NativeSecp256k1 = { ...lib, ecdsaVerify: () => true };
    const b = createNativeBackend(yes);
    assert.deepEqual(b.verifyEcdsaBatch!(ITEMS), ITEMS.map((it) => it.sig.length === 64 && it.msg32.length === 32 && it.pubkey.length === 33));
  });

  test('a process that used the pool and never closed it exits by itself', () => {
    const script = [
      "import { loadNativeBackend } from './packages/node/src/crypto/index.ts';",
      'const b = loadNativeBackend();',
      'const k = b.sha256(Uint8Array.of(1)); const m = b.sha256(Uint8Array.of(2));',
      'const it = { sig: b.signEcdsa(m, k), msg32: m, pubkey: b.publicKey(k) };',
      'let ok = 0;',
      'for (let r = 0; r < 20; r++) { ok += b.verifyEcdsaBatch(Array(500).fill(it)).filter(Boolean).length; Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5); }',
      'console.log(ok);',
    ].join('\n');
    const root = new URL('../../../../', import.meta.url).pathname;
    const t0 = performance.now();
    const r = spawnSync(process.execPath, ['--conditions=lnts-source', '--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), '10000');
    assert.ok(performance.now() - t0 < 30_000);
  });
});
