/**
 * The `r` field of BOLT 11 §"Tagged Fields": one private route to the payee, as a list of hops of
 * 51 bytes each (pubkey 33, short_channel_id 8, fee_base_msat 4, fee_proportional_millionths 4,
 * cltv_expiry_delta 2, all big-endian).
 * @module
 */
import type { CryptoBackend } from '../crypto/backend.js';
import { InvoiceError } from './errors.js';
import { bytesToWords, wordsToBytes } from './words.js';

/** Bytes per hop in an `r` field. */
export const ROUTE_HOP_LEN = 51;

/**
 * One hop of a route hint: the channel from `pubkey` towards the payee, with the fees and CLTV
 * delta of its `channel_update` (BOLT 7 §"The channel_update Message").
 */
export interface RouteHintHop {
  /** Node id of the start of the channel (33 bytes). */
  readonly pubkey: Uint8Array;
  /** The channel (BOLT 7 `short_channel_id`, u64). */
  readonly shortChannelId: bigint;
  /** Base fee, msat (u32). */
  readonly feeBaseMsat: number;
  /** Proportional fee, millionths (u32). */
  readonly feeProportionalMillionths: number;
  /** CLTV delta of the hop, blocks (u16). */
  readonly cltvExpiryDelta: number;
}

/** A private route: hops in forward order, from a public node to the payee. */
export type RouteHint = readonly RouteHintHop[];

/**
 * Decodes the data words of an `r` field. A length that is not a whole number of hops, or a hop
 * whose node id is not a point, fails the invoice (as LDK does; BOLT 11 has no skip rule for `r`).
 */
export function decodeRouteHint(words: Uint8Array, crypto: CryptoBackend): RouteHint | InvoiceError {
  const b = wordsToBytes(words);
  if (b.length === 0 || b.length % ROUTE_HOP_LEN !== 0) {
    return new InvoiceError('invalid_route_hint', `r field of ${b.length} bytes is not a whole number of hops`);
  }
  const hops: RouteHintHop[] = [];
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  for (let o = 0; o < b.length; o += ROUTE_HOP_LEN) {
    const pubkey = b.slice(o, o + 33);
    if (!crypto.isValidPublicKey(pubkey)) return new InvoiceError('invalid_route_hint', 'hop node id is not a point');
    hops.push({
      pubkey,
      shortChannelId: view.getBigUint64(o + 33),
      feeBaseMsat: view.getUint32(o + 41),
      feeProportionalMillionths: view.getUint32(o + 45),
      cltvExpiryDelta: view.getUint16(o + 49),
    });
  }
  return hops;
}

/** Checks a hop's integer ranges and key (for the builder); `undefined` when valid. */
export function checkRouteHop(h: RouteHintHop, crypto: CryptoBackend): InvoiceError | undefined {
  const u32 = (n: number) => Number.isInteger(n) && n >= 0 && n <= 0xffffffff;
  if (!crypto.isValidPublicKey(h.pubkey)) return new InvoiceError('invalid_route_hint', 'hop node id is not a point');
  if (h.shortChannelId < 0n || h.shortChannelId >= 1n << 64n) {
    return new InvoiceError('invalid_route_hint', 'short_channel_id must be u64');
  }
  if (!u32(h.feeBaseMsat) || !u32(h.feeProportionalMillionths)) {
    return new InvoiceError('invalid_route_hint', 'fees must be u32');
  }
  if (!Number.isInteger(h.cltvExpiryDelta) || h.cltvExpiryDelta < 0 || h.cltvExpiryDelta > 0xffff) {
    return new InvoiceError('invalid_route_hint', 'cltv_expiry_delta must be u16');
  }
  return undefined;
}

/** The data words of an `r` field. */
export function encodeRouteHintWords(hops: RouteHint): number[] {
  const b = new Uint8Array(hops.length * ROUTE_HOP_LEN);
  const view = new DataView(b.buffer);
  hops.forEach((h, i) => {
    const o = i * ROUTE_HOP_LEN;
    b.set(h.pubkey, o);
    view.setBigUint64(o + 33, h.shortChannelId);
    view.setUint32(o + 41, h.feeBaseMsat);
    view.setUint32(o + 45, h.feeProportionalMillionths);
    view.setUint16(o + 49, h.cltvExpiryDelta);
  });
  return bytesToWords(b);
}
