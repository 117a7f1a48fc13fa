import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { nobleBackend } from '../../src/crypto/noble.js';
import { decodeInvoice, type Invoice, InvoiceError, isHighS, TAG } from '../../src/invoice/index.js';
import { toHex } from '../../src/util/hex.js';
import { buildSpec, type InvoiceSpec, invoiceSpecArb, KEYS, specFeatures } from './arbitrary.js';

const SEED = Number(process.env.FC_SEED ?? 20261124);
const crypto = nobleBackend;

/** Every field of a decoded invoice against the spec it was built from. */
function assertMatchesSpec(inv: Invoice, s: InvoiceSpec): void {
  assert.equal(inv.network, s.network);
  assert.equal(inv.amountMsat, s.amountMsat);
  assert.equal(toHex(inv.paymentHash), toHex(s.paymentHash));
  assert.equal(toHex(inv.paymentSecret), toHex(s.paymentSecret));
  if ('text' in s.description) {
    assert.equal(inv.description, s.description.text);
    assert.equal(inv.descriptionHash, undefined);
  } else {
    assert.equal(inv.description, undefined);
    assert.equal(toHex(inv.descriptionHash!), toHex(s.description.hash));
  }
  assert.equal(inv.timestamp, s.timestamp);
  assert.equal(inv.expirySecs, s.expiry ?? 3600n);
  assert.equal(inv.minFinalCltvExpiryDelta, s.minFinalCltv ?? 18n);
  assert.equal(toHex(inv.payeePubkey), toHex(KEYS[s.key]!.pub));
  assert.equal(inv.payeePubkeyExplicit, s.explicitPayee);
  assert.equal(inv.paymentMetadata && toHex(inv.paymentMetadata), s.metadata && toHex(s.metadata));
  assert.deepEqual(
    inv.routeHints.map((r) => r.map((h) => ({ ...h, pubkey: toHex(h.pubkey) }))),
    s.routes.map((r) => r.map((h) => ({ ...h, pubkey: toHex(h.pubkey) }))),
  );
  assert.deepEqual(
    inv.fallbacks.map((f) => [f.version, toHex(f.program)]),
    s.fallbacks.map((f) => [f.version, toHex(f.program)]),
  );
  // The requested bits, plus what the builder always writes.
  const want = specFeatures(s);
  for (const b of want.setBits()) assert.ok(inv.features.isSet(b), `feature bit ${b}`);
  assert.ok(inv.features.supports('payment_secret') && inv.features.supports('var_onion_optin'));
  if (s.metadata !== undefined) assert.ok(inv.features.supports('option_payment_metadata'));
  const unknown = inv.rawFields.filter((f) => !Object.values(TAG).includes(f.tag as never));
  assert.deepEqual(
    unknown.map((f) => [f.tag, [...f.data]]),
    s.unknownFields.map((u) => [u.tag, u.data]),
  );
}

describe('BOLT 11 property: random valid invoices round-trip through encode/decode', () => {
  test('build → toString → decode keeps every field, the exact string and a valid signature', () => {
    fc.assert(
      fc.property(invoiceSpecArb(), (s) => {
        const inv = buildSpec(s);
        if (inv instanceof InvoiceError) assert.fail(`builder refused a valid spec: ${inv.message}`);
        assertMatchesSpec(inv, s);
        const str = inv.toString();
        const again = decodeInvoice(str, crypto);
        if (again instanceof InvoiceError) assert.fail(`own invoice rejected: ${again.message}`);
        assertMatchesSpec(again, s);
        assert.equal(again.toString(), str);
        // The signature is still valid: low-S (RFC 6979 signer), verifies against the payee, and
        // recovery with its id gives the payee.
        assert.equal(isHighS(again.signature), false);
        assert.ok(crypto.verifyEcdsa(again.signature, again.signingHash, KEYS[s.key]!.pub));
        assert.equal(toHex(crypto.recoverEcdsa(again.signature, again.recoveryId, again.signingHash)!), toHex(KEYS[s.key]!.pub));
        // Upper case (QR codes) decodes to the same invoice.
        const upper = decodeInvoice(str.toUpperCase(), crypto);
        assert.ok(!(upper instanceof InvoiceError));
        assert.equal(upper.toString(), str);
      }),
      { seed: SEED, numRuns: 150 },
    );
  });

  test('the decoder is total: mutated invoices give an Invoice or an InvoiceError, never a throw', () => {
    const CHARS = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l1QZ!';
    fc.assert(
      fc.property(
        invoiceSpecArb(),
        fc.array(fc.tuple(fc.nat(), fc.nat(CHARS.length - 1), fc.constantFrom('set', 'delete', 'insert')), {
          minLength: 1,
          maxLength: 4,
        }),
        (s, edits) => {
          const inv = buildSpec(s);
          if (inv instanceof InvoiceError) assert.fail(inv.message);
          let str = inv.toString();
          for (const [pos, ci, op] of edits) {
            const i = pos % (str.length + 1);
            const c = CHARS[ci]!;
            if (op === 'set') str = str.slice(0, i) + c + str.slice(i + 1);
            else if (op === 'delete') str = str.slice(0, i) + str.slice(i + 1);
            else str = str.slice(0, i) + c + str.slice(i);
          }
          const r = decodeInvoice(str, crypto);
          assert.ok(r instanceof InvoiceError || r.toString() === str.toLowerCase());
        },
      ),
      { seed: SEED, numRuns: 150 },
    );
  });

  test('a signature over different fields is caught: flipping one data word breaks the n-field check', () => {
    fc.assert(
      fc.property(invoiceSpecArb(), (s) => {
        const inv = buildSpec({ ...s, explicitPayee: true });
        if (inv instanceof InvoiceError) assert.fail(inv.message);
        // Re-sign nothing: change the payment hash in the raw field and re-encode with the old signature.
        const fields = inv.rawFields.map((f) =>
          f.tag === TAG.paymentHash ? { tag: f.tag, data: f.data.map((w, i) => (i === 0 ? w ^ 1 : w)) } : f,
        );
        const tampered = Object.assign(Object.create(Object.getPrototypeOf(inv)), inv, { rawFields: fields }) as Invoice;
        const r = decodeInvoice(tampered.toString(), crypto);
        assert.ok(r instanceof InvoiceError);
        assert.equal(r.kind, 'bad_signature');
      }),
      { seed: SEED, numRuns: 40 },
    );
  });
});
