// End to end without channels: the payee issues a stateless invoice, the payer routes it (hint +
// MPP), builds each part's payloads, and the payee verifies what would arrive.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nobleBackend } from '../../src/crypto/noble.js';
import { decodeInvoice, Invoice, InvoiceBuilder } from '../../src/invoice/index.js';
import { Features } from '../../src/ln/features.js';
import { createInboundPayment, ExpandedKey, InboundPaymentError, verifyInboundPayment } from '../../src/ln/inbound_payment.js';
import { buildRoutePayloads } from '../../src/ln/onion/outbound.js';
import {
  getRoute,
  pathFirstHopAmountMsat,
  pathTotalCltvExpiryDelta,
  paymentParametersFromInvoice,
  RouteNotFound,
  routeParametersFromPaymentParamsAndValue,
  routeTotalAmountMsat,
} from '../../src/routing/index.js';
import { chan, hex, hop, MemLogger, N, PAYEE, US } from './helpers.js';

const c = nobleBackend;
const PAYEE_SECRET = (() => {
  const s = new Uint8Array(32);
  s[0] = 0x11;
  s[31] = 2; // helpers.nodeKey(2)
  return s;
})();

test('invoice → route (hint, multi-part) → payloads → stateless verification', () => {
  assert.equal(hex(c.publicKey(PAYEE_SECRET)), hex(PAYEE));
  const key = new ExpandedKey(new Uint8Array(32).fill(5), c);
  const now = 1_750_000_000;
  const amount = 900_000n;
  const p = createInboundPayment(key, amount, 3600, now, 24, new Uint8Array(32).fill(3));
  const built = new InvoiceBuilder('regtest', c)
    .amountMsat(amount)
    .paymentHash(p.paymentHash)
    .paymentSecret(p.paymentSecret)
    .description('coffee')
    .timestamp(now)
    .expiry(3600)
    .minFinalCltvExpiryDelta(24)
    .routeHint([hop(N[0]!, 77n, 1000, 500, 36)])
    .features(Features.of('invoice', { var_onion_optin: 'required', payment_secret: 'required', basic_mpp: 'optional' }))
    .buildSigned(PAYEE_SECRET);
  assert.ok(built instanceof Invoice, String(built));
  const inv = decodeInvoice(built.toString(), c);
  assert.ok(inv instanceof Invoice, String(inv));

  const pp = paymentParametersFromInvoice(inv);
  assert.equal(pp.finalCltvExpiryDelta, 24);
  assert.equal(pp.expiryTime, BigInt(now + 3600));
  // Two channels to the hint node, neither big enough alone: the payment splits.
  const r = getRoute(US, routeParametersFromPaymentParamsAndValue(pp, amount), null, [chan(N[0]!, 500_000n), chan(N[0]!, 500_000n)], new MemLogger(), undefined, { crypto: c });
  assert.ok(!(r instanceof RouteNotFound), r instanceof RouteNotFound ? r.message : '');
  assert.equal(r.paths.length, 2);
  const total = routeTotalAmountMsat(r);
  assert.equal(total, amount);
  for (const path of r.paths) {
    const payloads = buildRoutePayloads(path.hops, { paymentSecret: inv.paymentSecret, totalMsat: total }, 800_000);
    assert.equal(payloads.firstHopAmountMsat, pathFirstHopAmountMsat(path));
    assert.ok(payloads.firstHopAmountMsat <= 500_000n);
    assert.equal(payloads.firstHopCltvExpiry, 800_000 + pathTotalCltvExpiryDelta(path));
    assert.equal(path.hops.at(-1)!.cltvExpiryDelta, 24);
  }
  // The payee, with nothing stored, accepts the total and recovers the preimage.
  const v = verifyInboundPayment(key, inv.paymentHash, inv.paymentSecret, total, now + 10);
  assert.ok(!(v instanceof InboundPaymentError), v instanceof InboundPaymentError ? v.message : '');
  assert.equal(hex(v.preimage!), hex(p.paymentPreimage));
  assert.equal(v.minFinalCltvExpiryDelta, 24);
  // One part alone is not enough.
  const part = r.paths[0]!.hops.at(-1)!.feeMsat;
  assert.ok(verifyInboundPayment(key, inv.paymentHash, inv.paymentSecret, part, now + 10) instanceof InboundPaymentError);
});
