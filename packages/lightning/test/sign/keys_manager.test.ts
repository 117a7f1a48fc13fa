import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nobleBackend } from '../../src/crypto/noble.js';
import { KeysManager } from '../../src/sign/keys_manager.js';
import { DecodeError } from '../../src/util/errors.js';
import { toHex } from '../../src/util/hex.js';

const seed = new Uint8Array(32).fill(42);

test('the same seed is the same node, whatever the start time', () => {
  const a = new KeysManager(seed, 1, 0, nobleBackend);
  const b = new KeysManager(seed, 999, 5, nobleBackend);
  assert.equal(toHex(a.getNodeId()), toHex(b.getNodeId()));
  assert.equal(toHex(a.getShutdownScriptpubkey()), toHex(b.getShutdownScriptpubkey()));
  assert.notEqual(toHex(a.getNodeId()), toHex(new KeysManager(new Uint8Array(32).fill(43), 1, 0, nobleBackend).getNodeId()));
});

test('channel keys ids never repeat, and differ across restarts', () => {
  const a = new KeysManager(seed, 1, 0, nobleBackend);
  const b = new KeysManager(seed, 2, 0, nobleBackend);
  const ids = new Set<string>();
  for (const k of [a, b]) for (let i = 0; i < 20; i++) ids.add(toHex(k.generateChannelKeysId(false, 1000n, 1n)));
  assert.equal(ids.size, 40);
});

test('a signer serializes to its keys id and comes back with the same keys and points', () => {
  const k = new KeysManager(seed, 1, 0, nobleBackend);
  const signer = k.deriveChannelSigner(123_456n, k.generateChannelKeysId(true, 123_456n, 9n));
  const again = k.readChanSigner(signer.write());
  assert.ok(!(again instanceof DecodeError));
  assert.deepEqual(again.pubkeys(), signer.pubkeys());
  assert.equal(toHex(again.getPerCommitmentPoint(7n)), toHex(signer.getPerCommitmentPoint(7n)));
  assert.ok(k.readChanSigner(new Uint8Array([1, 2, 3])) instanceof DecodeError);
});

test('per-commitment points are secret·G for the released secrets (BOLT 3 numbering)', () => {
  const k = new KeysManager(seed, 1, 0, nobleBackend);
  const s = k.deriveChannelSigner(0n, k.generateChannelKeysId(false, 0n, 0n));
  for (const n of [0n, 1n, 2n, 1000n]) {
    assert.equal(toHex(nobleBackend.publicKey(s.releaseCommitmentSecret(n))), toHex(s.getPerCommitmentPoint(n)));
  }
});
