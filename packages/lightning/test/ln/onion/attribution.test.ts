import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nobleBackend as c } from '../../../src/crypto/noble.js';
import {
  ATTRIBUTION_DATA_LEN,
  type AttributableFailurePacket,
  buildAttributableFailure,
  decodeAttributableFailure,
  decodeFulfillAttribution,
  failurePayload,
  forwardAttributableFailure,
  fulfillAttribution,
  onionHopKeys,
  onionKey,
} from '../../../src/ln/onion/index.js';
import { fromHex, toHex } from '../../../src/util/hex.js';
import { V } from './vectors.js';

const A = V.error_attributable[0];
const secrets = onionHopKeys(c, fromHex(A.session_key), A.pubkeys.map(fromHex)).map((k) => k.sharedSecret);
// The vector pads failure_len + pad_len to 1024; its failure_msg is followed by pad_len and pad.
const failureMsg = fromHex(A.payload).subarray(2, 2 + 0x140);
const MIN_PADDED = 1024;
// The vector's hold times list the order the error travels: the erring node 4 reports 1, node 0 reports 5.
const holdOf = (node: number, times: readonly number[]) => times[times.length - 1 - node]!;

test('BOLT 4 attributable error vector: packet and attribution data at every hop on the way back', () => {
  assert.equal(toHex(secrets[A.failure_source]!), A.shared_secret);
  assert.equal(toHex(onionKey(c, 'um', secrets[4]!)), A.um_key);
  assert.equal(toHex(failureMsg), A.failure_msg.slice(0, 0x140 * 2));
  const raw = failurePayload(c, secrets[4]!, failureMsg, MIN_PADDED);
  assert.equal(toHex(raw), A.raw_error);
  let pkt: AttributableFailurePacket | undefined;
  for (const h of A.hops) {
    const ss = secrets[h.node]!;
    assert.equal(toHex(ss), h.shared_secret);
    assert.equal(toHex(onionKey(c, 'ammag', ss)), h.ammag_key);
    const hold = holdOf(h.node, A.hold_times);
    pkt = pkt ? forwardAttributableFailure(c, ss, pkt, hold) : buildAttributableFailure(c, ss, failureMsg, hold, MIN_PADDED);
    assert.equal(toHex(pkt.packet), h.error_packet, `node ${h.node} packet`);
    assert.equal(pkt.attributionData.length, ATTRIBUTION_DATA_LEN);
    assert.equal(toHex(pkt.attributionData), h.attribution_data, `node ${h.node} attribution data`);
  }
  const got = decodeAttributableFailure(c, secrets, pkt!);
  assert.equal(got.failure?.hopIndex, 4);
  assert.equal(got.failure?.failure && 'kind' in got.failure.failure && got.failure.failure.kind, 'incorrect_or_unknown_payment_details');
  assert.deepEqual(got.attribution, { holdTimes: [5, 4, 3, 2, 1] });
});

test('BOLT 4 success attribution vector: fulfill hold times at every hop and at the origin', () => {
  const S = V.success_attribution[0];
  let data: Uint8Array | undefined;
  for (const h of S.hops) {
    data = fulfillAttribution(c, secrets[h.node]!, holdOf(h.node, S.hold_times), data);
    assert.equal(toHex(data), h.attribution_data, `node ${h.node}`);
  }
  assert.deepEqual(decodeFulfillAttribution(c, secrets, data!), { holdTimes: [5, 4, 3, 2, 1] });
});

test('attribution names the hop whose data was tampered with, while the legacy HMAC still finds the source', () => {
  let pkt: AttributableFailurePacket | undefined;
  for (const h of A.hops) {
    const ss = secrets[h.node]!;
    pkt = pkt ? forwardAttributableFailure(c, ss, pkt, holdOf(h.node, A.hold_times)) : buildAttributableFailure(c, ss, failureMsg, 1, MIN_PADDED);
    if (h.node === 2) {
      // Node 2 changes its own hold time after the fact, in the data it passes to node 1.
      const ad = pkt.attributionData.slice();
      ad[3]! ^= 1;
      pkt = { ...pkt, attributionData: ad };
    }
  }
  const got = decodeAttributableFailure(c, secrets, pkt!);
  assert.equal(got.failure?.hopIndex, 4);
  // Node 1's HMACs cover the data node 2 sent, so they still verify; node 2's no longer do.
  assert.equal(got.attribution.failedAt, 2);
  assert.deepEqual(got.attribution.holdTimes, [5, 4]);
  // A garbled packet is attributed to no one by the legacy HMAC, but the attribution data blames
  // the hop that changed it.
  let pkt2: AttributableFailurePacket | undefined;
  for (const h of A.hops) {
    const ss = secrets[h.node]!;
    pkt2 = pkt2 ? forwardAttributableFailure(c, ss, pkt2, 0) : buildAttributableFailure(c, ss, failureMsg, 0, MIN_PADDED);
    if (h.node === 3) {
      const p = pkt2.packet.slice();
      p[40]! ^= 0x80;
      pkt2 = { ...pkt2, packet: p };
    }
  }
  const got2 = decodeAttributableFailure(c, secrets, pkt2!);
  assert.equal(got2.failure, null);
  assert.equal(got2.attribution.failedAt, 3);
});
