/**
 * A decoded, validated BOLT 11 invoice: what a payer needs to pay it, and the raw fields to
 * re-encode it byte for byte.
 * @module
 */
import { bech32 } from '@scure/base';
import type { CryptoBackend } from '../crypto/backend.js';
import { nobleBackend } from '../crypto/noble.js';
import type { Features } from '../ln/features.js';
import { equalBytes, utf8 } from '../util/bytes.js';
import type { Fallback } from './fallback.js';
import { type RawTaggedField, encodeDataWords } from './fields.js';
import type { InvoiceNetwork } from './network.js';
import type { RouteHint } from './route_hint.js';
import { signatureWords } from './signature.js';

/** BOLT 11 §"Tagged Fields" `x`: expiry when the field is absent, seconds. */
export const DEFAULT_EXPIRY_SECS = 3600n;
/** BOLT 11 §"Tagged Fields" `c`: min_final_cltv_expiry_delta when the field is absent, blocks. */
export const DEFAULT_MIN_FINAL_CLTV_EXPIRY_DELTA = 18n;

/**
 * Everything an {@link Invoice} is made of (the decoder and the builder fill it in): its data
 * members, each documented on the {@link Invoice} property of the same name.
 */
export type InvoiceParts = {
  readonly [K in keyof Invoice as Invoice[K] extends (...args: never[]) => unknown ? never : K]: Invoice[K];
};

/**
 * A BOLT 11 invoice whose signature has been checked (BOLT 11 §"Data Part": "A reader MUST check
 * that the signature is valid"). Obtain one from `decodeInvoice` or `InvoiceBuilder`.
 * Modern LDK calls this `Bolt11Invoice`.
 */
export class Invoice {
  /** The human-readable part as written (lowercase): `ln` + currency + amount. */
  readonly hrp: string;
  /** The network the currency prefix names (§"Human-Readable Part"). */
  readonly network: InvoiceNetwork;
  /** The amount requested, msat; `undefined` when the payer chooses (donations). */
  readonly amountMsat: bigint | undefined;
  /** Creation time, seconds since 1970 (35 bits). */
  readonly timestamp: number;
  /** `p`: the SHA256 whose preimage pays (32 bytes). */
  readonly paymentHash: Uint8Array;
  /** `s`: the payment_secret for the final onion payload (BOLT 4), 32 bytes. */
  readonly paymentSecret: Uint8Array;
  /** `m`: payment_metadata to echo in the final onion payload (BOLT 4), if any. */
  readonly paymentMetadata: Uint8Array | undefined;
  /** The payee node id: the `n` field when present, else recovered from the signature. */
  readonly payeePubkey: Uint8Array;
  /** True when `payeePubkey` came from an `n` field rather than key recovery. */
  readonly payeePubkeyExplicit: boolean;
  /** `d`: the description, when the invoice carries one. */
  readonly description: string | undefined;
  /** `h`: SHA256 of a description delivered out of band, when the invoice carries one. */
  readonly descriptionHash: Uint8Array | undefined;
  /** `x`: seconds after `timestamp` the invoice stays payable (default 3600). */
  readonly expirySecs: bigint;
  /** `c`: min_final_cltv_expiry_delta for the last HTLC, blocks (default 18). */
  readonly minFinalCltvExpiryDelta: bigint;
  /** `r`: private routes to the payee, most preferred first. */
  readonly routeHints: readonly RouteHint[];
  /** `9`: the invoice features (BOLT 9 context `invoice`); empty when the field is absent. */
  readonly features: Features;
  /** `f`: fallback addresses this reader understands, most preferred first. */
  readonly fallbacks: readonly Fallback[];
  /** Every tagged field in order, including those a reader skips (wrong length, unknown type). */
  readonly rawFields: readonly RawTaggedField[];
  /** Compact signature r‖s (64 bytes) as written; may be high-S when there is no `n` field. */
  readonly signature: Uint8Array;
  /** The recovery id (0..3). */
  readonly recoveryId: number;
  /** SHA256 of the signed data (§"Data Part"). */
  readonly signingHash: Uint8Array;

  /** Assembles an invoice from checked parts; use `decodeInvoice` or `InvoiceBuilder` instead. */
  constructor(p: InvoiceParts) {
    this.hrp = p.hrp;
    this.network = p.network;
    this.amountMsat = p.amountMsat;
    this.timestamp = p.timestamp;
    this.paymentHash = p.paymentHash;
    this.paymentSecret = p.paymentSecret;
    this.paymentMetadata = p.paymentMetadata;
    this.payeePubkey = p.payeePubkey;
    this.payeePubkeyExplicit = p.payeePubkeyExplicit;
    this.description = p.description;
    this.descriptionHash = p.descriptionHash;
    this.expirySecs = p.expirySecs;
    this.minFinalCltvExpiryDelta = p.minFinalCltvExpiryDelta;
    this.routeHints = p.routeHints;
    this.features = p.features;
    this.fallbacks = p.fallbacks;
    this.rawFields = p.rawFields;
    this.signature = p.signature;
    this.recoveryId = p.recoveryId;
    this.signingHash = p.signingHash;
  }

  /**
   * BOLT 11 reader: "MUST check that the SHA2 256-bit hash in the `h` field exactly matches the
   * hashed description". True when `description` is the one this invoice commits to: equal to
   * its `d`, or hashing (UTF-8) to its `h`.
   * @param description - the description obtained out of band (or shown to the user).
   * @param crypto - backend for SHA-256 (default {@link nobleBackend}).
   */
  matchesDescription(description: string, crypto: CryptoBackend = nobleBackend): boolean {
    if (this.description !== undefined) return this.description === description;
    return this.descriptionHash !== undefined && equalBytes(crypto.sha256(utf8(description)), this.descriptionHash);
  }

  /** When the invoice stops being payable: `timestamp + expiry`, seconds since 1970. */
  expiresAt(): bigint {
    return BigInt(this.timestamp) + this.expirySecs;
  }

  /**
   * BOLT 11 §"Payer / Payee Requirements": after `timestamp` plus `expiry` a payer SHOULD NOT
   * pay. The core has no clock, so the caller passes the current time.
   * @param nowSecs - current time, seconds since 1970.
   */
  isExpired(nowSecs: number | bigint): boolean {
    const now = typeof nowSecs === 'bigint' ? nowSecs : BigInt(Math.floor(nowSecs));
    return now > this.expiresAt();
  }

  /**
   * The invoice as bech32 (lowercase), re-encoded from `hrp`, the timestamp, `rawFields` and the
   * signature: identical to the string it was decoded from, up to letter case.
   */
  toString(): string {
    const words = encodeDataWords(this.timestamp, this.rawFields);
    for (const w of signatureWords(this.signature, this.recoveryId)) words.push(w);
    return bech32.encode(this.hrp, words, false);
  }
}
