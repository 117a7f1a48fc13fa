import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nobleBackend as c } from '../../../src/crypto/noble.js';
import {
  buildFailurePacket,
  constructOnionPacket,
  decodeFailureMessage,
  decodeFailurePacket,
  encodeFailureMessage,
  FAILURES,
  type FailureMessage,
  type FailureName,
  failureCode,
  failurePacketFromMalformed,
  failurePayload,
  INVALID_ONION_HMAC,
  isBadOnionFailure,
  isNodeFailure,
  isPermanentFailure,
  obfuscateFailurePacket,
  onionHopKeys,
  onionKey,
  peelOnionPacket,
} from '../../../src/ln/onion/index.js';
import { DecodeError } from '../../../src/util/errors.js';
import { fromHex, toHex } from '../../../src/util/hex.js';
import { V } from './vectors.js';

const E = V.error_legacy[0];
const pubkeys = E.hops.map((h) => fromHex(h.pubkey));

test('BOLT 4 legacy error vector: shared secrets, ammag/um keys, payload and the packet at the origin', () => {
  const keys = onionHopKeys(c, fromHex(E.session_key), pubkeys);
  for (let i = 0; i < E.hops.length; i++) {
    assert.equal(toHex(keys[i]!.sharedSecret), E.hops[i]!.shared_secret, `hop ${i} shared secret`);
    assert.equal(toHex(onionKey(c, 'ammag', keys[i]!.sharedSecret)), E.hops[i]!.ammag_key, `hop ${i} ammag`);
  }
  const last = E.hops[4]!;
  const ss4 = keys[4]!.sharedSecret;
  assert.equal(toHex(onionKey(c, 'um', ss4)), last.um_key);
  const payload = failurePayload(c, ss4, fromHex(E.failure_msg));
  // The vector prints the payload after the HMAC; the HMAC is um's over exactly those bytes.
  assert.equal(toHex(payload.subarray(32)), last.payload);
  assert.deepEqual(payload.subarray(0, 32), c.hmacSha256(fromHex(last.um_key!), payload.subarray(32)));
  // The erring node (hop 4) obfuscates, then hops 3..0 each wrap it once more.
  let packet = buildFailurePacket(c, ss4, fromHex(E.failure_msg));
  for (let i = 3; i >= 0; i--) packet = obfuscateFailurePacket(c, keys[i]!.sharedSecret, packet);
  assert.equal(toHex(packet), E.error_packet);
  const got = decodeFailurePacket(
    c,
    keys.map((k) => k.sharedSecret),
    fromHex(E.error_packet),
  );
  assert.ok(got);
  assert.equal(got.hopIndex, 4);
  assert.deepEqual(got.failure, { kind: 'temporary_node_failure' });
});

test('the failure message 2002 of the vector is NODE|2 (temporary_node_failure)', () => {
  const f = decodeFailureMessage(fromHex(E.failure_msg));
  assert.ok(!(f instanceof DecodeError));
  assert.equal(failureCode(f), 0x2002);
  assert.ok(isNodeFailure(0x2002) && !isPermanentFailure(0x2002) && !isBadOnionFailure(0x2002));
  assert.ok(isPermanentFailure(0x6002) && isBadOnionFailure(0xc005));
});

/** One example of every failure, with each data field set. */
const update = Uint8Array.of(0x01, 0x02, 1, 2, 3, 4, 5); // raw channel_update bytes: type 258 then body
const sha = new Uint8Array(32).fill(0xab);
const EXAMPLES: { [K in FailureName]: FailureMessage & { kind: K } } = {
  temporary_node_failure: { kind: 'temporary_node_failure' },
  permanent_node_failure: { kind: 'permanent_node_failure' },
  required_node_feature_missing: { kind: 'required_node_feature_missing' },
  invalid_onion_version: { kind: 'invalid_onion_version', sha256OfOnion: sha },
  invalid_onion_hmac: { kind: 'invalid_onion_hmac', sha256OfOnion: sha },
  invalid_onion_key: { kind: 'invalid_onion_key', sha256OfOnion: sha },
  temporary_channel_failure: { kind: 'temporary_channel_failure', channelUpdate: update },
  permanent_channel_failure: { kind: 'permanent_channel_failure' },
  required_channel_feature_missing: { kind: 'required_channel_feature_missing' },
  unknown_next_peer: { kind: 'unknown_next_peer' },
  amount_below_minimum: { kind: 'amount_below_minimum', htlcMsat: 123n, channelUpdate: update },
  fee_insufficient: { kind: 'fee_insufficient', htlcMsat: 2n ** 64n - 1n, channelUpdate: new Uint8Array(0) },
  incorrect_cltv_expiry: { kind: 'incorrect_cltv_expiry', cltvExpiry: 800_144, channelUpdate: update },
  expiry_too_soon: { kind: 'expiry_too_soon', channelUpdate: update },
  incorrect_or_unknown_payment_details: { kind: 'incorrect_or_unknown_payment_details', htlcMsat: 100n, height: 800_000 },
  final_incorrect_cltv_expiry: { kind: 'final_incorrect_cltv_expiry', cltvExpiry: 42 },
  final_incorrect_htlc_amount: { kind: 'final_incorrect_htlc_amount', incomingHtlcAmt: 99n },
  channel_disabled: { kind: 'channel_disabled', disabledFlags: 0, channelUpdate: update },
  expiry_too_far: { kind: 'expiry_too_far' },
  invalid_onion_payload: { kind: 'invalid_onion_payload', type: 5482373484n, offset: 7 },
  mpp_timeout: { kind: 'mpp_timeout' },
  invalid_onion_blinding: { kind: 'invalid_onion_blinding', sha256OfOnion: sha },
};

test('every BOLT 4 failure code: number, flags and data round-trip', () => {
  const codes: Record<FailureName, number> = {
    temporary_node_failure: 0x2002,
    permanent_node_failure: 0x6002,
    required_node_feature_missing: 0x6003,
    invalid_onion_version: 0xc004,
    invalid_onion_hmac: 0xc005,
    invalid_onion_key: 0xc006,
    temporary_channel_failure: 0x1007,
    permanent_channel_failure: 0x4008,
    required_channel_feature_missing: 0x4009,
    unknown_next_peer: 0x400a,
    amount_below_minimum: 0x100b,
    fee_insufficient: 0x100c,
    incorrect_cltv_expiry: 0x100d,
    expiry_too_soon: 0x100e,
    incorrect_or_unknown_payment_details: 0x400f,
    final_incorrect_cltv_expiry: 18,
    final_incorrect_htlc_amount: 19,
    channel_disabled: 0x1014,
    expiry_too_far: 21,
    invalid_onion_payload: 0x4016,
    mpp_timeout: 23,
    invalid_onion_blinding: 0xc018,
  };
  for (const name of Object.keys(FAILURES) as FailureName[]) {
    const f = EXAMPLES[name];
    assert.equal(failureCode(f), codes[name], name);
    const bytes = encodeFailureMessage(f);
    assert.equal((bytes[0]! << 8) | bytes[1]!, codes[name]);
    assert.deepEqual(decodeFailureMessage(bytes), f, name);
  }
  // The channel_update is carried as `u16 len` + its raw bytes, type 258 included.
  assert.equal(toHex(encodeFailureMessage(EXAMPLES.temporary_channel_failure)), '100700070102010203040' + '5');
  assert.equal(toHex(encodeFailureMessage(EXAMPLES.channel_disabled)), '1014000000070102010203040' + '5');
});

test('failure messages: extra bytes are kept, unknown codes kept raw, short data is a DecodeError', () => {
  // The attributable vector's failure_msg is followed by its u16 pad_len and pad: take failure_len bytes.
  const withTlv = fromHex(V.error_attributable[0].failure_msg).subarray(0, 0x140);
  const f = decodeFailureMessage(withTlv);
  assert.ok(!(f instanceof DecodeError));
  assert.equal(f.kind, 'incorrect_or_unknown_payment_details');
  if (f.kind === 'incorrect_or_unknown_payment_details') {
    assert.equal(f.htlcMsat, 100n);
    assert.equal(f.height, 800_000);
    assert.equal(f.extraData?.length, 306); // tlv 34001 of 300 bytes
  }
  assert.deepEqual(encodeFailureMessage(f), withTlv);
  assert.deepEqual(decodeFailureMessage(Uint8Array.of(0x70, 0x01, 9)), { kind: 'unknown', code: 0x7001, data: Uint8Array.of(9) });
  assert.ok(decodeFailureMessage(Uint8Array.of(0x40, 0x0f, 0, 0)) instanceof DecodeError);
  assert.ok(decodeFailureMessage(Uint8Array.of(0x10)) instanceof DecodeError);
  assert.ok(decodeFailureMessage(fromHex('1007' + '0009' + '0102')) instanceof DecodeError);
});

test('failure payload: pad brings failure_len + pad_len to 256; longer messages are not padded', () => {
  const ss = new Uint8Array(32).fill(3);
  const short = failurePayload(c, ss, Uint8Array.of(0x20, 0x02));
  assert.equal(short.length, 32 + 2 + 2 + 2 + 254);
  const long = failurePayload(c, ss, new Uint8Array(300).fill(1));
  assert.equal(long.length, 32 + 2 + 300 + 2);
  assert.equal((long[32 + 2 + 300]! << 8) | long[32 + 2 + 301]!, 0);
});

test('update_fail_malformed_htlc: the upstream hop turns the BADONION code into its own failure', () => {
  const O = V.onion[0];
  const ad = fromHex(O.assoc_data);
  const hops = O.hops.map((h) => ({ pubkey: fromHex(h.pubkey), payload: new Uint8Array(20).fill(1) }));
  const built = constructOnionPacket(c, { sessionKey: fromHex(O.session_key), hops, associatedData: ad });
  // Hop 0 forwards; hop 1 receives a corrupted onion and answers update_fail_malformed_htlc.
  const r0 = peelOnionPacket(c, built.onion, fromHex(O.hop_privkeys[0]!), ad);
  assert.equal(r0.kind, 'forward');
  if (r0.kind !== 'forward') return;
  const bad = r0.nextPacket.slice();
  bad[100]! ^= 0x10;
  const r1 = peelOnionPacket(c, bad, fromHex(O.hop_privkeys[1]!), ad);
  assert.equal(r1.kind, 'malformed');
  if (r1.kind !== 'malformed') return;
  assert.equal(r1.failureCode, INVALID_ONION_HMAC);
  assert.deepEqual(r1.sha256OfOnion, c.sha256(bad));
  // Hop 0 builds the update_fail_htlc reason with its own shared secret.
  const reason = failurePacketFromMalformed(c, r0.sharedSecret, r1.failureCode, r1.sha256OfOnion);
  assert.ok(reason);
  const got = decodeFailurePacket(c, built.sharedSecrets, reason);
  assert.equal(got?.hopIndex, 0);
  assert.deepEqual(got?.failure, { kind: 'invalid_onion_hmac', sha256OfOnion: c.sha256(bad) });
  // Without the BADONION bit the message is not a valid update_fail_malformed_htlc.
  assert.equal(failurePacketFromMalformed(c, r0.sharedSecret, 0x4008, r1.sha256OfOnion), null);
});

test('a garbled return packet is attributed to nobody', () => {
  const keys = onionHopKeys(c, fromHex(E.session_key), pubkeys);
  const bad = fromHex(E.error_packet);
  bad[10]! ^= 1;
  assert.equal(decodeFailurePacket(c, keys.map((k) => k.sharedSecret), bad), null);
  assert.equal(decodeFailurePacket(c, keys.map((k) => k.sharedSecret), new Uint8Array(10)), null);
});
