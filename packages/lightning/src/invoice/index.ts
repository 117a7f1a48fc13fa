/**
 * BOLT 11 invoices: decode and validate (`decodeInvoice`), build and sign (`InvoiceBuilder`).
 * @module
 */
export { formatAmount, MAX_AMOUNT_MSAT, parseAmount } from './amount.js';
export { InvoiceBuilder, MAX_DESCRIPTION_BYTES, type UnsignedInvoice } from './builder.js';
export { decodeInvoice } from './decode.js';
export { InvoiceError, type InvoiceErrorKind } from './errors.js';
export { FALLBACK_P2PKH, FALLBACK_P2SH, type Fallback, fallbackAddress } from './fallback.js';
export { featuresFromWords, featuresToWords } from './features_field.js';
export { CHARSET, type RawTaggedField, TAG, tagLetter } from './fields.js';
export { DEFAULT_EXPIRY_SECS, DEFAULT_MIN_FINAL_CLTV_EXPIRY_DELTA, Invoice, type InvoiceParts } from './invoice.js';
export { CURRENCY_PREFIX, type InvoiceNetwork } from './network.js';
export type { RouteHint, RouteHintHop } from './route_hint.js';
export { type InvoiceSigner, isHighS, signingData } from './signature.js';
