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

// biome-ignore lint/suspicious/noExplicitAny: the WASM bindings are loaded at run time and used untyped
type Ldk = any;

async function loadLdk(): Promise<Ldk | null> {
  try {
    const require = createRequire(import.meta.url);
    const dir = dirname(require.resolve('lightningdevkit/package.json'));
    const name = 'lightningdevkit';
    const ldk: Ldk = await import(name);
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

const ldk = await loadLdk();

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

test('LDK peels lnts onions: forward (same next onion as lnts), keysend receive, BADONION and payload failures', { skip: ldk === null ? 'lightningdevkit not installed' : false }, () => {
  const nodes = [7, 8].map((s) => ldk.KeysManager.constructor_new(new Uint8Array(32).fill(s), 0n, 0).as_NodeSigner());
  const ids: Uint8Array[] = nodes.map((n: Ldk) => n.get_node_id(ldk.Recipient.LDKRecipient_Node).res);
  const logger = ldk.Logger.new_impl({ log() {} });
  const preimage = new Uint8Array(32).fill(0x5a);
  const paymentHash = c.sha256(preimage);
  const hops = [
    { pubkey: ids[0]!, payload: encodeHopPayload({ amtToForward: 500_000n, outgoingCltvValue: 800_100, shortChannelId: 0x0c0000010002n }) },
    { pubkey: ids[1]!, payload: encodeHopPayload({ amtToForward: 500_000n, outgoingCltvValue: 800_100, keysendPreimage: preimage }) },
  ];
  const built = constructOnionPacket(c, { sessionKey: new Uint8Array(32).fill(0x11), hops, associatedData: paymentHash });
  const peel = (i: number, onion: Uint8Array, amount: bigint, cltv: number) =>
    ldk.UtilMethods.constructor_peel_payment_onion(
      ldk.UpdateAddHTLC.constructor_read(updateAdd(amount, paymentHash, cltv, onion)).res,
      nodes[i],
      logger,
      799_000,
      false,
    );

  const r0 = peel(0, built.onion, 501_000n, 800_100 + 144);
  assert.ok(r0.is_ok(), r0.is_ok() ? '' : r0.err.get_msg());
  const info0 = r0.res;
  assert.equal(info0.get_outgoing_amt_msat(), 500_000n);
  assert.equal(info0.get_outgoing_cltv_value(), 800_100);
  assert.equal(toHex(info0.get_incoming_shared_secret()), toHex(built.sharedSecrets[0]!));
  const routing = info0.get_routing();
  assert.equal(routing.short_channel_id, 0x0c0000010002n);
  const ldkNext: Uint8Array = routing.onion_packet.write();
  // lnts peeling at the same node (through LDK's signer, which keeps the key) gives the same next onion.
  const ecdh0 = (p: Uint8Array): Uint8Array => nodes[0].ecdh(ldk.Recipient.LDKRecipient_Node, p, ldk.Option_BigEndianScalarZ.constructor_none()).res;
  const ours0 = decodeIncomingHtlcOnion(c, ecdh0, { onion: built.onion, paymentHash, amountMsat: 501_000n, cltvExpiry: 800_244 });
  assert.equal(ours0.kind, 'forward');
  if (ours0.kind !== 'forward') return;
  assert.equal(toHex(ours0.nextPacket), toHex(ldkNext));

  const r1 = peel(1, ldkNext, 500_000n, 800_100);
  assert.ok(r1.is_ok(), r1.is_ok() ? '' : r1.err.get_msg());
  const routing1 = r1.res.get_routing();
  assert.equal(toHex(routing1.payment_preimage), toHex(preimage));
  assert.equal(toHex(r1.res.get_incoming_shared_secret()), toHex(built.sharedSecrets[1]!));

  // A flipped bit: LDK answers invalid_onion_hmac, as lnts does.
  const bad = built.onion.slice();
  bad[500]! ^= 1;
  const rb = peel(0, bad, 501_000n, 800_100 + 144);
  assert.ok(!rb.is_ok());
  assert.equal(rb.err.get_err_code() & 0xffff, INVALID_ONION_HMAC); // the bindings return it as an i16
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
  const ru = peel(0, odd, 501_000n, 800_244);
  assert.ok(!ru.is_ok());
  const mine = decodeIncomingHtlcOnion(c, ecdh0, { onion: odd, paymentHash, amountMsat: 501_000n, cltvExpiry: 800_244 });
  assert.equal(mine.kind, 'fail');
  if (mine.kind !== 'fail') return;
  assert.equal(ru.err.get_err_code() & 0xffff, 0x4016);
  assert.equal(mine.failure.kind, 'invalid_onion_payload');
});

test('lnts peels onion messages LDK builds (create_onion_message), through an intermediate to us', { skip: ldk === null ? 'lightningdevkit not installed' : false }, () => {
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
  const lookup = ldk.NodeIdLookUp.new_impl({ next_node_id: () => null });
  const path = ldk.OnionMessagePath.constructor_new([ids[0]!], ldk.Destination.constructor_node(ids[1]!), ldk.Option_CVec_SocketAddressZZ.constructor_none());
  const made = ldk.UtilMethods.constructor_create_onion_message(sender.as_EntropySource(), sender.as_NodeSigner(), lookup, path, contents, null);
  assert.ok(made.is_ok(), 'LDK built the message');
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

test('LDK peels onion messages lnts builds (peel_onion_message): forward, then receive', { skip: ldk === null ? 'lightningdevkit not installed' : false }, () => {
  const km = [0x41, 0x42].map((s) => ldk.KeysManager.constructor_new(new Uint8Array(32).fill(s), 0n, 0));
  const ids: Uint8Array[] = km.map((k: Ldk) => k.as_NodeSigner().get_node_id(ldk.Recipient.LDKRecipient_Node).res);
  const { path } = createBlindedPath(c, new Uint8Array(32).fill(0x51), [
    { nodeId: ids[0]!, data: { nextNodeId: ids[1]! } },
    { nodeId: ids[1]!, data: {} },
  ]);
  const built = buildOnionMessage(c, { sessionKey: new Uint8Array(32).fill(0x52), path, content: { unknownTlvs: [{ type: 77n, value: Uint8Array.of(9, 9) }] } });
  const logger = ldk.Logger.new_impl({ log() {} });
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
  const msg = ldk.OnionMessage.constructor_read(OnionMessage.encodePayload(built.message)).res;
  const r0 = ldk.UtilMethods.constructor_peel_onion_message(msg, km[0].as_NodeSigner(), logger, custom);
  assert.ok(r0.is_ok(), 'LDK peels the first layer');
  const fwd = r0.res;
  assert.ok(fwd instanceof ldk.PeeledOnion_Forward, 'LDK forwards');
  const next = fwd._1.write();
  const ours = peelOnionMessage(c, (p) => km[0].as_NodeSigner().ecdh(ldk.Recipient.LDKRecipient_Node, p, ldk.Option_BigEndianScalarZ.constructor_none()).res, built.message);
  assert.equal(ours.kind, 'forward');
  if (ours.kind !== 'forward') return;
  assert.equal(toHex(next), toHex(OnionMessage.encodePayload(ours.message)));
  const r1 = ldk.UtilMethods.constructor_peel_onion_message(ldk.OnionMessage.constructor_read(next).res, km[1].as_NodeSigner(), logger, custom);
  assert.ok(r1.is_ok(), 'LDK receives');
  assert.ok(r1.res instanceof ldk.PeeledOnion_Receive);
  const got = r1.res._0;
  assert.ok(got instanceof ldk.ParsedOnionMessageContents_Custom);
  assert.equal(got.custom.tlv_type(), 77n);
  assert.deepEqual(got.custom.write(), Uint8Array.of(9, 9));
});
