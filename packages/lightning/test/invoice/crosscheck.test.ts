import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { before, describe, test } from 'node:test';
import { bech32 } from '@scure/base';
import * as bolt11 from 'bolt11';
import fc from 'fast-check';
import * as ldk from 'lightningdevkit';
import { nobleBackend } from '../../src/crypto/noble.js';
import { decodeInvoice, type Invoice, InvoiceError, type InvoiceNetwork, TAG } from '../../src/invoice/index.js';
import { wordsToBytes } from '../../src/invoice/words.js';
import { toHex } from '../../src/util/hex.js';
import { invoiceSpecArb, KEYS, mustBuild } from './arbitrary.js';

// Cross-check: the same invoices decoded by lnts, by LDK (lightningdevkit 0.1, rust-lightning's
// lightning-invoice in WASM) and by the npm `bolt11` package, field by field.
const SEED = Number(process.env.FC_SEED ?? 20261124);
const crypto = nobleBackend;
const V = JSON.parse(readFileSync(new URL('../fixtures/bolt11.json', import.meta.url), 'utf8')) as {
  valid: Array<{ name: string; invoice: string }>;
};

interface Case {
  readonly name: string;
  readonly invoice: string;
  /** The key that signed it, for the invoices generated here. */
  readonly signer?: Uint8Array;
}
const generated: Case[] = fc
  .sample(invoiceSpecArb({ narrow: true }), { seed: SEED, numRuns: 40 })
  .map((s, i) => ({ name: `generated #${i} (${s.network})`, invoice: mustBuild(s).toString(), signer: KEYS[s.key]!.pub }));
const CASES: Case[] = [...V.valid, ...generated];

/**
 * Where LDK 0.1 departs from BOLT 11 on a spec example: it verifies the recovered key with
 * libsecp256k1's low-S `verify`, so the "public-key recovery with high-S signature" example (which
 * the spec says MUST be accepted) is rejected as InvalidSignature.
 */
/** LDK 0.1's longest accepted invoice string. */
const LDK_MAX_CHARS = 1023;
const LDK_REJECTS: Record<string, ldk.Bolt11SemanticError> = {
  high_s_recovery: ldk.Bolt11SemanticError.LDKBolt11SemanticError_InvalidSignature,
};
/**
 * Where npm bolt11 1.4 departs: it does not skip an `n` field of the wrong length, so it reads
 * the zero key of the "fields which must be ignored" example and rejects the signature.
 */
const NPM_REJECTS: Record<string, string> = {
  features_8_14_99_ignored_fields: 'signature pubkey does not match payee pubkey',
};

function ours(c: Case): Invoice {
  const inv = decodeInvoice(c.invoice, crypto);
  if (inv instanceof InvoiceError) assert.fail(`${c.name}: ${inv.message}`);
  return inv;
}
const hex = (b: Uint8Array) => toHex(b);
/** A nullable struct getter's NULL wrapper (its pointer is protected in the typings). */
const isNull = (o: object) => (o as unknown as { ptr: bigint }).ptr === 0n;
/** The bindings hand u64 values back as signed i64. */
const u64 = (v: bigint) => BigInt.asUintN(64, v);

before(async () => {
  const require = createRequire(import.meta.url);
  const dir = dirname(require.resolve('lightningdevkit/package.json'));
  const log = console.log;
  console.log = () => {}; // the bindings print a banner line
  try {
    await ldk.initializeWasmFromBinary(readFileSync(join(dir, 'liblightningjs.wasm')));
  } finally {
    console.log = log;
  }
});

const LDK_CURRENCY: Record<InvoiceNetwork, ldk.Currency> = {
  bitcoin: ldk.Currency.LDKCurrency_Bitcoin,
  testnet: ldk.Currency.LDKCurrency_BitcoinTestnet,
  signet: ldk.Currency.LDKCurrency_Signet,
  regtest: ldk.Currency.LDKCurrency_Regtest,
};

/** Bits set in LDK's little-endian feature flags. */
function leBits(flags: Uint8Array): number[] {
  const out: number[] = [];
  flags.forEach((byte, i) => {
    for (let j = 0; j < 8; j++) if (byte & (1 << j)) out.push(i * 8 + j);
  });
  return out;
}

describe('cross-check with LDK (lightningdevkit Bolt11Invoice.from_str)', () => {
  test(`${CASES.length} invoices: ${V.valid.length} spec examples and ${generated.length} generated and signed by lnts`, () => {
    let compared = 0;
    let tooLong = 0;
    for (const c of CASES) {
      const mine = ours(c);
      const r = ldk.Bolt11Invoice.constructor_from_str(c.invoice);
      const expectedRejection = LDK_REJECTS[c.name];
      if (expectedRejection !== undefined) {
        assert.ok(r instanceof ldk.Result_Bolt11InvoiceParseOrSemanticErrorZ_Err, `${c.name}: LDK now accepts it`);
        assert.ok(r.err instanceof ldk.ParseOrSemanticError_SemanticError);
        assert.equal(r.err.semantic_error, expectedRejection);
        continue;
      }
      if (c.invoice.length > LDK_MAX_CHARS) {
        // lightning-invoice 0.1's bech32 crate caps the whole string at 1023 characters (the
        // BCH code length); later LDK raised it to 7089. BOLT 11 sets no limit.
        assert.ok(r instanceof ldk.Result_Bolt11InvoiceParseOrSemanticErrorZ_Err, `${c.name}: LDK now accepts long invoices`);
        assert.match(r.err.to_str(), /exceeds maximum/);
        tooLong++;
        continue;
      }
      if (!(r instanceof ldk.Result_Bolt11InvoiceParseOrSemanticErrorZ_OK)) {
        const e = (r as ldk.Result_Bolt11InvoiceParseOrSemanticErrorZ_Err).err;
        assert.fail(`${c.name}: LDK rejects it: ${e.to_str()}`);
      }
      const inv = r.res;
      const at = (what: string) => `${c.name}: ${what}`;
      assert.equal(hex(inv.payment_hash()), hex(mine.paymentHash), at('payment hash'));
      assert.equal(hex(inv.payment_secret()), hex(mine.paymentSecret), at('payment secret'));
      const amt = inv.amount_milli_satoshis();
      assert.equal(amt instanceof ldk.Option_u64Z_Some ? u64(amt.some) : undefined, mine.amountMsat, at('amount'));
      assert.equal(inv.currency(), LDK_CURRENCY[mine.network], at('currency'));
      assert.equal(inv.duration_since_epoch(), BigInt(mine.timestamp), at('timestamp'));
      // The payee LDK uses (n field or recovery) is ours, and for our own invoices the signer.
      assert.equal(hex(inv.get_payee_pub_key()), hex(mine.payeePubkey), at('payee'));
      assert.equal(hex(inv.recover_payee_pub_key()), hex(mine.payeePubkey), at('recovered payee'));
      if (c.signer) assert.equal(hex(inv.get_payee_pub_key()), hex(c.signer), at('signer'));
      assert.equal(u64(inv.expiry_time()), mine.expirySecs, at('expiry'));
      assert.equal(u64(inv.min_final_cltv_expiry_delta()), mine.minFinalCltvExpiryDelta, at('min_final_cltv'));
      assert.deepEqual(leBits(inv.features().le_flags()), mine.features.setBits(), at('features'));
      assert.deepEqual(inv.fallback_addresses(), mine.fallbacks.map((f) => f.address), at('fallbacks'));
      assert.deepEqual(
        inv.route_hints().map((h) =>
          h.get_a().map((hop) => ({
            pubkey: hex(hop.get_src_node_id()),
            shortChannelId: u64(hop.get_short_channel_id()), // u64 comes back signed
            feeBaseMsat: hop.get_fees().get_base_msat() >>> 0,
            feeProportionalMillionths: hop.get_fees().get_proportional_millionths() >>> 0,
            cltvExpiryDelta: hop.get_cltv_expiry_delta() & 0xffff, // u16 comes back sign-extended
          })),
        ),
        mine.routeHints.map((h) => h.map((hop) => ({ ...hop, pubkey: hex(hop.pubkey) }))),
        at('route hints'),
      );
      const meta = inv.payment_metadata();
      assert.equal(
        meta instanceof ldk.Option_CVec_u8ZZ_Some ? hex(meta.some) : undefined,
        mine.paymentMetadata && hex(mine.paymentMetadata),
        at('metadata'),
      );
      const raw = inv.into_signed_raw().raw_invoice();
      const d = raw.description();
      // Nullable struct getters return a wrapper around a NULL pointer instead of null.
      assert.equal(isNull(d) ? undefined : d.as_inner().get_a(), mine.description, at('description'));
      const dh = raw.description_hash();
      assert.equal(!isNull(dh), mine.descriptionHash !== undefined, at('description hash presence'));
      if (mine.descriptionHash) assert.ok(dh.eq(ldk.Sha256.constructor_from_bytes(mine.descriptionHash)), at('description hash'));
      // LDK re-serialises the invoice from its parsed fields (unknown ones kept raw): same string.
      assert.equal(inv.to_str(), mine.toString(), at('re-encoding'));
      compared++;
    }
    assert.equal(compared + tooLong, CASES.length - Object.keys(LDK_REJECTS).length);
    // Most generated invoices fit LDK 0.1's limit and were compared field by field.
    assert.ok(compared >= V.valid.length - 1 + 25, `only ${compared} compared`);
  });
});

/** npm bolt11's network object for a currency (it has no built-in signet `tbs`). */
function npmNetwork(n: InvoiceNetwork) {
  if (n !== 'signet') return undefined;
  return { bech32: 'tbs', pubKeyHash: 0x6f, scriptHash: 0xc4, validWitnessVersions: [0, 1] };
}
// npm bolt11 names bits 0..19 by feature, two bits each; the rest is `extra_bits` from bit 20.
const NPM_FEATURES = [
  'option_data_loss_protect',
  'initial_routing_sync',
  'option_upfront_shutdown_script',
  'gossip_queries',
  'var_onion_optin',
  'gossip_queries_ex',
  'option_static_remotekey',
  'payment_secret',
  'basic_mpp',
  'option_support_large_channel',
] as const;
type NpmFeatureBits = Record<string, { required?: boolean; supported?: boolean } | undefined> & {
  extra_bits?: { start_bit: number; bits: boolean[] };
};
function npmBits(fb: NpmFeatureBits | undefined): number[] {
  if (!fb) return [];
  const out: number[] = [];
  NPM_FEATURES.forEach((name, i) => {
    if (fb[name]?.required) out.push(2 * i);
    if (fb[name]?.supported) out.push(2 * i + 1);
  });
  fb.extra_bits?.bits.forEach((b, j) => {
    if (b) out.push(fb.extra_bits!.start_bit + j);
  });
  return out.sort((a, b) => a - b);
}
// Tags npm bolt11 parses; everything else (including `m`) lands in its unknown tags.
const NPM_KNOWN_TAGS: ReadonlySet<number> = new Set([1, 3, 5, 6, 9, 13, 16, 19, 23, 24]);

describe('cross-check with the npm bolt11 package', () => {
  test(`${CASES.length} invoices field by field`, () => {
    let compared = 0;
    for (const c of CASES) {
      const mine = ours(c);
      const at = (what: string) => `${c.name}: ${what}`;
      const reason = NPM_REJECTS[c.name];
      if (reason !== undefined) {
        assert.throws(() => bolt11.decode(c.invoice), new RegExp(reason), at('npm bolt11 now accepts it'));
        continue;
      }
      const d = bolt11.decode(c.invoice, npmNetwork(mine.network));
      const tags = d.tags;
      const all = (name: string) => tags.filter((t) => t.tagName === name).map((t) => t.data);
      const first = (name: string) => all(name)[0];
      assert.equal(d.millisatoshis ?? undefined, mine.amountMsat?.toString(), at('amount'));
      assert.equal(d.timestamp, mine.timestamp, at('timestamp'));
      assert.equal(d.payeeNodeKey, hex(mine.payeePubkey), at('payee'));
      assert.equal(d.signature, hex(mine.signature), at('signature'));
      assert.equal(d.recoveryFlag, mine.recoveryId, at('recovery id'));
      assert.equal(first('payment_hash'), hex(mine.paymentHash), at('payment hash'));
      assert.equal(first('payment_secret'), hex(mine.paymentSecret), at('payment secret'));
      assert.equal(first('description'), mine.description, at('description'));
      assert.equal(first('purpose_commit_hash'), mine.descriptionHash && hex(mine.descriptionHash), at('description hash'));
      assert.equal(BigInt((first('expire_time') as number | undefined) ?? 3600), mine.expirySecs, at('expiry'));
      assert.equal(BigInt((first('min_final_cltv_expiry') as number | undefined) ?? 18), mine.minFinalCltvExpiryDelta, at('min_final_cltv'));
      if (mine.payeePubkeyExplicit) assert.equal(first('payee_node_key'), hex(mine.payeePubkey), at('n field'));
      assert.deepEqual(npmBits(first('feature_bits') as NpmFeatureBits | undefined), mine.features.setBits(), at('features'));
      assert.deepEqual(
        all('routing_info').map((r) =>
          (r as Array<{ pubkey: string; short_channel_id: string; fee_base_msat: number; fee_proportional_millionths: number; cltv_expiry_delta: number }>).map(
            (h) => ({
              pubkey: h.pubkey,
              shortChannelId: BigInt(`0x${h.short_channel_id}`),
              feeBaseMsat: h.fee_base_msat,
              feeProportionalMillionths: h.fee_proportional_millionths,
              cltvExpiryDelta: h.cltv_expiry_delta,
            }),
          ),
        ),
        mine.routeHints.map((h) => h.map((hop) => ({ ...hop, pubkey: hex(hop.pubkey) }))),
        at('route hints'),
      );
      // npm bolt11 keeps every f field; ours keeps those of known versions (all of them here).
      const fbs = all('fallback_address') as Array<{ code: number; address: string | null; addressHash: string }>;
      assert.deepEqual(
        fbs.map((f) => [f.code, f.addressHash]),
        mine.fallbacks.map((f) => [f.version, hex(f.program)]),
        at('fallback programs'),
      );
      fbs.forEach((f, i) => {
        // It writes addresses only for versions 0, 1, 17, 18, and uses the invoice's own prefix as
        // the segwit HRP (wrong for signet, whose addresses are tb1…).
        const segwitOnSignet = mine.network === 'signet' && f.code <= 16;
        if (f.address !== null && !segwitOnSignet) assert.equal(f.address, mine.fallbacks[i]!.address, at('fallback address'));
      });
      const unknown = mine.rawFields.filter((f) => !NPM_KNOWN_TAGS.has(f.tag));
      assert.deepEqual(
        all('unknownTag').map((u) => {
          const t = u as { tagCode: number; words: string };
          return [t.tagCode, [...bech32.decode(t.words, false).words]];
        }),
        unknown.map((f) => [f.tag, [...f.data]]),
        at('unknown tags'),
      );
      const m = unknown.find((f) => f.tag === TAG.paymentMetadata);
      assert.equal(m && hex(wordsToBytes(m.data)), mine.paymentMetadata && hex(mine.paymentMetadata), at('metadata'));
      compared++;
    }
    assert.equal(compared, CASES.length - Object.keys(NPM_REJECTS).length);
  });
});
