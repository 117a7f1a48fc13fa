/**
 * BOLT 4 §"Packet Construction", §"Shared Secret", §"Blinding Ephemeral Onion Keys" and
 * §"Filler Generation": building a Sphinx onion for a route at the origin node.
 * @module
 */
import type { CryptoBackend } from '../../crypto/backend.js';
import { concat } from '../../util/bytes.js';
import { InvalidRoute } from '../../util/errors.js';
import { ByteWriter } from '../../util/ser/writer.js';
import { keystream, onionKey, xorInto, xorStream } from './keys.js';
import { encodeOnionPacket, HMAC_LEN, ONION_VERSION, PAYMENT_HOP_PAYLOADS_LEN } from './packet.js';

/** What the origin shares with one hop: the ECDH secret and the ephemeral key that hop sees. */
export interface OnionHopKeys {
  /** `ss_k = SHA256(ek_k · P_k)` (BOLT 4 §"Shared Secret"). */
  readonly sharedSecret: Uint8Array;
  /** `epk_k`, the `public_key` of the packet as this hop receives it. */
  readonly ephemeralPublicKey: Uint8Array;
}

/**
 * Derives each hop's shared secret and ephemeral key from the session key:
 * `ek_1 = session_key`, `ss_k = ECDH(ek_k, P_k)`, `ek_{k+1} = ek_k · SHA256(epk_k || ss_k)`
 * (BOLT 4 §"Packet Construction", §"Blinding Ephemeral Onion Keys").
 * @throws {CryptoError} when the session key or a hop key is invalid.
 */
export function onionHopKeys(c: CryptoBackend, sessionKey: Uint8Array, hopPubkeys: readonly Uint8Array[]): OnionHopKeys[] {
  const out: OnionHopKeys[] = [];
  let ek = sessionKey;
  for (let i = 0; i < hopPubkeys.length; i++) {
    const epk = c.publicKey(ek);
    const ss = c.ecdh(ek, hopPubkeys[i]!);
    out.push({ sharedSecret: ss, ephemeralPublicKey: epk });
    // The last blinding factor would only serve a hop that does not exist.
    if (i + 1 < hopPubkeys.length) ek = c.secretMultiply(ek, c.sha256(concat(epk, ss)));
  }
  return out;
}

/** Bytes a hop's entry takes in `hop_payloads`: bigsize length + payload + 32-byte HMAC ("shift_size"). */
export function hopShiftSize(payloadLength: number): number {
  const lenLen = payloadLength < 0xfd ? 1 : payloadLength <= 0xffff ? 3 : 5;
  return lenLen + payloadLength + HMAC_LEN;
}

/**
 * The filler: the bytes the last hop finds at the tail of its `hop_payloads`, i.e. the zeros each
 * earlier hop appended when shifting, obfuscated by each of those hops' `rho` stream
 * (BOLT 4 §"Filler Generation"). Built incrementally: after hop `i` the filler grows by that
 * hop's shift and is XORed with `rho_i`'s stream from `hopPayloadsLen - (previous length)`.
 */
export function generateFiller(
  c: CryptoBackend,
  sharedSecrets: readonly Uint8Array[],
  shiftSizes: readonly number[],
  hopPayloadsLen = PAYMENT_HOP_PAYLOADS_LEN,
): Uint8Array {
  let total = 0;
  for (let i = 0; i + 1 < shiftSizes.length; i++) total += shiftSizes[i]!;
  const filler = new Uint8Array(total);
  let len = 0;
  for (let i = 0; i + 1 < sharedSecrets.length; i++) {
    const shift = shiftSizes[i]!;
    const rho = onionKey(c, 'rho', sharedSecrets[i]!);
    // The hop sees `hop_payloads || zeros`, decrypts from stream offset 0 and drops `shift` bytes:
    // what was at [L - len, L + shift) of its view becomes the new filler.
    // Generated from offset 0 (one long call) rather than from `L - len` (a short, unaligned one).
    xorInto(filler, keystream(c, rho, hopPayloadsLen + shift).subarray(hopPayloadsLen - len));
    len += shift;
  }
  return filler;
}

/** One hop of a route to build an onion for. */
export interface OnionHop {
  /** The key the hop decrypts with: its node id, or its blinded node id inside a blinded path. */
  readonly pubkey: Uint8Array;
  /** The hop's payload (for payments a `payload` TLV stream, for messages an `onionmsg_tlv`). */
  readonly payload: Uint8Array;
}

/** What building an onion yields. */
export interface BuiltOnion {
  /** The serialized packet for the first hop (`ONION_OVERHEAD + hopPayloadsLen` bytes). */
  readonly onion: Uint8Array;
  /** Each hop's shared secret in route order: the origin decodes returned errors with these. */
  readonly sharedSecrets: Uint8Array[];
}

/** Options of {@link constructOnionPacket}. */
export interface ConstructOptions {
  /** 32-byte session key (from a CSPRNG; tests pass fixed ones). */
  readonly sessionKey: Uint8Array;
  /** The route, first hop first; the last hop is the final one. */
  readonly hops: readonly OnionHop[];
  /** Data the packet commits to without carrying: the payment hash for HTLCs, empty for onion messages. */
  readonly associatedData: Uint8Array;
  /** `hop_payloads` size: 1300 for payments; onion messages may use more (BOLT 4 §"Onion Messages"). */
  readonly hopPayloadsLen?: number;
}

/**
 * Builds a version-0 Sphinx onion (BOLT 4 §"Packet Construction"): the `hop_payloads` start as
 * the `pad` key's stream; for each hop from the last, they are right-shifted by the hop's shift
 * size, the hop's `length || payload || next_hmac` is written at the front, the whole is XORed with
 * the hop's `rho` stream, the last hop's tail is replaced by the filler, and `next_hmac` becomes
 * `HMAC(mu, hop_payloads || associated_data)`. The last hop gets an all-zero `next_hmac`, which is
 * how it learns it is final.
 * Vectors: bolt04 `onion`, `blinded_payment_onion`, `onion_message` (test/ln/onion/*.test.ts).
 * @throws {InvalidRoute} with no hops or when the payloads do not fit `hopPayloadsLen`.
 * @throws {CryptoError} on an invalid session key or hop key.
 * @example
 * const { onion, sharedSecrets } = constructOnionPacket(nobleBackend, {
 *   sessionKey, associatedData: paymentHash,
 *   hops: route.map((h) => ({ pubkey: h.nodeId, payload: encodeHopPayload(h.payload) })),
 * });
 */
export function constructOnionPacket(c: CryptoBackend, opts: ConstructOptions): BuiltOnion {
  const L = opts.hopPayloadsLen ?? PAYMENT_HOP_PAYLOADS_LEN;
  const { hops } = opts;
  if (hops.length === 0) throw new InvalidRoute('an onion needs at least one hop');
  const shifts = hops.map((h) => hopShiftSize(h.payload.length));
  const used = shifts.reduce((a, b) => a + b, 0);
  if (used > L) throw new InvalidRoute(`hop payloads need ${used} bytes, the onion holds ${L}`);

  const keys = onionHopKeys(
    c,
    opts.sessionKey,
    hops.map((h) => h.pubkey),
  );
  const secrets = keys.map((k) => k.sharedSecret);
  const filler = generateFiller(c, secrets, shifts, L);

  // Random-looking start so the unused tail reveals nothing about the route length.
  let payloads = keystream(c, onionKey(c, 'pad', opts.sessionKey), L);
  let nextHmac: Uint8Array = new Uint8Array(HMAC_LEN);
  for (let i = hops.length - 1; i >= 0; i--) {
    const shift = shifts[i]!;
    payloads.copyWithin(shift, 0, L - shift);
    const entry = new ByteWriter(shift);
    entry.bigSize(hops[i]!.payload.length).bytes(hops[i]!.payload).bytes(nextHmac);
    payloads.set(entry.finish(), 0);
    payloads = xorStream(c, onionKey(c, 'rho', secrets[i]!), payloads).slice();
    if (i === hops.length - 1) payloads.set(filler, L - filler.length);
    nextHmac = c.hmacSha256(onionKey(c, 'mu', secrets[i]!), concat(payloads, opts.associatedData));
  }
  const onion = encodeOnionPacket({
    version: ONION_VERSION,
    publicKey: keys[0]!.ephemeralPublicKey,
    hopPayloads: payloads,
    hmac: nextHmac,
  });
  return { onion, sharedSecrets: secrets };
}
