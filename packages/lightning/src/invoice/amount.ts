/**
 * The `amount` of BOLT 11 §"Human-Readable Part": a decimal number of bitcoin with an optional
 * multiplier `m`, `u`, `n` or `p`, converted to and from millisatoshis.
 * @module
 */
import { InvoiceError } from './errors.js';

/** One bitcoin in pico-bitcoin; amounts are computed in pico-BTC so that `p` stays exact. */
const PICO_PER_BTC = 1_000_000_000_000n;
/** u64 max: LDK's bound for amounts (pico-BTC must fit), BOLT 11 has none of its own. */
const U64_MAX = (1n << 64n) - 1n;

/** Pico-BTC per unit of each multiplier letter (no letter: one bitcoin). */
const MULTIPLIERS: Readonly<Record<string, bigint>> = {
  '': PICO_PER_BTC,
  m: 1_000_000_000n,
  u: 1_000_000n,
  n: 1_000n,
  p: 1n,
};

/**
 * Parses the amount text after the currency prefix (possibly empty: no amount).
 * BOLT 11 reader rules: a non-digit or anything but a multiplier after the digits fails; a `p`
 * amount whose last decimal is not 0 fails (sub-millisatoshi). lnts also rejects a zero amount
 * and leading zeros, which the writer rules forbid.
 * @returns the amount in millisatoshis, `undefined` for no amount, or an {@link InvoiceError}.
 */
export function parseAmount(text: string): bigint | undefined | InvoiceError {
  if (text === '') return undefined;
  let digits = text;
  let mult = '';
  const last = text[text.length - 1]!;
  if (last < '0' || last > '9') {
    digits = text.slice(0, -1);
    mult = last;
    if (MULTIPLIERS[mult] === undefined || mult === '') {
      return new InvoiceError('invalid_multiplier', `unknown multiplier '${mult}'`);
    }
  }
  if (digits === '') return new InvoiceError('invalid_amount', 'multiplier without digits');
  for (const c of digits) {
    if (c < '0' || c > '9') return new InvoiceError('invalid_amount', `non-digit '${c}' in amount`);
  }
  if (digits[0] === '0') return new InvoiceError('invalid_amount', 'amount is zero or has a leading 0');
  const pico = BigInt(digits) * MULTIPLIERS[mult]!;
  if (pico > U64_MAX) return new InvoiceError('integer_overflow', 'amount does not fit in u64 pico-BTC');
  if (pico % 10n !== 0n) return new InvoiceError('sub_msat_precision', 'a p amount must end in 0');
  return pico / 10n;
}

/**
 * The shortest amount text for `msat` (BOLT 11 writer: "SHOULD use the shortest representation
 * possible, by using the largest multiplier or omitting the multiplier").
 * @throws {RangeError} when `msat` is not positive or beyond u64 pico-BTC.
 */
export function formatAmount(msat: bigint): string {
  if (msat <= 0n) throw new RangeError('amount must be positive');
  const pico = msat * 10n;
  if (pico > U64_MAX) throw new RangeError('amount does not fit in u64 pico-BTC');
  for (const m of ['', 'm', 'u', 'n'] as const) {
    const unit = MULTIPLIERS[m]!;
    if (pico % unit === 0n) return `${pico / unit}${m}`;
  }
  return `${pico}p`;
}

/** The largest amount BOLT 11 text can carry in lnts (u64 pico-BTC), in millisatoshis. */
export const MAX_AMOUNT_MSAT = U64_MAX / 10n;
