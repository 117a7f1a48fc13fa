import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nobleBackend as c } from '../../../src/crypto/noble.js';
import {
  constructOnionPacket,
  decodeHopPayload,
  decodeOnionPacket,
  INVALID_ONION_HMAC,
  INVALID_ONION_KEY,
  INVALID_ONION_VERSION,
  onionHopKeys,
  onionPacketBytes,
  PAYMENT_ONION_LEN,
  peelOnionPacket,
} from '../../../src/ln/onion/index.js';
import { DecodeError, InvalidRoute } from '../../../src/util/errors.js';
import { fromHex, toHex } from '../../../src/util/hex.js';
import { decode, encode } from '../../../src/util/ser/codec.js';
import { stripLength, V } from './vectors.js';

const O = V.onion[0];
// The vector's payloads include their bigsize length prefix; the onion API takes the bare payload.
const hops = O.hops.map((h) => ({ pubkey: fromHex(h.pubkey), payload: stripLength(fromHex(h.payload)) }));
const ad = fromHex(O.assoc_data);

test('BOLT 4 onion vector: the onion built for the spec route and session key is byte-equal', () => {
  const built = constructOnionPacket(c, { sessionKey: fromHex(O.session_key), hops, associatedData: ad });
  assert.equal(built.onion.length, PAYMENT_ONION_LEN);
  assert.equal(toHex(built.onion), O.onion);
  // The origin's shared secrets are the ones each hop derives with its own key (error vector values).
  assert.deepEqual(
    built.sharedSecrets.map(toHex),
    V.error_legacy[0].hops.map((h) => h.shared_secret),
  );
});

test('BOLT 4 onion vector: each hop peels its payload; the last one sees an all-zero HMAC', () => {
  let onion = fromHex(O.onion);
  for (let i = 0; i < hops.length; i++) {
    const r = peelOnionPacket(c, onion, fromHex(O.hop_privkeys[i]!), ad);
    const last = i === hops.length - 1;
    assert.equal(r.kind, last ? 'final' : 'forward', `hop ${i}`);
    if (r.kind !== 'forward' && r.kind !== 'final') return;
    assert.deepEqual(r.payload, hops[i]!.payload);
    assert.equal(toHex(r.sharedSecret), V.error_legacy[0].hops[i]!.shared_secret);
    if (r.kind === 'forward') {
      assert.equal(r.nextPacket.length, PAYMENT_ONION_LEN);
      onion = r.nextPacket;
    }
  }
});

test('BOLT 4 onion vector: the hop payloads are valid TLV payloads (forward hops carry scid, final payment_data)', () => {
  const p0 = decodeHopPayload(hops[0]!.payload);
  assert.ok(!(p0 instanceof DecodeError));
  assert.deepEqual(p0, { amtToForward: 15000n, outgoingCltvValue: 1500, shortChannelId: 1n });
  const p4 = decodeHopPayload(hops[4]!.payload);
  assert.ok(!(p4 instanceof DecodeError));
  assert.equal(p4.amtToForward, 10000n);
  assert.equal(p4.paymentData?.totalMsat, 10000n);
  // Hop 1 carries an unknown odd record (type 513): kept for re-encoding.
  const p1 = decodeHopPayload(hops[1]!.payload);
  assert.ok(!(p1 instanceof DecodeError));
  assert.equal(p1.unknownTlvs?.[0]?.type, 513n);
});

test('ephemeral keys: each hop receives the key the origin derived for it', () => {
  const keys = onionHopKeys(c, fromHex(O.session_key), hops.map((h) => h.pubkey));
  let onion = fromHex(O.onion);
  for (let i = 0; i < hops.length; i++) {
    const p = decodeOnionPacket(onion);
    assert.ok(!(p instanceof DecodeError));
    assert.deepEqual(p.publicKey, keys[i]!.ephemeralPublicKey);
    const r = peelOnionPacket(c, onion, fromHex(O.hop_privkeys[i]!), ad);
    if (r.kind === 'forward') onion = r.nextPacket;
  }
});

test('peeling fails with the BADONION codes: version, key, hmac, wrong associated data, wrong node', () => {
  const onion = fromHex(O.onion);
  const k0 = fromHex(O.hop_privkeys[0]!);
  const ver = onion.slice();
  ver[0] = 1;
  let r = peelOnionPacket(c, ver, k0, ad);
  assert.equal(r.kind, 'malformed');
  if (r.kind === 'malformed') {
    assert.equal(r.failureCode, INVALID_ONION_VERSION);
    assert.deepEqual(r.sha256OfOnion, c.sha256(ver));
  }
  const key = onion.slice();
  key[1] = 0x05; // not a compressed-point prefix
  r = peelOnionPacket(c, key, k0, ad);
  assert.equal(r.kind === 'malformed' && r.failureCode, INVALID_ONION_KEY);
  const mac = onion.slice();
  mac[mac.length - 1]! ^= 1;
  r = peelOnionPacket(c, mac, k0, ad);
  assert.equal(r.kind === 'malformed' && r.failureCode, INVALID_ONION_HMAC);
  r = peelOnionPacket(c, onion, k0, new Uint8Array(32));
  assert.equal(r.kind === 'malformed' && r.failureCode, INVALID_ONION_HMAC);
  r = peelOnionPacket(c, onion, fromHex(O.hop_privkeys[1]!), ad);
  assert.equal(r.kind === 'malformed' && r.failureCode, INVALID_ONION_HMAC);
  r = peelOnionPacket(c, onion.subarray(0, 40), k0, ad);
  assert.equal(r.kind, 'malformed');
});

test('the legacy fixed-size payload (length byte 0x00) and the reserved length 1 are rejected', () => {
  const sessionKey = new Uint8Array(32).fill(7);
  const node = new Uint8Array(32).fill(9);
  for (const payload of [new Uint8Array(0), Uint8Array.of(0x02)]) {
    const built = constructOnionPacket(c, {
      sessionKey,
      hops: [{ pubkey: c.publicKey(node), payload }],
      associatedData: ad,
    });
    const r = peelOnionPacket(c, built.onion, node, ad);
    assert.equal(r.kind, 'bad-payload', `payload of ${payload.length} bytes`);
    // Onion messages allow an empty payload.
    if (payload.length === 0) assert.equal(peelOnionPacket(c, built.onion, node, ad, { minPayloadLength: 0 }).kind, 'final');
  }
});

test('a node key given as an ECDH function (signer) peels the same as the raw secret', () => {
  const k0 = fromHex(O.hop_privkeys[0]!);
  const r = peelOnionPacket(c, fromHex(O.onion), (p) => c.ecdh(k0, p), ad);
  assert.equal(r.kind, 'forward');
  if (r.kind === 'forward') assert.deepEqual(r.payload, hops[0]!.payload);
});

test('construction refuses routes whose payloads do not fit, and empty routes', () => {
  const big = { pubkey: hops[0]!.pubkey, payload: new Uint8Array(1300 - 3 - 32 + 1) };
  assert.throws(() => constructOnionPacket(c, { sessionKey: fromHex(O.session_key), hops: [big], associatedData: ad }), InvalidRoute);
  const exact = { pubkey: hops[0]!.pubkey, payload: new Uint8Array(1300 - 3 - 32) };
  const built = constructOnionPacket(c, { sessionKey: fromHex(O.session_key), hops: [exact], associatedData: ad });
  const r = peelOnionPacket(c, built.onion, fromHex(O.hop_privkeys[0]!), ad);
  assert.equal(r.kind, 'final');
  assert.throws(() => constructOnionPacket(c, { sessionKey: fromHex(O.session_key), hops: [], associatedData: ad }), InvalidRoute);
});

test('onionPacketBytes: the 1366-byte field of update_add_htlc, exact length both ways', () => {
  const coder = onionPacketBytes();
  const onion = fromHex(O.onion);
  assert.deepEqual(encode(coder, onion), onion);
  assert.deepEqual(decode(coder, onion), onion);
  assert.ok(decode(coder, onion.subarray(1)) instanceof DecodeError);
  assert.throws(() => encode(coder, onion.subarray(1)), TypeError);
});
