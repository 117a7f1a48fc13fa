/**
 * `InvoiceBuilder`: assembles, checks and signs a BOLT 11 invoice (LDK's `InvoiceBuilder`).
 * It refuses to produce an invoice that BOLT 11's writer rules, or lnts' own decoder, would reject.
 * @module
 */
import { bech32 } from '@scure/base';
import type { CryptoBackend } from '../crypto/backend.js';
import { nobleBackend } from '../crypto/noble.js';
import { Features } from '../ln/features.js';
import { utf8 } from '../util/bytes.js';
import { MAX_AMOUNT_MSAT, formatAmount } from './amount.js';
import { decodeInvoice } from './decode.js';
import { InvoiceError } from './errors.js';
import { type Fallback, encodeFallbackWords, makeFallback, parseFallbackAddress } from './fallback.js';
import { featuresToWords } from './features_field.js';
import { MAX_FIELD_WORDS, type RawTaggedField, TAG, encodeDataWords } from './fields.js';
import type { Invoice } from './invoice.js';
import { CURRENCY_PREFIX, type InvoiceNetwork } from './network.js';
import { type RouteHint, checkRouteHop, encodeRouteHintWords } from './route_hint.js';
import { type InvoiceSigner, signatureWords, signingHash } from './signature.js';
import { fromUtf8Strict } from './utf8.js';
import { bigintToWords, bytesToWords } from './words.js';

/** Largest `d` description: 1023 words hold 639 bytes (BOLT 11 §"Tagged Fields"). */
export const MAX_DESCRIPTION_BYTES = 639;
/** Largest 35-bit timestamp. */
const MAX_TIMESTAMP = 2 ** 35 - 1;
const U64_MAX = (1n << 64n) - 1n;
const DEFINED_TAGS: ReadonlySet<number> = new Set(Object.values(TAG));

/** An invoice assembled and checked but not yet signed: what a signer is asked to sign. */
export interface UnsignedInvoice {
  /** Human-readable part, e.g. `lnbc2500u`. */
  readonly hrp: string;
  /** Timestamp and tagged fields, as 5-bit words. */
  readonly dataWords: readonly number[];
  /** The 32 bytes to sign (BOLT 11 §"Data Part"). */
  readonly hash: Uint8Array;
}

/**
 * Builds a BOLT 11 invoice. Setters record values; `build`, `buildSigned` and `buildSignedWith`
 * check everything and return an {@link InvoiceError} instead of an invalid invoice: missing
 * payment hash, payment secret or description, both `d` and `h`, a description over 639 bytes,
 * a `p` amount below one millisatoshi, unknown required or inconsistent features, a bad route
 * hint or fallback, a missing timestamp (the core has no clock: the caller passes it).
 *
 * Features default to `var_onion_optin` and `payment_secret` required (what LDK writes and
 * expects); `option_payment_metadata` is added as optional when metadata is set.
 * @example
 * const inv = new InvoiceBuilder('bitcoin')
 *   .amountMsat(250_000_000n).paymentHash(hash).paymentSecret(secret)
 *   .description('1 cup coffee').timestamp(1496314658).expiry(60)
 *   .buildSigned(nodeSecret);
 */
export class InvoiceBuilder {
  private amount: bigint | undefined;
  private hash: Uint8Array | undefined;
  private secret: Uint8Array | undefined;
  private readonly descriptions: Array<{ text: string } | { hash: Uint8Array }> = [];
  private time: number | undefined;
  private expirySecs: bigint | undefined;
  private minFinalCltv: bigint | undefined;
  private payee: Uint8Array | undefined;
  private metadata: Uint8Array | undefined;
  private readonly routes: RouteHint[] = [];
  private readonly fallbackList: Fallback[] = [];
  private featureSet: Features | undefined;
  private readonly extra: RawTaggedField[] = [];
  private readonly errors: InvoiceError[] = [];

  /**
   * @param network - the currency the invoice is payable in (§"Human-Readable Part").
   * @param crypto - backend used to check keys, hash and sign (default {@link nobleBackend}).
   */
  constructor(
    readonly network: InvoiceNetwork,
    private readonly crypto: CryptoBackend = nobleBackend,
  ) {}

  /** The amount, msat; omit for "any amount". */
  amountMsat(msat: bigint): this {
    if (msat <= 0n) this.errors.push(new InvoiceError('invalid_amount', 'amount must be positive'));
    else if (msat > MAX_AMOUNT_MSAT) this.errors.push(new InvoiceError('integer_overflow', 'amount beyond u64 pico-BTC'));
    this.amount = msat;
    return this;
  }

  /** The amount in pico-bitcoin; BOLT 11 requires a multiple of 10 (a whole millisatoshi). */
  amountPicoBtc(pico: bigint): this {
    if (pico % 10n !== 0n) {
      this.errors.push(new InvoiceError('sub_msat_precision', 'pico-BTC amount is not a whole millisatoshi'));
      return this;
    }
    return this.amountMsat(pico / 10n);
  }

  /** `p`: SHA256 of the payment preimage (32 bytes). */
  paymentHash(hash: Uint8Array): this {
    this.hash = this.bytes32(hash, 'payment hash');
    return this;
  }

  /** `s`: the payment secret (32 bytes). */
  paymentSecret(secret: Uint8Array): this {
    this.secret = this.bytes32(secret, 'payment secret');
    return this;
  }

  /** `d`: a UTF-8 description of at most 639 bytes. */
  description(text: string): this {
    this.descriptions.push({ text });
    return this;
  }

  /** `h`: SHA256 of a description delivered out of band (32 bytes). */
  descriptionHash(hash: Uint8Array): this {
    const h = this.bytes32(hash, 'description hash');
    if (h !== undefined) this.descriptions.push({ hash: h });
    return this;
  }

  /** Creation time, seconds since 1970 (fits 35 bits). Required: the core has no clock. */
  timestamp(secs: number): this {
    this.time = secs;
    return this;
  }

  /** `x`: seconds the invoice stays payable (written only when set; readers default to 3600). */
  expiry(secs: bigint | number): this {
    this.expirySecs = this.u64(secs, 'expiry');
    return this;
  }

  /** `c`: min_final_cltv_expiry_delta, blocks (written only when set; readers default to 18). */
  minFinalCltvExpiryDelta(blocks: bigint | number): this {
    this.minFinalCltv = this.u64(blocks, 'min_final_cltv_expiry_delta');
    return this;
  }

  /**
   * `n`: state the payee node id explicitly (readers then verify instead of recovering). The
   * signing key must be this key.
   */
  payeePubkey(pub33: Uint8Array): this {
    if (!this.crypto.isValidPublicKey(pub33)) this.errors.push(new InvoiceError('invalid_pubkey', 'payee is not a public key'));
    this.payee = pub33.slice();
    return this;
  }

  /** `m`: payment_metadata the payer echoes in the final onion payload (BOLT 4). */
  paymentMetadata(data: Uint8Array): this {
    if (data.length > MAX_DESCRIPTION_BYTES) this.errors.push(new InvoiceError('field_too_long', 'metadata over 639 bytes'));
    this.metadata = data.slice();
    return this;
  }

  /** `r`: add one private route (at most 12 hops fit a field); call again for more routes. */
  routeHint(hops: RouteHint): this {
    if (hops.length === 0) this.errors.push(new InvoiceError('invalid_route_hint', 'a route hint needs a hop'));
    if (hops.length > 12) this.errors.push(new InvoiceError('field_too_long', 'a route hint holds at most 12 hops'));
    for (const h of hops) {
      const bad = checkRouteHop(h, this.crypto);
      if (bad !== undefined) this.errors.push(bad);
    }
    this.routes.push(hops.map((h) => ({ ...h, pubkey: h.pubkey.slice() })));
    return this;
  }

  /** `f`: add a fallback address of this network (base58 P2PKH/P2SH or segwit), most preferred first. */
  fallbackAddress(address: string): this {
    const f = parseFallbackAddress(address, this.network, this.crypto);
    if (f instanceof InvoiceError) this.errors.push(f);
    else this.fallbackList.push(f);
    return this;
  }

  /** `f`: add a fallback by version (0–16 witness, 17 P2PKH, 18 P2SH) and program/hash. */
  fallback(version: number, program: Uint8Array): this {
    const f = makeFallback(version, program, this.network, this.crypto);
    if (f instanceof InvoiceError) this.errors.push(f);
    else this.fallbackList.push(f);
    return this;
  }

  /** `9`: the invoice features (replaces the default; payment_secret and var_onion_optin are added if absent). */
  features(f: Features): this {
    this.featureSet = new Features('invoice', f.setBits());
    return this;
  }

  /**
   * A field of a type BOLT 11 does not define, which readers skip (for tests and extensions).
   * @param tag - 5-bit type not among p, s, d, m, n, h, x, c, f, r, 9.
   * @param data - its data words.
   */
  unknownField(tag: number, data: readonly number[]): this {
    if (!Number.isInteger(tag) || tag < 0 || tag > 31 || DEFINED_TAGS.has(tag)) {
      this.errors.push(new InvoiceError('invalid_field_length', `tag ${tag} is not an undefined 5-bit type`));
    } else if (data.length > MAX_FIELD_WORDS || data.some((w) => !Number.isInteger(w) || w < 0 || w > 31)) {
      this.errors.push(new InvoiceError('field_too_long', 'unknown field data must be at most 1023 5-bit words'));
    } else {
      this.extra.push({ tag, data: Uint8Array.from(data) });
    }
    return this;
  }

  /** Checks everything and returns the data to sign, or why the invoice would be invalid. */
  build(): UnsignedInvoice | InvoiceError {
    if (this.errors.length > 0) return this.errors[0]!;
    if (this.hash === undefined) return new InvoiceError('missing_payment_hash', 'payment hash not set');
    if (this.secret === undefined) return new InvoiceError('missing_payment_secret', 'payment secret not set');
    if (this.descriptions.length === 0) return new InvoiceError('missing_description', 'set a description or a description hash');
    if (this.descriptions.length > 1) return new InvoiceError('multiple_descriptions', 'exactly one of description / description hash');
    if (this.time === undefined) return new InvoiceError('invalid_timestamp', 'timestamp not set (the core has no clock)');
    if (!Number.isInteger(this.time) || this.time < 0 || this.time > MAX_TIMESTAMP) {
      return new InvoiceError('invalid_timestamp', 'timestamp must be an integer in 0..2^35-1');
    }

    const fields: RawTaggedField[] = [];
    const push = (tag: number, data: readonly number[]) => fields.push({ tag, data: Uint8Array.from(data) });
    push(TAG.paymentHash, bytesToWords(this.hash));
    push(TAG.paymentSecret, bytesToWords(this.secret));
    const d = this.descriptions[0]!;
    if ('text' in d) {
      const b = utf8(d.text);
      if (fromUtf8Strict(b) !== d.text) return new InvoiceError('invalid_description', 'description is not valid Unicode');
      if (b.length > MAX_DESCRIPTION_BYTES) return new InvoiceError('invalid_description', 'description over 639 bytes');
      push(TAG.description, bytesToWords(b));
    } else {
      push(TAG.descriptionHash, bytesToWords(d.hash));
    }
    if (this.payee !== undefined) push(TAG.payeePubkey, bytesToWords(this.payee));
    if (this.expirySecs !== undefined) push(TAG.expiry, bigintToWords(this.expirySecs));
    if (this.minFinalCltv !== undefined) push(TAG.minFinalCltvExpiryDelta, bigintToWords(this.minFinalCltv));
    if (this.metadata !== undefined) push(TAG.paymentMetadata, bytesToWords(this.metadata));

    const features = this.featureSet ?? new Features('invoice');
    if (!features.supports('var_onion_optin')) features.setRequired('var_onion_optin');
    if (!features.supports('payment_secret')) features.setRequired('payment_secret');
    if (this.metadata !== undefined && !features.supports('option_payment_metadata')) {
      features.setOptional('option_payment_metadata');
    }
    const unknown = features.unknownRequiredBits();
    if (unknown.length > 0) {
      return new InvoiceError('unknown_required_feature', `unknown even feature bits ${unknown.join(',')}`, unknown);
    }
    const deps = features.missingDependencies();
    if (deps.length > 0) {
      return new InvoiceError('missing_feature_dependency', `${deps[0]!.feature} is set without ${deps[0]!.missing}`);
    }
    const fw = featuresToWords(features);
    if (fw.length > MAX_FIELD_WORDS) return new InvoiceError('field_too_long', 'feature bits beyond 1023 words');
    push(TAG.features, fw);

    for (const f of this.fallbackList) push(TAG.fallback, encodeFallbackWords(f.version, f.program));
    for (const r of this.routes) push(TAG.routeHint, encodeRouteHintWords(r));
    for (const f of this.extra) fields.push(f);

    const hrp = `ln${CURRENCY_PREFIX[this.network]}${this.amount === undefined ? '' : formatAmount(this.amount)}`;
    const dataWords = encodeDataWords(this.time, fields);
    return { hrp, dataWords, hash: signingHash(hrp, dataWords, this.crypto) };
  }

  /** Builds and signs with the node secret key through the crypto backend (RFC 6979, low-S). */
  buildSigned(secretKey: Uint8Array): Invoice | InvoiceError {
    if (!this.crypto.isValidSecretKey(secretKey)) return new InvoiceError('bad_signature', 'invalid secret key');
    const expected = this.crypto.publicKey(secretKey);
    // Caught here rather than as a failed verification, to say what is wrong.
    if (this.payee !== undefined && !equal(this.payee, expected)) {
      return new InvoiceError('payee_mismatch', 'the secret key is not the key of the n field');
    }
    return this.finish((hash) => this.crypto.signEcdsaRecoverable(hash, secretKey), expected);
  }

  /**
   * Builds and signs with a caller-supplied signer. The result is decoded again, so a signer that
   * signs with the wrong key (against an `n` field) or returns a malformed signature is reported.
   */
  buildSignedWith(signer: InvoiceSigner): Invoice | InvoiceError {
    return this.finish(signer, this.payee);
  }

  private finish(signer: InvoiceSigner, expected: Uint8Array | undefined): Invoice | InvoiceError {
    const u = this.build();
    if (u instanceof InvoiceError) return u;
    const { sig, recid } = signer(u.hash);
    if (sig.length !== 64) return new InvoiceError('bad_signature', 'signer returned a signature that is not 64 bytes');
    if (!Number.isInteger(recid) || recid < 0 || recid > 3) {
      return new InvoiceError('invalid_recovery_id', 'signer returned a recovery id outside 0..3');
    }
    const words = [...u.dataWords, ...signatureWords(sig, recid)];
    const inv = decodeInvoice(bech32.encode(u.hrp, words, false), this.crypto);
    if (inv instanceof InvoiceError) return inv;
    if (expected !== undefined && !equal(inv.payeePubkey, expected)) {
      return new InvoiceError('payee_mismatch', 'the signature is not by the expected payee key');
    }
    return inv;
  }

  private bytes32(b: Uint8Array, what: string): Uint8Array | undefined {
    if (b.length !== 32) {
      this.errors.push(new InvoiceError('invalid_field_length', `${what} must be 32 bytes`));
      return undefined;
    }
    return b.slice();
  }

  private u64(v: bigint | number, what: string): bigint {
    const b = typeof v === 'bigint' ? v : Number.isInteger(v) ? BigInt(v) : -1n;
    if (b < 0n || b > U64_MAX) this.errors.push(new InvoiceError('integer_overflow', `${what} must be a u64`));
    return b;
  }
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
