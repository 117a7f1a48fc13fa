import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nobleBackend as c } from '../../../src/crypto/noble.js';
import {
  buildPaymentOnion,
  buildRoutePayloads,
  decodeFailurePacket,
  buildFailurePacket,
  decodeIncomingHtlcOnion,
  obfuscateFailurePacket,
  type PaymentRouteHop,
} from '../../../src/ln/onion/index.js';
import { InvalidRoute } from '../../../src/util/errors.js';

const keys = [0x21, 0x22, 0x23].map((x) => new Uint8Array(32).fill(x));
const path: PaymentRouteHop[] = [
  { pubkey: c.publicKey(keys[0]!), shortChannelId: 101n, feeMsat: 1_000n, cltvExpiryDelta: 40 },
  { pubkey: c.publicKey(keys[1]!), shortChannelId: 202n, feeMsat: 2_500n, cltvExpiryDelta: 144 },
  { pubkey: c.publicKey(keys[2]!), shortChannelId: 303n, feeMsat: 1_000_000n, cltvExpiryDelta: 18 },
];
const paymentHash = c.sha256(Uint8Array.of(1));
const secret = new Uint8Array(32).fill(0x99);

test('a route becomes per-hop payloads: each hop keeps its fee and delta, the recipient gets its amount', () => {
  const built = buildPaymentOnion(c, {
    sessionKey: new Uint8Array(32).fill(0x31),
    paymentHash,
    path,
    recipient: { paymentSecret: secret, totalMsat: 3_000_000n },
    startingHeight: 800_001,
  });
  assert.equal(built.firstHopAmountMsat, 1_000_000n + 2_500n + 1_000n);
  assert.equal(built.firstHopCltvExpiry, 800_001 + 18 + 144 + 40);
  let htlc = { onion: built.onion, paymentHash, amountMsat: built.firstHopAmountMsat, cltvExpiry: built.firstHopCltvExpiry };
  for (let i = 0; i < 3; i++) {
    const r = decodeIncomingHtlcOnion(c, keys[i]!, htlc);
    if (i < 2) {
      assert.equal(r.kind, 'forward');
      if (r.kind !== 'forward' || r.blinded) return;
      assert.equal(r.hop.shortChannelId, path[i + 1]!.shortChannelId, 'forwards over the next channel');
      assert.equal(htlc.amountMsat - r.hop.amtToForward, path[i]!.feeMsat, 'keeps its own fee');
      assert.equal(htlc.cltvExpiry - r.hop.outgoingCltvValue, path[i]!.cltvExpiryDelta, 'keeps its own delta');
      htlc = { onion: r.nextPacket, paymentHash, amountMsat: r.hop.amtToForward, cltvExpiry: r.hop.outgoingCltvValue };
    } else {
      assert.equal(r.kind, 'receive');
      if (r.kind !== 'receive' || r.blinded) return;
      assert.equal(r.hop.amtToForward, 1_000_000n);
      assert.equal(r.hop.outgoingCltvValue, 800_001 + 18);
      assert.equal(r.hop.totalMsat, 3_000_000n);
      assert.deepEqual(r.hop.paymentSecret, secret);
      // A failure from the recipient is attributed to it with the onion's shared secrets.
      let reason = buildFailurePacket(c, r.sharedSecret, { kind: 'incorrect_or_unknown_payment_details', htlcMsat: 1_000_000n, height: 800_000 });
      for (const ss of [built.sharedSecrets[1]!, built.sharedSecrets[0]!]) reason = obfuscateFailurePacket(c, ss, reason);
      assert.equal(decodeFailurePacket(c, built.sharedSecrets, reason)?.hopIndex, 2);
    }
  }
});

test('a single-hop keysend route, and routes that cannot be built', () => {
  const preimage = new Uint8Array(32).fill(5);
  const p = buildRoutePayloads([path[2]!], { keysendPreimage: preimage }, 100);
  assert.equal(p.firstHopAmountMsat, 1_000_000n);
  assert.equal(p.firstHopCltvExpiry, 118);
  assert.throws(() => buildRoutePayloads([], {}, 100), InvalidRoute);
  assert.throws(() => buildRoutePayloads([{ ...path[2]!, feeMsat: 2n ** 63n }], {}, 100), InvalidRoute);
  // 30 hops of ordinary payloads do not fit 1300 bytes.
  const long = Array.from({ length: 30 }, (_, i) => ({ ...path[i % 3]!, shortChannelId: BigInt(i + 1) }));
  assert.throws(
    () => buildPaymentOnion(c, { sessionKey: new Uint8Array(32).fill(1), paymentHash, path: long, recipient: {}, startingHeight: 1 }),
    InvalidRoute,
  );
});
