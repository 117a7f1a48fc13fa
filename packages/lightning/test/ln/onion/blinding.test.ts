import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nobleBackend as c } from '../../../src/crypto/noble.js';
import {
  type BlindedPath,
  blindedNodeEcdh,
  blindedNodeSecret,
  blindedPathCoder,
  blindedPaymentHops,
  classifyHopPayload,
  constructOnionPacket,
  createBlindedPath,
  decodeHopPayload,
  decryptRecipientData,
  deriveNextPathKey,
  type EncryptedData,
  encodeEncryptedData,
  type IncomingHtlc,
  onionKey,
  peelOnionPacket,
  processBlindedHop,
} from '../../../src/ln/onion/index.js';
import { DecodeError } from '../../../src/util/errors.js';
import { fromHex, toHex } from '../../../src/util/hex.js';
import { decode, encode } from '../../../src/util/ser/codec.js';
import { scidOf, stripLength, V } from './vectors.js';

/** The vectors' JSON description of an `encrypted_data_tlv`, as our value. */
function encryptedDataOf(t: Record<string, unknown>): EncryptedData {
  const d: Record<string, unknown> = {};
  const unknown: { type: bigint; value: Uint8Array }[] = [];
  for (const [k, v] of Object.entries(t)) {
    if (k === 'padding') d.padding = fromHex(v as string);
    else if (k === 'short_channel_id') d.shortChannelId = scidOf(v as string);
    else if (k === 'next_node_id') d.nextNodeId = fromHex(v as string);
    else if (k === 'path_id') d.pathId = fromHex(v as string);
    else if (k === 'next_path_key_override') d.nextPathKeyOverride = fromHex(v as string);
    else if (k === 'payment_relay') {
      const r = v as { cltv_expiry_delta: number; fee_proportional_millionths: number; fee_base_msat?: number };
      d.paymentRelay = {
        cltvExpiryDelta: r.cltv_expiry_delta,
        feeProportionalMillionths: r.fee_proportional_millionths,
        feeBaseMsat: r.fee_base_msat ?? 0,
      };
    } else if (k === 'payment_constraints') {
      const r = v as { max_cltv_expiry: number; htlc_minimum_msat: number };
      d.paymentConstraints = { maxCltvExpiry: r.max_cltv_expiry, htlcMinimumMsat: BigInt(r.htlc_minimum_msat) };
    } else if (k === 'allowed_features') {
      const bits = (v as { features: number[] }).features;
      const n = bits.length ? Math.floor(Math.max(...bits) / 8) + 1 : 0;
      const f = new Uint8Array(n);
      for (const b of bits) f[n - 1 - (b >> 3)]! |= 1 << (b & 7);
      d.allowedFeatures = f;
    } else if (k.startsWith('unknown_tag_')) unknown.push({ type: BigInt(k.slice(12)), value: fromHex(v as string) });
    else if (k !== 'path_key_override_secret') throw new Error(`unexpected tlv ${k}`);
  }
  if (unknown.length) d.unknownTlvs = unknown;
  return d as EncryptedData;
}

const RB = V.route_blinding[0];

test('BOLT 4 route blinding vector: encrypted_data_tlv encodings', () => {
  for (const h of RB.generate.hops) {
    assert.equal(toHex(encodeEncryptedData(encryptedDataOf(h.tlvs))), h.encoded_tlvs, h.alias);
  }
});

test('BOLT 4 route blinding vector: creating the path (path keys, blinded ids, encrypted data)', () => {
  const g = RB.generate.hops;
  const created = createBlindedPath(
    c,
    fromHex(g[0]!.session_key!),
    g.map((h, i) => {
      // Carol's data overrides the next path key: the path continues with Dave's own session key.
      const nextSecret = g[i + 1]?.session_key;
      return { nodeId: fromHex(h.node_id), data: fromHex(h.encoded_tlvs), ...(nextSecret ? { nextPathKeySecret: fromHex(nextSecret) } : {}) };
    }),
  );
  for (let i = 0; i < g.length; i++) {
    const h = g[i]!;
    assert.equal(toHex(created.pathKeys[i]!), h.path_key, `${h.alias} path key`);
    assert.equal(toHex(c.publicKey(fromHex(h.path_privkey))), h.path_key);
    assert.equal(toHex(created.sharedSecrets[i]!), h.shared_secret, `${h.alias} ss`);
    assert.equal(toHex(onionKey(c, 'rho', created.sharedSecrets[i]!)), h.rho);
    assert.equal(toHex(created.path.hops[i]!.blindedNodeId), h.blinded_node_id, `${h.alias} blinded id`);
    assert.equal(toHex(created.path.hops[i]!.encryptedRecipientData), h.encrypted_data, `${h.alias} data`);
  }
  assert.deepEqual(created.path.firstNodeId, { kind: 'pubkey', nodeId: fromHex(RB.route.first_node_id) });
  assert.equal(toHex(created.path.firstPathKey), RB.route.first_path_key);
  RB.route.hops.forEach((h, i) => {
    assert.equal(toHex(created.path.hops[i]!.blindedNodeId), h.blinded_node_id);
    assert.equal(toHex(created.path.hops[i]!.encryptedRecipientData), h.encrypted_data);
  });
  // A structured value with nextPathKeySecret gets next_path_key_override filled in.
  const carol = g[1]!;
  const { nextPathKeyOverride: _drop, ...rest } = encryptedDataOf(carol.tlvs);
  const again = createBlindedPath(c, fromHex(carol.path_privkey), [
    { nodeId: fromHex(carol.node_id), data: rest, nextPathKeySecret: fromHex(g[2]!.session_key!) },
  ]);
  assert.equal(toHex(again.path.hops[0]!.encryptedRecipientData), carol.encrypted_data);
});

test('BOLT 4 route blinding vector: unblinding at each hop (blinded key, data, next path key)', () => {
  RB.unblind.hops.forEach((h, i) => {
    const k = fromHex(h.node_privkey);
    const E = fromHex(h.path_key);
    const b = blindedNodeSecret(c, k, E);
    assert.equal(toHex(b), h.blinded_privkey, h.alias);
    assert.equal(toHex(c.publicKey(b)), RB.route.hops[i]!.blinded_node_id);
    const un = decryptRecipientData(c, k, E, fromHex(RB.route.hops[i]!.encrypted_data));
    assert.ok(!(un instanceof DecodeError), h.alias);
    assert.equal(toHex(un.plaintext), h.decrypted_data);
    assert.equal(toHex(deriveNextPathKey(c, E, un.sharedSecret)), h.next_path_key, `${h.alias} derived next key`);
    assert.equal(toHex(un.nextPathKey), h.next_path_key_override ?? h.next_path_key, `${h.alias} next key used`);
    // The signer form of the blinded key computes the same ECDH.
    const p = c.publicKey(new Uint8Array(32).fill(5));
    assert.deepEqual(blindedNodeEcdh(c, (q) => c.ecdh(k, q), E)(p), c.ecdh(b, p));
  });
  // Another node's key cannot open the data.
  const wrong = decryptRecipientData(c, fromHex(RB.unblind.hops[1]!.node_privkey), fromHex(RB.unblind.hops[0]!.path_key), fromHex(RB.route.hops[0]!.encrypted_data));
  assert.ok(wrong instanceof DecodeError);
});

test('blinded_path encoding round-trips (pubkey and scid introduction nodes)', () => {
  const path: BlindedPath = {
    firstNodeId: { kind: 'pubkey', nodeId: fromHex(RB.route.first_node_id) },
    firstPathKey: fromHex(RB.route.first_path_key),
    hops: RB.route.hops.map((h) => ({ blindedNodeId: fromHex(h.blinded_node_id), encryptedRecipientData: fromHex(h.encrypted_data) })),
  };
  const bytes = encode(blindedPathCoder, path);
  assert.deepEqual(decode(blindedPathCoder, bytes), path);
  const viaScid: BlindedPath = { ...path, firstNodeId: { kind: 'scid', direction: 1, shortChannelId: scidOf('1x2x3') } };
  const b2 = encode(blindedPathCoder, viaScid);
  assert.equal(b2[0], 1);
  assert.deepEqual(decode(blindedPathCoder, b2), viaScid);
  const bad = b2.slice();
  bad[0] = 4;
  assert.ok(decode(blindedPathCoder, bad) instanceof DecodeError);
  assert.ok(decode(blindedPathCoder, bytes.subarray(0, bytes.length - 1)) instanceof DecodeError);
});

const BP = V.blinded_payment_onion[0];
const G = BP.generate;
const blindedRoute: BlindedPath = {
  firstNodeId: { kind: 'pubkey', nodeId: fromHex(G.blinded_route.first_node_id) },
  firstPathKey: fromHex(G.blinded_route.first_path_key),
  hops: G.blinded_route.hops.map((h) => ({ blindedNodeId: fromHex(h.blinded_node_id), encryptedRecipientData: fromHex(h.encrypted_data) })),
};

test('BOLT 4 blinded payment onion vector: the sender builds the byte-equal onion', () => {
  const blinded = blindedPaymentHops(blindedRoute, {
    amountMsat: BigInt(G.final_amount_msat),
    totalAmountMsat: 150_000n,
    finalCltv: G.final_cltv,
  });
  const full = G.full_route.hops;
  const alice = { pubkey: fromHex(full[0]!.pubkey), payload: stripLength(fromHex(full[0]!.payload)) };
  const hops = [alice, ...blinded];
  hops.forEach((h, i) => {
    assert.equal(toHex(h.pubkey), full[i]!.pubkey, full[i]!.alias);
    assert.deepEqual(h.payload, stripLength(fromHex(full[i]!.payload)), `${full[i]!.alias} payload`);
  });
  const built = constructOnionPacket(c, { sessionKey: fromHex(G.session_key), hops, associatedData: fromHex(G.associated_data) });
  assert.equal(toHex(built.onion), G.onion);
});

test('BOLT 4 blinded payment onion vector: introduction node, intermediates and recipient process it', () => {
  const D = BP.decrypt.hops;
  const ad = fromHex(G.associated_data);
  const full = G.full_route.hops;
  let htlc: IncomingHtlc = { amountMsat: 110_125n + 1_000n, cltvExpiry: 749_150 + 144 }; // what Alice receives
  let updatePathKey: Uint8Array | undefined;
  for (let i = 0; i < D.length; i++) {
    const h = D[i]!;
    const k = fromHex(h.node_privkey);
    const onionKeyFor = updatePathKey ? blindedNodeSecret(c, k, updatePathKey) : k;
    const r = peelOnionPacket(c, fromHex(h.onion), onionKeyFor, ad);
    assert.ok(r.kind === 'forward' || r.kind === 'final', `${h.alias}: ${r.kind}`);
    assert.deepEqual(r.payload, stripLength(fromHex(full[i]!.payload)), `${h.alias} payload`);
    if (r.kind === 'forward') assert.equal(toHex(r.nextPacket), D[i + 1]!.onion, `${h.alias} next onion`);
    const p = decodeHopPayload(r.payload);
    assert.ok(!(p instanceof DecodeError));
    const instr = classifyHopPayload(p, r.kind === 'final', updatePathKey);
    if (i === 0) {
      assert.deepEqual(instr, { kind: 'forward', shortChannelId: scidOf('0x0x10'), amtToForward: 110_125n, outgoingCltvValue: 749_150 });
      htlc = { amountMsat: 110_125n, cltvExpiry: 749_150 };
      continue;
    }
    assert.ok(instr.kind === 'blinded-forward' || instr.kind === 'blinded-receive', `${h.alias}: ${instr.kind}`);
    assert.equal(instr.introductionNode, i === 1);
    const out = processBlindedHop(c, k, instr, htlc);
    const tlvs = full[i]!.tlvs.encrypted_recipient_data as Record<string, unknown>;
    if (out.kind === 'fail') assert.fail(`${h.alias}: ${out.reason}`);
    assert.deepEqual(out.data, encryptedDataOf(tlvs), `${h.alias} encrypted data`);
    if (out.kind === 'forward') {
      assert.equal(toHex(out.nextPathKey), h.next_path_key, `${h.alias} next path key`);
      assert.equal(out.shortChannelId, (out.data as EncryptedData).shortChannelId);
      updatePathKey = out.nextPathKey;
      htlc = { amountMsat: out.amtToForward, cltvExpiry: out.outgoingCltvValue };
    } else {
      assert.equal(i, D.length - 1);
      assert.equal(out.amtToForward, BigInt(G.final_amount_msat));
      assert.equal(out.totalAmountMsat, 150_000n);
      assert.equal(out.outgoingCltvValue, G.final_cltv);
      assert.equal(toHex(out.pathId!), (tlvs as { path_id: string }).path_id);
      // The relay fees and deltas of the path deliver exactly what the recipient asked for.
      assert.equal(htlc.amountMsat, BigInt(G.final_amount_msat));
      assert.equal(htlc.cltvExpiry, G.final_cltv);
    }
  }
});

test('blinded hop rules: path key sources, forbidden fields, constraints', () => {
  const enc = Uint8Array.of(1, 2, 3);
  const E = fromHex(RB.route.first_path_key);
  assert.equal(classifyHopPayload({ encryptedRecipientData: enc }, false).kind, 'invalid'); // no path key at all
  assert.equal(classifyHopPayload({ encryptedRecipientData: enc, currentPathKey: E }, false, E).kind, 'invalid'); // both
  assert.equal(classifyHopPayload({ encryptedRecipientData: enc, amtToForward: 1n }, false, E).kind, 'invalid');
  assert.equal(classifyHopPayload({ encryptedRecipientData: enc, shortChannelId: 1n }, false, E).kind, 'invalid');
  assert.equal(classifyHopPayload({ encryptedRecipientData: enc, amtToForward: 1n, outgoingCltvValue: 1 }, true, E).kind, 'invalid'); // no total
  assert.equal(classifyHopPayload({ amtToForward: 1n, outgoingCltvValue: 1, shortChannelId: 1n }, false, E).kind, 'invalid'); // path key without data
  // Bob (introduction node) with an HTLC past max_cltv_expiry or below htlc_minimum_msat fails.
  const bob = RB.unblind.hops[0]!;
  const hop = { kind: 'blinded-forward' as const, encryptedRecipientData: fromHex(RB.route.hops[0]!.encrypted_data), pathKey: E, introductionNode: true };
  const k = fromHex(bob.node_privkey);
  assert.equal(processBlindedHop(c, k, hop, { amountMsat: 100_000n, cltvExpiry: 748_005 }).kind, 'forward');
  assert.equal(processBlindedHop(c, k, hop, { amountMsat: 100_000n, cltvExpiry: 748_006 }).kind, 'fail');
  assert.equal(processBlindedHop(c, k, hop, { amountMsat: 1_499n, cltvExpiry: 700_000 }).kind, 'fail');
  // Eve's data allows feature 113, which no blinded payment feature is: rejected.
  const eve = RB.unblind.hops[3]!;
  const eveHop = {
    kind: 'blinded-receive' as const,
    encryptedRecipientData: fromHex(RB.route.hops[3]!.encrypted_data),
    pathKey: fromHex(eve.path_key),
    introductionNode: false,
    amtToForward: 2_000n,
    outgoingCltvValue: 700_000,
    totalAmountMsat: 2_000n,
  };
  assert.equal(processBlindedHop(c, fromHex(eve.node_privkey), eveHop, { amountMsat: 2_000n, cltvExpiry: 700_000 }).kind, 'fail');
});

test('unblinded hop rules: forward needs scid, final must not have it, legacy amounts required', () => {
  assert.equal(classifyHopPayload({ amtToForward: 1n, outgoingCltvValue: 1 }, false).kind, 'invalid');
  assert.equal(classifyHopPayload({ amtToForward: 1n, outgoingCltvValue: 1, shortChannelId: 5n }, true).kind, 'invalid');
  assert.equal(classifyHopPayload({ outgoingCltvValue: 1, shortChannelId: 5n }, false).kind, 'invalid');
  assert.equal(classifyHopPayload({ amtToForward: 1n, shortChannelId: 5n }, false).kind, 'invalid');
  const secret = new Uint8Array(32).fill(1);
  assert.equal(
    classifyHopPayload({ amtToForward: 1n, outgoingCltvValue: 1, shortChannelId: 5n, paymentData: { paymentSecret: secret, totalMsat: 1n } }, false).kind,
    'invalid',
  );
  assert.equal(classifyHopPayload({ amtToForward: 1n, outgoingCltvValue: 1, shortChannelId: 5n, keysendPreimage: secret }, false).kind, 'invalid');
  assert.deepEqual(classifyHopPayload({ amtToForward: 7n, outgoingCltvValue: 9, keysendPreimage: secret, paymentMetadata: Uint8Array.of(1) }, true), {
    kind: 'receive',
    amtToForward: 7n,
    outgoingCltvValue: 9,
    totalMsat: 7n,
    paymentMetadata: Uint8Array.of(1),
    keysendPreimage: secret,
  });
  const mpp = classifyHopPayload({ amtToForward: 7n, outgoingCltvValue: 9, paymentData: { paymentSecret: secret, totalMsat: 21n } }, true);
  assert.equal(mpp.kind === 'receive' && mpp.totalMsat, 21n);
  const inv = classifyHopPayload({ amtToForward: 1n, outgoingCltvValue: 1 }, false);
  assert.equal(inv.kind === 'invalid' && inv.tlvType, 6n);
});
