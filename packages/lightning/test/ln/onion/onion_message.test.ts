import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nobleBackend as c } from '../../../src/crypto/noble.js';
import { OnionMessage } from '../../../src/ln/msgs/onion_message.js';
import {
  buildOnionMessage,
  createBlindedPath,
  decodeOnionMessagePayload,
  encodeOnionMessagePayload,
  LARGE_ONION_MESSAGE_HOP_PAYLOADS_LEN,
  ONION_OVERHEAD,
  onionKey,
  peelOnionMessage,
} from '../../../src/ln/onion/index.js';
import { concat } from '../../../src/util/bytes.js';
import { DecodeError } from '../../../src/util/errors.js';
import { fromHex, toHex } from '../../../src/util/hex.js';
import { V } from './vectors.js';

const OM = V.onion_message[0];
const privkeys = OM.decrypt.hops.map((h) => fromHex(h.privkey));
const nodeIds = privkeys.map((k) => c.publicKey(k));

function decodeWire(hex: string): OnionMessage {
  const b = fromHex(hex);
  assert.equal((b[0]! << 8) | b[1]!, 513);
  const m = OnionMessage.decodePayload(b.subarray(2));
  assert.ok(!(m instanceof DecodeError));
  return m;
}

function vectorPath() {
  const g = OM.generate.hops;
  return createBlindedPath(
    c,
    fromHex(g[0]!.path_key_secret),
    g.map((h, i) => ({
      nodeId: nodeIds[i]!,
      data: fromHex(h.encrypted_data_tlv),
      // Alice's data joins a second path (Bob's), which starts from its own secret.
      ...(h.tlvs.path_key_override_secret ? { nextPathKeySecret: fromHex(h.tlvs.path_key_override_secret) } : {}),
    })),
  );
}

test('BOLT 4 onion message vector: the blinded path (ss, tweaks, blinded ids, path keys, encrypted data)', () => {
  const created = vectorPath();
  OM.generate.hops.forEach((h, i) => {
    const ss = created.sharedSecrets[i]!;
    const E = created.pathKeys[i]!;
    assert.equal(toHex(ss), h.ss, h.alias);
    assert.equal(toHex(E), h.e);
    assert.equal(toHex(onionKey(c, 'blinded_node_id', ss)), h.node_id_tweak);
    assert.equal(toHex(c.sha256(concat(E, ss))), h.e_tweak);
    assert.equal(toHex(onionKey(c, 'rho', ss)), h.rho);
    assert.equal(toHex(created.path.hops[i]!.blindedNodeId), h.blinded_node_id);
    assert.equal(toHex(created.path.hops[i]!.encryptedRecipientData), h.encrypted_recipient_data);
    // next_e is printed with the 01 "compressed" suffix.
    assert.equal(`${toHex(c.secretMultiply(fromHex(h.path_key_secret), fromHex(h.e_tweak)))}01`, h.next_e);
  });
  assert.equal(toHex(created.path.firstPathKey), OM.route.first_path_key);
  assert.deepEqual(created.path.firstNodeId, { kind: 'pubkey', nodeId: fromHex(OM.route.first_node_id) });
});

test('BOLT 4 onion message vector: the onion_message built along the path is byte-equal', () => {
  const { path } = vectorPath();
  const built = buildOnionMessage(c, {
    sessionKey: fromHex(OM.generate.session_key),
    path,
    content: { unknownTlvs: [{ type: 1n, value: fromHex(OM.onionmessage.unknown_tag_1) }] },
  });
  assert.equal(toHex(built.message.onionMessagePacket), OM.onionmessage.onion_message_packet);
  assert.equal(toHex(OnionMessage.encode(built.message)), OM.decrypt.hops[0]!.onion_message);
});

test('BOLT 4 onion message vector: each hop peels and forwards to the next node; Dave receives', () => {
  const D = OM.decrypt.hops;
  for (let i = 0; i < D.length; i++) {
    const h = D[i]!;
    const r = peelOnionMessage(c, privkeys[i]!, decodeWire(h.onion_message));
    if (i < D.length - 1) {
      assert.equal(r.kind, 'forward', h.alias);
      if (r.kind !== 'forward') return;
      assert.deepEqual(r.next, { kind: 'node', nodeId: fromHex(h.next_node_id!) });
      assert.equal(toHex(OnionMessage.encode(r.message)), D[i + 1]!.onion_message, `${h.alias} forwards`);
    } else {
      assert.equal(r.kind, 'receive');
      if (r.kind !== 'receive') return;
      assert.deepEqual(r.payload.unknownTlvs, [{ type: 1n, value: fromHex(h.tlvs!.unknown_tag_1!) }]);
      assert.equal(toHex(r.payload.encryptedRecipientData!), h.tlvs!.encrypted_recipient_data);
      assert.equal(toHex(r.data.pathId!), OM.generate.hops[3]!.tlvs.path_id);
    }
  }
  // Bob cannot read Alice's message.
  assert.equal(peelOnionMessage(c, privkeys[1]!, decodeWire(D[0]!.onion_message)).kind, 'ignore');
});

test('onion messages: large (32768-byte) packets, scid next hops, reply paths, and what is ignored', () => {
  const keys = [3, 4, 5].map((x) => new Uint8Array(32).fill(x));
  const ids = keys.map((k) => c.publicKey(k));
  const reply = createBlindedPath(c, new Uint8Array(32).fill(0x21), [{ nodeId: ids[0]!, data: { pathId: Uint8Array.of(7) } }]).path;
  const { path } = createBlindedPath(c, new Uint8Array(32).fill(0x11), [
    { nodeId: ids[0]!, data: { shortChannelId: 42n } },
    { nodeId: ids[1]!, data: { nextNodeId: ids[2]! } },
    { nodeId: ids[2]!, data: { pathId: Uint8Array.of(1, 2, 3) } },
  ]);
  const built = buildOnionMessage(c, {
    sessionKey: new Uint8Array(32).fill(0x31),
    path,
    content: { replyPath: reply, invoiceRequest: Uint8Array.of(0xaa) },
    hopPayloadsLen: LARGE_ONION_MESSAGE_HOP_PAYLOADS_LEN,
  });
  assert.equal(built.message.onionMessagePacket.length, LARGE_ONION_MESSAGE_HOP_PAYLOADS_LEN + ONION_OVERHEAD);
  // The wire message carries the long packet with its u16 length.
  const wire = OnionMessage.encode(built.message);
  const back = OnionMessage.decodePayload(wire.subarray(2));
  assert.ok(!(back instanceof DecodeError));
  assert.deepEqual(back.onionMessagePacket, built.message.onionMessagePacket);
  let m = back;
  const r0 = peelOnionMessage(c, keys[0]!, m);
  assert.equal(r0.kind, 'forward');
  if (r0.kind !== 'forward') return;
  assert.deepEqual(r0.next, { kind: 'scid', shortChannelId: 42n });
  m = { ...r0.message };
  const r1 = peelOnionMessage(c, keys[1]!, m);
  assert.equal(r1.kind === 'forward' && r1.next.kind, 'node');
  if (r1.kind !== 'forward') return;
  const r2 = peelOnionMessage(c, keys[2]!, r1.message);
  assert.equal(r2.kind, 'receive');
  if (r2.kind !== 'receive') return;
  assert.deepEqual(r2.payload.replyPath, reply);
  assert.deepEqual(r2.payload.invoiceRequest, Uint8Array.of(0xaa));
  assert.deepEqual(r2.data.pathId, Uint8Array.of(1, 2, 3));
  // A wrong path key makes the tweak wrong: the HMAC fails and the message is ignored.
  assert.equal(peelOnionMessage(c, keys[1]!, { ...r0.message, pathKey: ids[0]! }).kind, 'ignore');
  // An intermediate hop whose data carries a path_id is ignored (it would leak the recipient).
  const leaky = createBlindedPath(c, new Uint8Array(32).fill(0x12), [
    { nodeId: ids[0]!, data: { nextNodeId: ids[1]!, pathId: Uint8Array.of(9) } },
    { nodeId: ids[1]!, data: {} },
  ]).path;
  const lm = buildOnionMessage(c, { sessionKey: new Uint8Array(32).fill(0x32), path: leaky, content: {} });
  assert.equal(peelOnionMessage(c, keys[0]!, lm.message).kind, 'ignore');
  // Data allowing a feature bit we do not know is ignored; an empty allowed_features is fine.
  for (const [features, kind] of [[Uint8Array.of(1), 'ignore'], [new Uint8Array(0), 'receive']] as const) {
    const p = createBlindedPath(c, new Uint8Array(32).fill(0x14), [{ nodeId: ids[0]!, data: { allowedFeatures: features } }]).path;
    const fm = buildOnionMessage(c, { sessionKey: new Uint8Array(32).fill(0x34), path: p, content: {} });
    assert.equal(peelOnionMessage(c, keys[0]!, fm.message).kind, kind);
  }
  // Two payload fields at the final hop are ignored.
  const two = createBlindedPath(c, new Uint8Array(32).fill(0x13), [{ nodeId: ids[0]!, data: {} }]).path;
  const tm = buildOnionMessage(c, { sessionKey: new Uint8Array(32).fill(0x33), path: two, content: { invoice: Uint8Array.of(1), invoiceError: Uint8Array.of(2) } });
  assert.equal(peelOnionMessage(c, keys[0]!, tm.message).kind, 'ignore');
});

test('onionmsg_tlv round-trips; unknown even records are refused', () => {
  const p = { encryptedRecipientData: Uint8Array.of(1, 2), invoice: Uint8Array.of(3), unknownTlvs: [{ type: 77n, value: Uint8Array.of(4) }] };
  const b = encodeOnionMessagePayload(p);
  assert.deepEqual(decodeOnionMessagePayload(b), p);
  assert.ok(decodeOnionMessagePayload(Uint8Array.of(0x06, 0x01, 0x00)) instanceof DecodeError);
});

test('onion messages through unblinded intermediate nodes: the sender blinds the prefix and joins the path', () => {
  const keys = [0x61, 0x62, 0x63, 0x64].map((x) => new Uint8Array(32).fill(x));
  const ids = keys.map((k) => c.publicKey(k));
  const { path } = createBlindedPath(c, new Uint8Array(32).fill(0x71), [
    { nodeId: ids[2]!, data: { nextNodeId: ids[3]! } },
    { nodeId: ids[3]!, data: { pathId: Uint8Array.of(4) } },
  ]);
  const built = buildOnionMessage(c, {
    sessionKey: new Uint8Array(32).fill(0x72),
    path,
    content: { invoice: Uint8Array.of(0x66) },
    intermediateNodes: [ids[0]!, ids[1]!],
    prefixPathKeySecret: new Uint8Array(32).fill(0x73),
  });
  assert.deepEqual(built.firstNodeId, { kind: 'pubkey', nodeId: ids[0]! });
  let m = built.message;
  for (let i = 0; i < 3; i++) {
    const r = peelOnionMessage(c, keys[i]!, m);
    assert.equal(r.kind, 'forward', `node ${i}`);
    if (r.kind !== 'forward') return;
    assert.deepEqual(r.next, { kind: 'node', nodeId: ids[i + 1]! });
    // The last prefix node hands on the recipient's own first path key.
    if (i === 1) assert.deepEqual(r.message.pathKey, path.firstPathKey);
    m = r.message;
  }
  const end = peelOnionMessage(c, keys[3]!, m);
  assert.equal(end.kind, 'receive');
  if (end.kind === 'receive') assert.deepEqual(end.data.pathId, Uint8Array.of(4));
  assert.throws(
    () => buildOnionMessage(c, { sessionKey: new Uint8Array(32).fill(1), path, content: {}, intermediateNodes: [ids[0]!] }),
    /prefixPathKeySecret/,
  );
});
