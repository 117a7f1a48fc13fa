import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nobleBackend as c } from '../../../src/crypto/noble.js';
import {
  blindedPaymentHops,
  buildAttributableFailure,
  constructOnionPacket,
  createBlindedPath,
  decodeAttributableFailure,
  decodeIncomingHtlcOnion,
  INVALID_ONION_BLINDING,
  INVALID_ONION_HMAC,
  locateInvalidTlv,
} from '../../../src/ln/onion/index.js';
import { UpdateAddHtlc, UpdateFailHtlc } from '../../../src/ln/msgs/bolt02.js';
import { DecodeError } from '../../../src/util/errors.js';
import { fromHex, toHex } from '../../../src/util/hex.js';
import { scidOf, V } from './vectors.js';

const O = V.onion[0];
const ad = fromHex(O.assoc_data);

test('incoming HTLC onion (spec route): four forwards, then a receive with payment_data', () => {
  let onion = fromHex(O.onion);
  for (let i = 0; i < 5; i++) {
    const r = decodeIncomingHtlcOnion(c, fromHex(O.hop_privkeys[i]!), { onion, paymentHash: ad, amountMsat: 20_000n, cltvExpiry: 2_000 });
    if (i < 4) {
      assert.equal(r.kind, 'forward', `hop ${i}`);
      if (r.kind !== 'forward' || r.blinded) return;
      assert.equal(r.hop.shortChannelId, BigInt(i + 1));
      onion = r.nextPacket;
    } else {
      assert.equal(r.kind, 'receive');
      if (r.kind !== 'receive' || r.blinded) return;
      assert.equal(r.hop.amtToForward, 10_000n);
      assert.equal(r.hop.totalMsat, 10_000n);
      assert.equal(r.hop.paymentSecret?.length, 32);
      // The final hop refuses an HTLC below its payload's amount or expiry.
      const low = decodeIncomingHtlcOnion(c, fromHex(O.hop_privkeys[4]!), { onion, paymentHash: ad, amountMsat: 9_999n, cltvExpiry: 2_000 });
      assert.equal(low.kind === 'fail' && low.failure.kind, 'final_incorrect_htlc_amount');
      const early = decodeIncomingHtlcOnion(c, fromHex(O.hop_privkeys[4]!), { onion, paymentHash: ad, amountMsat: 10_000n, cltvExpiry: 999 });
      assert.deepEqual(early.kind === 'fail' && early.failure, { kind: 'final_incorrect_cltv_expiry', cltvExpiry: 999 });
    }
  }
});

test('incoming HTLC onion: a corrupted onion is malformed; with a path key it is invalid_onion_blinding', () => {
  const onion = fromHex(O.onion);
  onion[200]! ^= 1;
  const k = fromHex(O.hop_privkeys[0]!);
  const r = decodeIncomingHtlcOnion(c, k, { onion, paymentHash: ad, amountMsat: 1n, cltvExpiry: 1 });
  assert.equal(r.kind === 'malformed' && r.failureCode, INVALID_ONION_HMAC);
  const b = decodeIncomingHtlcOnion(c, k, { onion, paymentHash: ad, amountMsat: 1n, cltvExpiry: 1, pathKey: c.publicKey(k) });
  assert.equal(b.kind === 'malformed' && b.failureCode, INVALID_ONION_BLINDING);
  if (b.kind === 'malformed') assert.deepEqual(b.sha256OfOnion, c.sha256(onion));
});

test('incoming HTLC onion: payload errors give invalid_onion_payload with the TLV type and offset', () => {
  const k = new Uint8Array(32).fill(0x42);
  const pubkey = c.publicKey(k);
  const build = (payload: Uint8Array) =>
    constructOnionPacket(c, { sessionKey: new Uint8Array(32).fill(0x41), hops: [{ pubkey, payload }], associatedData: ad }).onion;
  // amt_to_forward, outgoing_cltv_value, then an unknown even type 20.
  const unknownEven = fromHex('020203e8040203e8140101');
  assert.deepEqual(locateInvalidTlv(unknownEven), { type: 20n, offset: 8 });
  let r = decodeIncomingHtlcOnion(c, k, { onion: build(unknownEven), paymentHash: ad, amountMsat: 1_000n, cltvExpiry: 1_000 });
  assert.deepEqual(r.kind === 'fail' && r.failure, { kind: 'invalid_onion_payload', type: 20n, offset: 8 });
  // A final hop without outgoing_cltv_value.
  r = decodeIncomingHtlcOnion(c, k, { onion: build(fromHex('020203e8')), paymentHash: ad, amountMsat: 1_000n, cltvExpiry: 1_000 });
  assert.deepEqual(r.kind === 'fail' && r.failure, { kind: 'invalid_onion_payload', type: 4n, offset: 0 });
  // The same payload minimally encoded is a valid receive; with a leading zero in the tu64 it is not.
  r = decodeIncomingHtlcOnion(c, k, { onion: build(fromHex('020164040203e8')), paymentHash: ad, amountMsat: 1_000n, cltvExpiry: 1_000 });
  assert.equal(r.kind, 'receive');
  const nonMinimal = fromHex('02020064040203e8');
  assert.deepEqual(locateInvalidTlv(nonMinimal), { type: 2n, offset: 0 });
  r = decodeIncomingHtlcOnion(c, k, { onion: build(nonMinimal), paymentHash: ad, amountMsat: 1_000n, cltvExpiry: 1_000 });
  assert.deepEqual(r.kind === 'fail' && r.failure, { kind: 'invalid_onion_payload', type: 2n, offset: 0 });
});

test('incoming HTLC onion (blinded payment vector): introduction node, blinded hops and recipient', () => {
  const BP = V.blinded_payment_onion[0];
  const D = BP.decrypt.hops;
  const assocData = fromHex(BP.generate.associated_data);
  let htlc = { amountMsat: 110_125n + 1_000n, cltvExpiry: 749_150 + 144 };
  let pathKey: Uint8Array | undefined;
  for (let i = 0; i < D.length; i++) {
    const k = fromHex(D[i]!.node_privkey);
    const r = decodeIncomingHtlcOnion(c, k, { onion: fromHex(D[i]!.onion), paymentHash: assocData, ...htlc, ...(pathKey ? { pathKey } : {}) });
    if (i < D.length - 1) {
      assert.equal(r.kind, 'forward', D[i]!.alias);
      if (r.kind !== 'forward') return;
      assert.equal(toHex(r.nextPacket), D[i + 1]!.onion);
      if (r.blinded) {
        assert.equal(r.introductionNode, i === 1);
        assert.equal(toHex(r.hop.nextPathKey), D[i]!.next_path_key);
        pathKey = r.hop.nextPathKey;
        htlc = { amountMsat: r.hop.amtToForward, cltvExpiry: r.hop.outgoingCltvValue };
      } else {
        assert.equal(r.hop.shortChannelId, scidOf('0x0x10'));
        htlc = { amountMsat: r.hop.amtToForward, cltvExpiry: r.hop.outgoingCltvValue };
      }
    } else {
      assert.equal(r.kind, 'receive');
      if (r.kind !== 'receive' || !r.blinded) return;
      assert.equal(r.hop.amtToForward, 100_000n);
      // Inside the path, a short HTLC is answered with invalid_onion_blinding in update_fail_malformed_htlc.
      const short = decodeIncomingHtlcOnion(c, k, {
        onion: fromHex(D[i]!.onion),
        paymentHash: assocData,
        amountMsat: 99_999n,
        cltvExpiry: htlc.cltvExpiry,
        pathKey: pathKey!,
      });
      assert.equal(short.kind === 'malformed' && short.failureCode, INVALID_ONION_BLINDING);
    }
  }
  // Bob (introduction node) answers a too-late HTLC with invalid_onion_blinding in update_fail_htlc.
  const late = decodeIncomingHtlcOnion(c, fromHex(D[1]!.node_privkey), {
    onion: fromHex(D[1]!.onion),
    paymentHash: assocData,
    amountMsat: 110_125n,
    cltvExpiry: 750_151,
  });
  assert.equal(late.kind === 'fail' && late.failure.kind, 'invalid_onion_blinding');
});

test('a recipient that is its own introduction node answers with the ordinary final-node codes', () => {
  const k = new Uint8Array(32).fill(0x45);
  const { path } = createBlindedPath(c, new Uint8Array(32).fill(0x46), [{ nodeId: c.publicKey(k), data: { pathId: Uint8Array.of(1) } }]);
  const hops = blindedPaymentHops(path, { amountMsat: 5_000n, totalAmountMsat: 5_000n, finalCltv: 900 });
  const onion = constructOnionPacket(c, { sessionKey: new Uint8Array(32).fill(0x47), hops, associatedData: ad }).onion;
  const ok = decodeIncomingHtlcOnion(c, k, { onion, paymentHash: ad, amountMsat: 5_000n, cltvExpiry: 900 });
  assert.equal(ok.kind === 'receive' && ok.blinded && ok.introductionNode, true);
  const low = decodeIncomingHtlcOnion(c, k, { onion, paymentHash: ad, amountMsat: 4_999n, cltvExpiry: 900 });
  assert.equal(low.kind === 'fail' && low.failure.kind, 'final_incorrect_htlc_amount');
  const early = decodeIncomingHtlcOnion(c, k, { onion, paymentHash: ad, amountMsat: 5_000n, cltvExpiry: 899 });
  assert.equal(early.kind === 'fail' && early.failure.kind, 'final_incorrect_cltv_expiry');
});

test('through the BOLT 2 wire messages: update_add_htlc carries the onion, update_fail_htlc the attributable reason', () => {
  const BP = V.blinded_payment_onion[0];
  const D = BP.decrypt.hops;
  // Carol receives Bob's HTLC: the onion and Bob's next path key travel in update_add_htlc.
  const add = UpdateAddHtlc.encodePayload({
    channelId: new Uint8Array(32),
    id: 7n,
    amountMsat: 100_125n,
    paymentHash: fromHex(BP.generate.associated_data),
    cltvExpiry: 749_100,
    onionRoutingPacket: fromHex(D[2]!.onion),
    pathKey: fromHex(D[1]!.next_path_key!),
  });
  const got = UpdateAddHtlc.decodePayload(add);
  assert.ok(!(got instanceof DecodeError));
  const r = decodeIncomingHtlcOnion(c, fromHex(D[2]!.node_privkey), {
    onion: got.onionRoutingPacket,
    paymentHash: got.paymentHash,
    amountMsat: got.amountMsat,
    cltvExpiry: got.cltvExpiry,
    ...(got.pathKey ? { pathKey: got.pathKey } : {}),
  });
  assert.equal(r.kind === 'forward' && toHex(r.nextPacket), D[3]!.onion);
  // A failure with attribution data survives the update_fail_htlc encoding.
  const ss = new Uint8Array(32).fill(1);
  const pkt = buildAttributableFailure(c, ss, { kind: 'temporary_node_failure' }, 3);
  const fail = UpdateFailHtlc.decodePayload(
    UpdateFailHtlc.encodePayload({ channelId: new Uint8Array(32), id: 7n, reason: pkt.packet, attributionData: pkt.attributionData }),
  );
  assert.ok(!(fail instanceof DecodeError));
  const back = decodeAttributableFailure(c, [ss], { packet: fail.reason, ...(fail.attributionData ? { attributionData: fail.attributionData } : {}) });
  assert.deepEqual(back.failure?.failure, { kind: 'temporary_node_failure' });
  assert.deepEqual(back.attribution.holdTimes, [3]);
});

test('amounts above 21M BTC are refused', () => {
  const k = new Uint8Array(32).fill(0x42);
  const payload = fromHex('0208ffffffffffffffff040203e8');
  const onion = constructOnionPacket(c, { sessionKey: new Uint8Array(32).fill(0x41), hops: [{ pubkey: c.publicKey(k), payload }], associatedData: ad }).onion;
  const r = decodeIncomingHtlcOnion(c, k, { onion, paymentHash: ad, amountMsat: 2n ** 64n - 1n, cltvExpiry: 1_000 });
  assert.deepEqual(r.kind === 'fail' && r.failure, { kind: 'invalid_onion_payload', type: 2n, offset: 0 });
});
