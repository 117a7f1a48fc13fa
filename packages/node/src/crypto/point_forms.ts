/**
 * Uncompressed forms of the curve points a backend has already parsed or produced. The seam
 * speaks 33-byte compressed points, and libsecp256k1 parses each one with a square root on every
 * call (about a sixth of a key tweak). A channel tweaks the same few basepoints for every
 * commitment (BOLT 3 §"Key Derivation") and feeds each derived key straight into the next
 * operation, so handing the addon the 65-byte form it needs no root for saves that work.
 *
 * Keyed by the caller's array and used only while that array still holds the bytes it was
 * remembered with (the caller owns it). A bounded map, oldest entry out first: a WeakMap of every
 * derived key costs the garbage collector more than the roots it saves, and the points worth
 * keeping (basepoints, a key between two operations) are reused within a few operations.
 * @module
 */

/** The 33-byte compressed encoding of a 65-byte uncompressed point (SEC 1 §2.3.3). */
export function compressPoint(u65: Uint8Array): Uint8Array {
  const c = new Uint8Array(33);
  c[0] = 2 | (u65[64]! & 1);
  for (let i = 1; i < 33; i++) c[i] = u65[i]!;
  return c;
}

/** True when `p33` is the compressed encoding of `u65` (prefix from y's parity, then x). */
function encodes(p33: Uint8Array, u65: Uint8Array): boolean {
  if (p33[0] !== (2 | (u65[64]! & 1))) return false;
  for (let i = 1; i < 33; i++) if (p33[i] !== u65[i]) return false;
  return true;
}

/**
 * See the module doc. The uncompressed form is itself the check that the caller's array still
 * holds the point: its x and y parity are the compressed bytes, so no copy is kept beside it.
 */
export class PointForms {
  private readonly forms = new Map<Uint8Array, Uint8Array>();

  /** @param capacity - how many points to keep (a few per channel in use is plenty). */
  constructor(private readonly capacity = 256) {}

  /** The uncompressed form of `p33` if known for exactly these bytes. */
  known(p33: Uint8Array): Uint8Array | undefined {
    const u = this.forms.get(p33);
    if (u === undefined) return undefined;
    if (p33.length === 33 && encodes(p33, u)) return u;
    this.forms.delete(p33);
    return undefined;
  }

  /** Remembers `u65` as the uncompressed form of `p33` (which must encode the same point). */
  remember(p33: Uint8Array, u65: Uint8Array): void {
    if (this.forms.size >= this.capacity) this.forms.delete(this.forms.keys().next().value!);
    this.forms.set(p33, u65);
  }
}
