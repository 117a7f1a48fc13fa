/**
 * Interop with LDK (npm `lightningdevkit` 0.1.0, rust-lightning in WASM): LDK's
 * `peel_payment_onion` processes onions lnts builds, and produces the same next onion, amounts
 * and failure codes as `decodeIncomingHtlcOnion`. Skipped when the package is not installed.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import type * as LDK from 'lightningdevkit';
import { nobleBackend as c } from '../../../src/crypto/noble.js';
import { OnionMessage } from '../../../src/ln/msgs/onion_message.js';
import {
  buildOnionMessage,
  constructOnionPacket,
  createBlindedPath,
  decodeIncomingHtlcOnion,
  encodeHopPayload,
  INVALID_ONION_HMAC,
  peelOnionMessage,
} from '../../../src/ln/onion/index.js';
import { DecodeError } from '../../../src/util/errors.js';
import { fromHex, toHex } from '../../../src/util/hex.js';

type Ldk = typeof LDK;

async function loadLdk(): Promise<Ldk | null> {
  try {
    const require = createRequire(import.meta.url);
    const dir = dirname(require.resolve('lightningdevkit/package.json'));
    const name = 'lightningdevkit';
    const ldk = (await import(name)) as Ldk;
    const log = console.log;
    console.log = () => {}; // the bindings print a banner
    try {
      await ldk.initializeWasmFromBinary(readFileSync(join(dir, 'liblightningjs.wasm')));
    } finally {
      console.log = log;
    }
    return ldk;
  } catch {
    return null;
  }
}

const loaded = await loadLdk();

/** The node id of an LDK signer. */
function nodeIdOf(ldk: Ldk, s: LDK.NodeSigner): Uint8Array {
  const r = s.get_node_id(ldk.Recipient.LDKRecipient_Node);
  if (!(r instanceof ldk.Result_PublicKeyNoneZ_OK)) throw new Error('no node id');
  return r.res;
}
/** ECDH through an LDK signer (its node key stays inside LDK). */
function ecdhOf(ldk: Ldk, s: LDK.NodeSigner): (p: Uint8Array) => Uint8Array {
  return (p) => {
    const r = s.ecdh(ldk.Recipient.LDKRecipient_Node, p, ldk.Option_BigEndianScalarZ.constructor_none());
    if (!(r instanceof ldk.Result_ThirtyTwoBytesNoneZ_OK)) throw new Error('ldk ecdh failed');
    return r.res;
  };
}
function noLogger(ldk: Ldk): LDK.Logger {
  return ldk.Logger.new_impl({ log() {} });
}

/** An `update_add_htlc` payload (without the 2-byte type) as LDK reads it. */
function updateAdd(amountMsat: bigint, paymentHash: Uint8Array, cltvExpiry: number, onion: Uint8Array): Uint8Array {
  const w = new Uint8Array(32 + 8 + 8 + 32 + 4 + onion.length);
  const dv = new DataView(w.buffer);
  dv.setBigUint64(40, amountMsat);
  w.set(paymentHash, 48);
  dv.setUint32(80, cltvExpiry);
  w.set(onion, 84);
  return w;
}

const skip = loaded === null ? 'lightningdevkit not installed' : false;

test('LDK peels lnts onions: forward (same next onion as lnts), keysend receive, BADONION and payload failures', { skip }, () => {
  const ldk = loaded!;
  const nodes = [7, 8].map((s) => ldk.KeysManager.constructor_new(new Uint8Array(32).fill(s), 0n, 0).as_NodeSigner());
  const ids = nodes.map((n) => nodeIdOf(ldk, n));
  const logger = noLogger(ldk);
  const preimage = new Uint8Array(32).fill(0x5a);
  const paymentHash = c.sha256(preimage);
  const hops = [
    { pubkey: ids[0]!, payload: encodeHopPayload({ amtToForward: 500_000n, outgoingCltvValue: 800_100, shortChannelId: 0x0c0000010002n }) },
    { pubkey: ids[1]!, payload: encodeHopPayload({ amtToForward: 500_000n, outgoingCltvValue: 800_100, keysendPreimage: preimage }) },
  ];
  const built = constructOnionPacket(c, { sessionKey: new Uint8Array(32).fill(0x11), hops, associatedData: paymentHash });
  const peel = (i: number, onion: Uint8Array, amount: bigint, cltv: number) => {
    const msg = ldk.UpdateAddHTLC.constructor_read(updateAdd(amount, paymentHash, cltv, onion));
    if (!(msg instanceof ldk.Result_UpdateAddHTLCDecodeErrorZ_OK)) throw new Error('LDK cannot read update_add_htlc');
    return ldk.UtilMethods.constructor_peel_payment_onion(msg.res, nodes[i]!, logger, 799_000, false);
  };
  const peelOk = (r: LDK.Result_PendingHTLCInfoInboundHTLCErrZ): LDK.PendingHTLCInfo => {
    if (r instanceof ldk.Result_PendingHTLCInfoInboundHTLCErrZ_OK) return r.res;
    assert.fail(r instanceof ldk.Result_PendingHTLCInfoInboundHTLCErrZ_Err ? r.err.get_msg() : 'peel failed');
  };
  const peelErrCode = (r: LDK.Result_PendingHTLCInfoInboundHTLCErrZ): number => {
    if (!(r instanceof ldk.Result_PendingHTLCInfoInboundHTLCErrZ_Err)) assert.fail('LDK accepted it');
    return r.err.get_err_code() & 0xffff; // the bindings return it as an i16
  };

  const info0 = peelOk(peel(0, built.onion, 501_000n, 800_100 + 144));
  assert.equal(info0.get_outgoing_amt_msat(), 500_000n);
  assert.equal(info0.get_outgoing_cltv_value(), 800_100);
  assert.equal(toHex(info0.get_incoming_shared_secret()), toHex(built.sharedSecrets[0]!));
  const routing = info0.get_routing();
  if (!(routing instanceof ldk.PendingHTLCRouting_Forward)) assert.fail('LDK does not forward');
  assert.equal(routing.short_channel_id, 0x0c0000010002n);
  const ldkNext = routing.onion_packet.write();
  // lnts peeling at the same node (through LDK's signer, which keeps the key) gives the same next onion.
  const ecdh0 = ecdhOf(ldk, nodes[0]!);
  const ours0 = decodeIncomingHtlcOnion(c, ecdh0, { onion: built.onion, paymentHash, amountMsat: 501_000n, cltvExpiry: 800_244 });
  assert.equal(ours0.kind, 'forward');
  if (ours0.kind !== 'forward') return;
  assert.equal(toHex(ours0.nextPacket), toHex(ldkNext));

  const info1 = peelOk(peel(1, ldkNext, 500_000n, 800_100));
  const routing1 = info1.get_routing();
  if (!(routing1 instanceof ldk.PendingHTLCRouting_ReceiveKeysend)) assert.fail('LDK does not receive a keysend');
  assert.equal(toHex(routing1.payment_preimage), toHex(preimage));
  assert.equal(toHex(info1.get_incoming_shared_secret()), toHex(built.sharedSecrets[1]!));

  // A flipped bit: LDK answers invalid_onion_hmac, as lnts does.
  const bad = built.onion.slice();
  bad[500]! ^= 1;
  assert.equal(peelErrCode(peel(0, bad, 501_000n, 800_100 + 144)), INVALID_ONION_HMAC);
  const ours = decodeIncomingHtlcOnion(c, ecdh0, {
    onion: bad,
    paymentHash,
    amountMsat: 501_000n,
    cltvExpiry: 800_244,
  });
  assert.equal(ours.kind === 'malformed' && ours.failureCode, INVALID_ONION_HMAC);

  // An unknown even TLV in the payload: both answer invalid_onion_payload (PERM|22).
  const odd = constructOnionPacket(c, {
    sessionKey: new Uint8Array(32).fill(0x12),
    hops: [{ pubkey: ids[0]!, payload: fromHex('020207d0040203e80608000c000001000200fe000100020100') }],
    associatedData: paymentHash,
  }).onion;
  const ldkCode = peelErrCode(peel(0, odd, 501_000n, 800_244));
  const mine = decodeIncomingHtlcOnion(c, ecdh0, { onion: odd, paymentHash, amountMsat: 501_000n, cltvExpiry: 800_244 });
  assert.equal(mine.kind, 'fail');
  if (mine.kind !== 'fail') return;
  assert.equal(ldkCode, 0x4016);
  assert.equal(mine.failure.kind, 'invalid_onion_payload');
});

test('lnts peels onion messages LDK builds (create_onion_message), through an intermediate to us', { skip }, () => {
  const ldk = loaded!;
  const sender = ldk.KeysManager.constructor_new(new Uint8Array(32).fill(9), 0n, 0);
  const keys = [0x31, 0x32].map((x) => new Uint8Array(32).fill(x));
  const ids = keys.map((k) => c.publicKey(k));
  const body = Uint8Array.of(1, 2, 3, 4, 5);
  const contents = ldk.OnionMessageContents.new_impl({
    tlv_type: () => 77n,
    msg_type: () => 'lnts-test',
    write: () => body,
    debug_str: () => 'lnts-test',
  });
  const lookup = ldk.NodeIdLookUp.new_impl({ next_node_id: () => new Uint8Array(0) });
  const path = ldk.OnionMessagePath.constructor_new([ids[0]!], ldk.Destination.constructor_node(ids[1]!), ldk.Option_CVec_SocketAddressZZ.constructor_none());
  const made = ldk.UtilMethods.constructor_create_onion_message(sender.as_EntropySource(), sender.as_NodeSigner(), lookup, path, contents, null);
  if (!(made instanceof ldk.Result_C3Tuple_PublicKeyOnionMessageCOption_CVec_SocketAddressZZZSendErrorZ_OK)) assert.fail('LDK did not build it');
  assert.equal(toHex(made.res.get_a()), toHex(ids[0]!));
  const wire = OnionMessage.decodePayload(made.res.get_b().write());
  assert.ok(!(wire instanceof DecodeError));
  const hop = peelOnionMessage(c, keys[0]!, wire);
  assert.equal(hop.kind, 'forward');
  if (hop.kind !== 'forward') return;
  assert.deepEqual(hop.next, { kind: 'node', nodeId: ids[1]! });
  const end = peelOnionMessage(c, keys[1]!, hop.message);
  assert.equal(end.kind, 'receive');
  if (end.kind !== 'receive') return;
  assert.deepEqual(end.payload.unknownTlvs, [{ type: 77n, value: body }]);
});

test('LDK peels onion messages lnts builds (peel_onion_message): forward, then receive', { skip }, () => {
  const ldk = loaded!;
  const km = [0x41, 0x42].map((s) => ldk.KeysManager.constructor_new(new Uint8Array(32).fill(s), 0n, 0).as_NodeSigner());
  const ids = km.map((k) => nodeIdOf(ldk, k));
  const { path } = createBlindedPath(c, new Uint8Array(32).fill(0x51), [
    { nodeId: ids[0]!, data: { nextNodeId: ids[1]! } },
    { nodeId: ids[1]!, data: {} },
  ]);
  const built = buildOnionMessage(c, { sessionKey: new Uint8Array(32).fill(0x52), path, content: { unknownTlvs: [{ type: 77n, value: Uint8Array.of(9, 9) }] } });
  const logger = noLogger(ldk);
  const custom = ldk.CustomOnionMessageHandler.new_impl({
    handle_custom_message: () => ldk.Option_C2Tuple_OnionMessageContentsResponseInstructionZZ.constructor_none(),
    read_custom_message: (type: bigint, buf: Uint8Array) =>
      ldk.Result_COption_OnionMessageContentsZDecodeErrorZ.constructor_ok(
        ldk.Option_OnionMessageContentsZ.constructor_some(
          ldk.OnionMessageContents.new_impl({ tlv_type: () => type, msg_type: () => 'x', write: () => buf, debug_str: () => 'x' }),
        ),
      ),
    release_pending_custom_messages: () => [],
  });
  const peelLdk = (bytes: Uint8Array, at: LDK.NodeSigner): LDK.PeeledOnion => {
    const m = ldk.OnionMessage.constructor_read(bytes);
    if (!(m instanceof ldk.Result_OnionMessageDecodeErrorZ_OK)) assert.fail('LDK cannot read onion_message');
    const r = ldk.UtilMethods.constructor_peel_onion_message(m.res, at, logger, custom);
    if (!(r instanceof ldk.Result_PeeledOnionNoneZ_OK)) assert.fail('LDK cannot peel it');
    return r.res;
  };
  const fwd = peelLdk(OnionMessage.encodePayload(built.message), km[0]!);
  if (!(fwd instanceof ldk.PeeledOnion_Forward)) assert.fail('LDK does not forward');
  const next = fwd._1.write();
  const ours = peelOnionMessage(c, ecdhOf(ldk, km[0]!), built.message);
  assert.equal(ours.kind, 'forward');
  if (ours.kind !== 'forward') return;
  assert.equal(toHex(next), toHex(OnionMessage.encodePayload(ours.message)));
  const rcv = peelLdk(next, km[1]!);
  if (!(rcv instanceof ldk.PeeledOnion_Receive)) assert.fail('LDK does not receive');
  const got = rcv._0;
  if (!(got instanceof ldk.ParsedOnionMessageContents_Custom)) assert.fail('not our custom message');
  assert.equal(got.custom.tlv_type(), 77n);
  assert.deepEqual(got.custom.write(), Uint8Array.of(9, 9));

  // The same with LDK's first node as an unblinded intermediate: lnts blinds the prefix itself.
  const { path: tail } = createBlindedPath(c, new Uint8Array(32).fill(0x53), [{ nodeId: ids[1]!, data: {} }]);
  const viaPrefix = buildOnionMessage(c, {
    sessionKey: new Uint8Array(32).fill(0x54),
    path: tail,
    content: { unknownTlvs: [{ type: 77n, value: Uint8Array.of(8) }] },
    intermediateNodes: [ids[0]!],
    prefixPathKeySecret: new Uint8Array(32).fill(0x55),
  });
  const f2 = peelLdk(OnionMessage.encodePayload(viaPrefix.message), km[0]!);
  if (!(f2 instanceof ldk.PeeledOnion_Forward)) assert.fail('LDK does not forward the prefixed message');
  const r2 = peelLdk(f2._1.write(), km[1]!);
  assert.ok(r2 instanceof ldk.PeeledOnion_Receive, 'LDK receives the prefixed message');
});
