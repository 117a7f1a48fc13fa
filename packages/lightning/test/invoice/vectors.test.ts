import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { nobleBackend } from '../../src/crypto/noble.js';
import { CHARSET, decodeInvoice, type Invoice, InvoiceError, isHighS, signingData, tagLetter } from '../../src/invoice/index.js';
import { utf8 } from '../../src/util/bytes.js';
import { fromHex, toHex } from '../../src/util/hex.js';

// BOLT 11 §"Examples" and §"Examples of Invalid Invoices", transcribed into fixtures from the BOLT 11 vector set.
interface Hop {
  pubkey: string;
  scid: string;
  fee_base_msat: number;
  fee_ppm: number;
  cltv_delta: number;
}
interface Valid {
  name: string;
  invoice: string;
  privkey: string;
  pubkey: string;
  prefix: string;
  network: string;
  amount?: string;
  amount_msat?: number;
  timestamp: number;
  payment_secret: string;
  payment_hash: string;
  description?: string;
  description_hash?: string;
  description_preimage?: string;
  expiry?: number;
  min_final_cltv?: number;
  fallbacks?: Array<{ version: number; hash: string; address: string }>;
  routes?: Hop[][];
  features: number[];
  features_u5: string;
  metadata?: string;
  ignored?: Array<{ tag: string; len: number; version?: number }>;
  sig: string;
  recid: number;
  signing_data: string;
  signing_hash: string;
  high_s: boolean;
  recovered: string;
  recovered_low_s?: string;
}
interface Invalid {
  name: string;
  invoice: string;
  reason: string;
}
const V = JSON.parse(readFileSync(new URL('../fixtures/bolt11.json', import.meta.url), 'utf8')) as {
  valid: Valid[];
  invalid: Invalid[];
};
const crypto = nobleBackend;

/** BOLT 7 `539268x845x1` form to the u64. */
function scid(s: string): bigint {
  const [block, tx, out] = s.split('x').map(BigInt) as [bigint, bigint, bigint];
  return (block << 40n) | (tx << 16n) | out;
}

function decodeOk(s: string): Invoice {
  const inv = decodeInvoice(s, crypto);
  if (inv instanceof InvoiceError) assert.fail(`${s.slice(0, 30)}…: ${inv.message}`);
  return inv;
}

describe('BOLT 11 valid examples decode to the spec fields', () => {
  assert.equal(V.valid.length, 16);
  for (const v of V.valid) {
    test(v.name, () => {
      const inv = decodeOk(v.invoice);
      assert.ok(inv.hrp.startsWith(v.prefix));
      assert.equal(inv.network, v.network);
      assert.equal(inv.amountMsat, v.amount_msat === undefined ? undefined : BigInt(v.amount_msat));
      if (v.amount !== undefined) assert.equal(inv.hrp, `${v.prefix}${v.amount}`);
      else assert.equal(inv.hrp, v.prefix);
      assert.equal(inv.timestamp, v.timestamp);
      assert.equal(toHex(inv.paymentHash), v.payment_hash);
      assert.equal(toHex(inv.paymentSecret), v.payment_secret);
      assert.equal(inv.description, v.description);
      assert.equal(inv.descriptionHash && toHex(inv.descriptionHash), v.description_hash);
      if (v.description_preimage !== undefined) {
        assert.equal(toHex(crypto.sha256(utf8(v.description_preimage))), v.description_hash);
      }
      assert.equal(inv.expirySecs, BigInt(v.expiry ?? 3600));
      assert.equal(inv.minFinalCltvExpiryDelta, BigInt(v.min_final_cltv ?? 18));
      assert.deepEqual(inv.features.setBits(), v.features);
      const nine = inv.rawFields.filter((f) => f.tag === 5);
      assert.equal(nine.length, 1);
      assert.equal([...nine[0]!.data].map((w) => CHARSET[w]).join(''), v.features_u5);
      assert.equal(inv.paymentMetadata && toHex(inv.paymentMetadata), v.metadata);
      assert.deepEqual(
        inv.fallbacks.map((f) => ({ version: f.version, hash: toHex(f.program), address: f.address })),
        v.fallbacks ?? [],
      );
      assert.deepEqual(
        inv.routeHints.map((r) =>
          r.map((h) => ({
            pubkey: toHex(h.pubkey),
            scid: h.shortChannelId,
            fee_base_msat: h.feeBaseMsat,
            fee_ppm: h.feeProportionalMillionths,
            cltv_delta: h.cltvExpiryDelta,
          })),
        ),
        (v.routes ?? []).map((r) => r.map((h) => ({ ...h, scid: scid(h.scid) }))),
      );
      // Skipped fields stay in rawFields, with the lengths the spec lists, and change nothing above.
      for (const ig of v.ignored ?? []) {
        const hit = inv.rawFields.find(
          (f) => tagLetter(f.tag) === ig.tag && f.data.length === ig.len && (ig.version === undefined || f.data[0] === ig.version),
        );
        assert.ok(hit, `ignored field ${ig.tag}/${ig.len} is kept raw`);
      }
      assert.equal(toHex(inv.signature), v.sig);
      assert.equal(inv.recoveryId, v.recid);
      assert.equal(isHighS(inv.signature), v.high_s);
      assert.equal(toHex(inv.signingHash), v.signing_hash);
      const dataWords = decodeDataWords(v.invoice);
      assert.equal(toHex(signingData(inv.hrp, dataWords)), v.signing_data);
      assert.equal(toHex(inv.payeePubkey), v.recovered);
      assert.equal(inv.payeePubkeyExplicit, false);
      if (!v.high_s) {
        assert.equal(toHex(crypto.publicKey(fromHex(v.privkey))), v.pubkey);
        assert.equal(v.recovered, v.pubkey);
        // RFC 6979 is deterministic: signing the hash again with the spec's key gives the same signature.
        const again = crypto.signEcdsaRecoverable(inv.signingHash, fromHex(v.privkey));
        assert.equal(toHex(again.sig), v.sig);
        assert.equal(again.recid, v.recid);
      } else {
        // The spec requires only acceptance; recovery is plain (libsecp256k1 ecdsa_recover), which
        // differs from the key recovered after normalising s.
        assert.notEqual(v.recovered, v.recovered_low_s);
        const low = lowS(inv.signature);
        assert.equal(toHex(crypto.recoverEcdsa(low, inv.recoveryId, inv.signingHash)!), v.recovered_low_s);
      }
      // Re-encoding is byte-identical (bech32 is case-insensitive: the canonical form is lowercase).
      assert.equal(inv.toString(), v.invoice.toLowerCase());
      assert.equal(inv.isExpired(v.timestamp), false);
      assert.equal(inv.isExpired(BigInt(v.timestamp) + inv.expirySecs), false);
      assert.equal(inv.isExpired(BigInt(v.timestamp) + inv.expirySecs + 1n), true);
    });
  }
});

describe('BOLT 11 invalid examples are rejected with the specific reason', () => {
  assert.equal(V.invalid.length, 10);
  for (const v of V.invalid) {
    test(v.name, () => {
      const r = decodeInvoice(v.invoice, crypto);
      assert.ok(r instanceof InvoiceError, `must be rejected, got ${r}`);
      const m = /^(unknown_required_feature)_(\d+)$/.exec(v.reason);
      if (m) {
        assert.equal(r.kind, m[1]);
        assert.deepEqual(r.unknownBits, [Number(m[2])]);
      } else {
        assert.equal(r.kind, v.reason, r.message);
      }
    });
  }
});

/** The data words (timestamp + fields) of an invoice, read directly from its characters. */
function decodeDataWords(s: string): number[] {
  const lower = s.toLowerCase();
  const data = lower.slice(lower.lastIndexOf('1') + 1, -6);
  return [...data.slice(0, -104)].map((c) => CHARSET.indexOf(c));
}

/** s ↦ n − s. */
function lowS(sig: Uint8Array): Uint8Array {
  const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
  const s = BigInt(`0x${toHex(sig.subarray(32))}`);
  const out = sig.slice();
  out.set(fromHex((N - s).toString(16).padStart(64, '0')), 32);
  return out;
}
