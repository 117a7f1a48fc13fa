/**
 * `decodeInvoice`: BOLT 11 text to a checked {@link Invoice}, or the {@link InvoiceError} that
 * says why it is not one. Total: it never throws.
 * @module
 */
import { bech32 } from '@scure/base';
import type { CryptoBackend } from '../crypto/backend.js';
import { nobleBackend } from '../crypto/noble.js';
import { parseAmount } from './amount.js';
import { InvoiceError } from './errors.js';
import { type Fallback, decodeFallback } from './fallback.js';
import { featuresFromWords } from './features_field.js';
import { SIGNATURE_WORDS, TAG, TIMESTAMP_WORDS, splitTaggedFields } from './fields.js';
import { DEFAULT_EXPIRY_SECS, DEFAULT_MIN_FINAL_CLTV_EXPIRY_DELTA, Invoice } from './invoice.js';
import { splitCurrency } from './network.js';
import { type RouteHint, decodeRouteHint } from './route_hint.js';
import { isHighS, signingHash } from './signature.js';
import { fromUtf8Strict } from './utf8.js';
import { wordsToBigint, wordsToBytes } from './words.js';

const U64_MAX = (1n << 64n) - 1n;
const BECH32_CHARS = /^[qpzry9x8gf2tvdw0s3jn54khce6mua7l]*$/;

/**
 * Decodes and validates a BOLT 11 invoice (BOLT 11 reader requirements, every section):
 * - bech32 without the 90-character limit, all upper or all lower case (§"Encoding Overview");
 * - currency `bc`, `tb`, `tbs` (signet), `bcrt`, then the amount with its multiplier and the `p`
 *   rule (§"Human-Readable Part");
 * - unknown fields and `f` fields of unknown version are skipped; `p`, `h`, `s` of other than 52
 *   words and `n` of other than 53 are skipped too (all kept in `rawFields`);
 * - a `p` and an `s` are required (a repeated one is tolerated and the first, most preferred, is
 *   used); exactly one of `d` / `h`; `d` must be UTF-8;
 * - `x`, `c` and `9` starting with a 0 word are rejected (the spec's SHOULD);
 * - no unknown even feature bit, no missing dependency (§"Feature Bits", BOLT 9);
 * - with an `n` field the signature is verified against it and must be low-S; without one the
 *   payee is recovered, accepting high-S as libsecp256k1's `ecdsa_recover` does (§"Data Part").
 *
 * Deviation: the reader text says a `p`/`h`/`s`/`n` of the wrong length MUST fail the payment,
 * while the spec's own example "including fields which must be ignored" requires skipping them;
 * lnts follows the example, as LDK does.
 * Vectors: BOLT 11 §"Examples" and §"Examples of Invalid Invoices", in `test/invoice/vectors.test.ts`.
 *
 * @param str - the invoice, without a `lightning:` URI prefix.
 * @param crypto - backend for SHA-256 and key recovery (default {@link nobleBackend}).
 * @returns the invoice, or why it is invalid.
 */
export function decodeInvoice(str: string, crypto: CryptoBackend = nobleBackend): Invoice | InvoiceError {
  try {
    return decodeChecked(str, crypto);
  } catch (e) {
    // Every rule above returns its own error; this only turns an exception thrown by a
    // third-party crypto backend (which should return null/false instead) into the typed error
    // the contract promises.
    return new InvoiceError('bad_signature', `crypto backend threw: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function decodeChecked(str: string, crypto: CryptoBackend): Invoice | InvoiceError {
  // Callers from plain JavaScript can pass anything; the contract is still an InvoiceError.
  if (typeof str !== 'string') return new InvoiceError('invalid_character', 'an invoice is a string');
  // BIP 173: all upper or all lower case.
  const lower = str.toLowerCase();
  if (str !== lower && str !== str.toUpperCase()) return new InvoiceError('mixed_case', 'mixed upper and lower case');
  const sep = lower.lastIndexOf('1');
  if (sep < 1) return new InvoiceError('no_separator', 'no bech32 separator "1"');
  const hrp = lower.slice(0, sep);
  const dataPart = lower.slice(sep + 1);
  for (let i = 0; i < hrp.length; i++) {
    const c = hrp.charCodeAt(i);
    if (c < 33 || c > 126) return new InvoiceError('invalid_character', 'human-readable part outside US-ASCII 33..126');
  }
  if (!BECH32_CHARS.test(dataPart)) return new InvoiceError('invalid_character', 'data part outside the bech32 alphabet');
  if (dataPart.length < 6) return new InvoiceError('too_short', 'no room for the checksum');
  let words: Uint8Array;
  try {
    // BOLT 11: "MUST parse the address as Bech32 … (also without the character limit)".
    words = Uint8Array.from(bech32.decode(lower as `${string}1${string}`, false).words);
  } catch {
    return new InvoiceError('bad_checksum', 'bech32 checksum does not verify');
  }
  if (words.length < TIMESTAMP_WORDS + SIGNATURE_WORDS) {
    return new InvoiceError('too_short', `data part of ${words.length} words has no room for timestamp and signature`);
  }

  if (!hrp.startsWith('ln')) return new InvoiceError('invalid_prefix', 'prefix does not start with "ln"');
  const cur = splitCurrency(hrp.slice(2));
  // After the currency comes the amount, which starts with a digit; other letters mean a
  // currency lnts does not know (a lone multiplier letter is an amount without digits).
  if (cur === undefined || (cur.rest !== '' && !/^[0-9]/.test(cur.rest) && !/^[munp]$/.test(cur.rest))) {
    return new InvoiceError('unknown_currency', `unknown currency in "${hrp}"`);
  }
  const amountMsat = parseAmount(cur.rest);
  if (amountMsat instanceof InvoiceError) return amountMsat;

  const dataWords = words.subarray(0, words.length - SIGNATURE_WORDS);
  const timestamp = Number(wordsToBigint(dataWords.subarray(0, TIMESTAMP_WORDS)));
  const rawFields = splitTaggedFields(dataWords.subarray(TIMESTAMP_WORDS));
  if (rawFields instanceof InvoiceError) return rawFields;

  let paymentHash: Uint8Array | undefined;
  let paymentSecret: Uint8Array | undefined;
  let description: string | undefined;
  let descriptionHash: Uint8Array | undefined;
  let descriptions = 0;
  let payeeField: Uint8Array | undefined;
  let expirySecs: bigint | undefined;
  let minFinalCltv: bigint | undefined;
  let featureWords: Uint8Array | undefined;
  let paymentMetadata: Uint8Array | undefined;
  const routeHints: RouteHint[] = [];
  const fallbacks: Fallback[] = [];

  for (const { tag, data } of rawFields) {
    switch (tag) {
      case TAG.paymentHash:
        if (data.length !== 52) break; // skipped: wrong length
        // "SHOULD use the first p field": a later one is a less preferred duplicate.
        if (paymentHash === undefined) paymentHash = wordsToBytes(data);
        break;
      case TAG.paymentSecret:
        if (data.length !== 52) break;
        // BOLT 11 has no reader rule against a repeated s (its high-S example repeats one), so
        // the first, most preferred, is used. Deviation: LDK rejects MultiplePaymentSecrets.
        if (paymentSecret === undefined) paymentSecret = wordsToBytes(data);
        break;
      case TAG.descriptionHash:
        if (data.length !== 52) break;
        descriptions++;
        descriptionHash = wordsToBytes(data);
        break;
      case TAG.description: {
        const text = fromUtf8Strict(wordsToBytes(data));
        if (text === undefined) return new InvoiceError('invalid_description', 'd field is not valid UTF-8');
        descriptions++;
        description = text;
        break;
      }
      case TAG.payeePubkey:
        if (data.length !== 53) break;
        if (payeeField === undefined) {
          const pk = wordsToBytes(data);
          if (!crypto.isValidPublicKey(pk)) return new InvoiceError('invalid_pubkey', 'n field is not a public key');
          payeeField = pk;
        }
        break;
      case TAG.expiry: {
        if (expirySecs !== undefined) break; // the first of a kind is the preferred one
        const v = minimalInt(data, 'x');
        if (v instanceof InvoiceError) return v;
        expirySecs = v;
        break;
      }
      case TAG.minFinalCltvExpiryDelta: {
        if (minFinalCltv !== undefined) break;
        const v = minimalInt(data, 'c');
        if (v instanceof InvoiceError) return v;
        minFinalCltv = v;
        break;
      }
      case TAG.features:
        if (featureWords !== undefined) break;
        if (data.length > 0 && data[0] === 0) return new InvoiceError('non_minimal_field', '9 field starts with a 0 word');
        featureWords = data;
        break;
      case TAG.paymentMetadata:
        if (paymentMetadata === undefined) paymentMetadata = wordsToBytes(data);
        break;
      case TAG.routeHint: {
        const r = decodeRouteHint(data, crypto);
        if (r instanceof InvoiceError) return r;
        routeHints.push(r);
        break;
      }
      case TAG.fallback: {
        const f = decodeFallback(data, cur.network, crypto);
        if (f instanceof InvoiceError) return f;
        if (f !== undefined) fallbacks.push(f); // undefined: unknown version, skipped
        break;
      }
      default:
        break; // "A reader MUST skip over unknown fields" (kept in rawFields)
    }
  }

  if (paymentHash === undefined) return new InvoiceError('missing_payment_hash', 'no p field');
  if (paymentSecret === undefined) return new InvoiceError('missing_payment_secret', 'no s field');
  if (descriptions === 0) return new InvoiceError('missing_description', 'neither d nor h field');
  if (descriptions > 1) return new InvoiceError('multiple_descriptions', 'more than one d or h field');

  const features = featuresFromWords(featureWords ?? []);
  const unknown = features.unknownRequiredBits();
  if (unknown.length > 0) {
    return new InvoiceError('unknown_required_feature', `unknown even feature bits ${unknown.join(',')}`, unknown);
  }
  const deps = features.missingDependencies();
  if (deps.length > 0) {
    return new InvoiceError('missing_feature_dependency', `${deps[0]!.feature} is set without ${deps[0]!.missing}`);
  }

  const sigBytes = wordsToBytes(words.subarray(words.length - SIGNATURE_WORDS));
  const signature = sigBytes.slice(0, 64);
  const recoveryId = sigBytes[64]!;
  if (recoveryId > 3) return new InvoiceError('invalid_recovery_id', `recovery id ${recoveryId} is not in 0..3`);
  const hash = signingHash(hrp, dataWords, crypto);
  let payeePubkey: Uint8Array;
  if (payeeField !== undefined) {
    // "if a valid n field is provided: MUST use the n field to validate the signature … If the
    // signature is not compliant with the low-S standard rule: MUST fail the payment".
    if (isHighS(signature)) return new InvoiceError('high_s_with_payee_field', 'high-S signature with an n field');
    if (!crypto.verifyEcdsa(signature, hash, payeeField)) {
      return new InvoiceError('bad_signature', 'signature does not verify against the n field');
    }
    payeePubkey = payeeField;
  } else {
    // "otherwise: MUST perform ECDSA public-key recovery and accept both high-S and low-S".
    const rec = crypto.recoverEcdsa(signature, recoveryId, hash);
    if (rec === null) return new InvoiceError('sig_not_recoverable', 'no public key recovers from the signature');
    payeePubkey = rec;
  }

  return new Invoice({
    hrp,
    network: cur.network,
    amountMsat,
    timestamp,
    paymentHash,
    paymentSecret,
    paymentMetadata,
    payeePubkey,
    payeePubkeyExplicit: payeeField !== undefined,
    description,
    descriptionHash,
    expirySecs: expirySecs ?? DEFAULT_EXPIRY_SECS,
    minFinalCltvExpiryDelta: minFinalCltv ?? DEFAULT_MIN_FINAL_CLTV_EXPIRY_DELTA,
    routeHints,
    features,
    fallbacks,
    rawFields,
    signature,
    recoveryId,
    signingHash: hash,
  });
}

/** An `x` or `c` value: minimal (no leading 0 word, BOLT 11's SHOULD) and within u64 (as LDK). */
function minimalInt(data: Uint8Array, letter: string): bigint | InvoiceError {
  if (data.length > 0 && data[0] === 0) return new InvoiceError('non_minimal_field', `${letter} field starts with a 0 word`);
  const v = wordsToBigint(data);
  if (v > U64_MAX) return new InvoiceError('integer_overflow', `${letter} field exceeds u64`);
  return v;
}
