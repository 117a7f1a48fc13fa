/**
 * Every BOLT 8 Appendix A vector (the core's suite, over the fixture in
 * packages/lightning/test/fixtures/bolt08.json) against the native and WASM backends; the core's
 * own test runs it against noble.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nobleBackend } from '@lnts/lightning/crypto';
import { MAX_MESSAGE_LEN, PeerChannelEncryptor, TransportError } from '@lnts/lightning/ln';
import { toHex } from '@lnts/lightning/util';
import { loadNativeBackend, loadWasmBackend, SMALL_AEAD_MAX } from '../../src/crypto/index.js';
import { runBolt08Vectors } from '../../../lightning/test/ln/peer_channel_encryptor.vectors.js';

runBolt08Vectors(loadNativeBackend());
runBolt08Vectors(loadWasmBackend());

test('BOLT 8 frames are byte-identical across backends, around the short-AEAD hand-over and at 65535 bytes', () => {
  const sizes = [0, 1, SMALL_AEAD_MAX - 1, SMALL_AEAD_MAX, SMALL_AEAD_MAX + 1, 1000, MAX_MESSAGE_LEN];
  const key = (b: number) => new Uint8Array(32).fill(b);
  const sessions = [nobleBackend, loadNativeBackend(), loadWasmBackend()].map((c) => {
    const { enc: ini, actOne } = PeerChannelEncryptor.newOutbound(c, key(0x11), c.publicKey(key(0x21)), key(0x12));
    const res = PeerChannelEncryptor.newInbound(c, key(0x21), key(0x22));
    const two = res.feed(actOne);
    assert.ok(!(two instanceof TransportError));
    const three = ini.feed(two.send!);
    assert.ok(!(three instanceof TransportError));
    assert.ok(!(res.feed(three.send!) instanceof TransportError));
    return { c, ini, res };
  });
  // Enough rounds to cross the first key rotation (500 messages) with every size.
  for (let round = 0; round < 75; round++) {
    for (const n of sizes) {
      const msg = new Uint8Array(n).map((_, i) => (i * 31 + round) & 0xff);
      const frames = sessions.map((s) => s.ini.encryptMessage(msg));
      for (let i = 1; i < frames.length; i++) assert.equal(toHex(frames[i]!), toHex(frames[0]!), `${sessions[i]!.c.name}, ${n} bytes`);
      sessions.forEach((s, i) => {
        // Each backend's responder decrypts the frame in two pieces split mid-body.
        const f = frames[i]!;
        const a = s.res.feed(f.subarray(0, 20 + (n >> 1)));
        const b = s.res.feed(f.subarray(20 + (n >> 1)));
        assert.ok(!(a instanceof TransportError) && !(b instanceof TransportError));
        assert.deepEqual([...a.messages, ...b.messages], [msg]);
      });
    }
  }
});
