/**
 * The filesystem `HtlcHistoryStore` keeps the store contract the monitor relies on: bytes written
 * at an offset read back from a new instance (a restart), a rewrite at the same offset replaces
 * (an update replayed after a crash), a read returns at most what was asked and what exists, and
 * a channel never written reads as missing. Each channel has its own file.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { OutPoint } from '@lnts/lightning/bitcoin';
import { FileHtlcHistoryStore } from '../../src/persist/htlc_history_file.js';

const dir = mkdtempSync(join(tmpdir(), 'lnts-htlcs-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const a: OutPoint = { txid: new Uint8Array(32).fill(0xab), vout: 0 };
const b: OutPoint = { txid: new Uint8Array(32).fill(0xab), vout: 1 };
const bytes = (n: number, fill: number) => new Uint8Array(n).fill(fill);

describe('FileHtlcHistoryStore', () => {
  test('writes at offsets, survives a restart, rewrites in place, and reads at most what exists', () => {
    const store = new FileHtlcHistoryStore(join(dir, 'node'));
    assert.equal(store.read(a, 0, 37), undefined, 'never written');
    assert.equal(store.write(a, 0, bytes(74, 1)), true);
    assert.equal(store.write(a, 74, bytes(37, 2)), true);
    assert.equal(store.write(b, 0, bytes(37, 9)), true);
    const restarted = new FileHtlcHistoryStore(join(dir, 'node'));
    assert.deepEqual(restarted.read(a, 0, 111), new Uint8Array([...bytes(74, 1), ...bytes(37, 2)]));
    assert.deepEqual(restarted.read(a, 0, 37), bytes(37, 1), 'a prefix');
    assert.deepEqual(restarted.read(a, 0, 1000)?.length, 111, 'no more than the file holds');
    assert.deepEqual(restarted.read(b, 0, 37), bytes(37, 9), 'channels apart');
    // A replayed flush writes the same place again; a longer one extends.
    assert.equal(restarted.write(a, 74, bytes(74, 3)), true);
    assert.deepEqual(restarted.read(a, 0, 148), new Uint8Array([...bytes(74, 1), ...bytes(74, 3)]));
    assert.deepEqual(restarted.read(a, 74, 37), bytes(37, 3), 'from an offset');
    assert.deepEqual(restarted.read(a, 111, 1000), bytes(37, 3), 'from an offset, no more than there is');
    assert.deepEqual(restarted.read(a, 500, 37), new Uint8Array(0), 'past the end');
    assert.equal(readdirSync(join(dir, 'node')).length, 2);
  });
});
