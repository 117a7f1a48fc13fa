/**
 * Why an invoice is invalid: one {@link InvoiceError} per way BOLT 11 lets an invoice fail.
 * Decoding never throws; `decodeInvoice` returns one of these instead.
 * @module
 */

/**
 * Every way an invoice string (or an invoice being built) can be invalid. Where the BOLT 11
 * "Examples of Invalid Invoices" have a case, the kind is that vector's reason code.
 *
 * Bech32 (BOLT 11 §"Encoding Overview"): `no_separator`, `mixed_case`, `invalid_character`,
 * `bad_checksum`, `too_short` (no room for timestamp and signature).
 * Human-readable part (§"Human-Readable Part"): `invalid_prefix` (not `ln…`),
 * `unknown_currency`, `invalid_amount` (empty digits, zero, leading zero),
 * `invalid_multiplier`, `sub_msat_precision` (a `p` amount not a multiple of 10),
 * `integer_overflow` (an amount or integer field beyond u64).
 * Tagged fields (§"Tagged Fields"): `truncated_field`, `missing_payment_hash`,
 * `missing_payment_secret`, `missing_description`, `multiple_descriptions` (two `d`/`h`, or both), `invalid_description`
 * (not UTF-8, or too long to encode), `non_minimal_field` (`x`, `c` or `9` starting with a zero
 * word), `invalid_fallback`, `invalid_route_hint`, `invalid_pubkey` (an `n` that is no point),
 * `field_too_long` (data over 1023 words), `invalid_field_length` (a builder value of the
 * wrong size, e.g. a 31-byte payment hash), `invalid_timestamp`.
 * Features (§"Feature Bits", BOLT 9): `unknown_required_feature`, `missing_feature_dependency`.
 * Signature (§"Data Part", `n` field rules): `invalid_recovery_id`, `sig_not_recoverable`,
 * `high_s_with_payee_field`, `bad_signature`, `payee_mismatch` (the builder's signing key is not the
 * key its `n` field declares).
 */
export type InvoiceErrorKind =
  | 'no_separator'
  | 'mixed_case'
  | 'invalid_character'
  | 'bad_checksum'
  | 'too_short'
  | 'invalid_prefix'
  | 'unknown_currency'
  | 'invalid_amount'
  | 'invalid_multiplier'
  | 'sub_msat_precision'
  | 'integer_overflow'
  | 'invalid_timestamp'
  | 'truncated_field'
  | 'field_too_long'
  | 'invalid_field_length'
  | 'missing_payment_hash'
  | 'missing_payment_secret'
  | 'missing_description'
  | 'multiple_descriptions'
  | 'invalid_description'
  | 'non_minimal_field'
  | 'invalid_fallback'
  | 'invalid_route_hint'
  | 'invalid_pubkey'
  | 'unknown_required_feature'
  | 'missing_feature_dependency'
  | 'invalid_recovery_id'
  | 'sig_not_recoverable'
  | 'high_s_with_payee_field'
  | 'bad_signature'
  | 'payee_mismatch';

/**
 * An invalid BOLT 11 invoice: `kind` says which rule it broke, the message gives the detail.
 * `unknownBits` lists the offending even bits for `unknown_required_feature` (BOLT 11 §"Feature
 * Bits": a reader SHOULD indicate the unknown bit to the user).
 */
export class InvoiceError extends Error {
  override readonly name = 'InvoiceError';
  constructor(
    readonly kind: InvoiceErrorKind,
    message: string,
    readonly unknownBits: readonly number[] = [],
  ) {
    super(`${kind}: ${message}`);
  }
}
