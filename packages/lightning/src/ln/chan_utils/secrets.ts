/**
 * Per-commitment secrets, BOLT 3 §"Per-commitment Secret Requirements" and §"Efficient
 * Per-commitment Secret Storage" (the "shachain"): the broadcaster derives secret `I` from one
 * 32-byte seed, starting at index 2^48-1 and counting down; the receiver stores the revealed
 * secrets in 49 slots from which every earlier one can be re-derived.
 * Vectors: BOLT 3 Appendix D, in `test/ln/chan_utils/secrets.test.ts`. Deviations: none.
 * @module
 */
import type { CryptoBackend } from '../../crypto/backend.js';
import { equalBytes } from '../../util/bytes.js';
import { DecodeError } from '../../util/errors.js';
import { ByteReader, ByteWriter } from '../../util/ser/index.js';

/** The first per-commitment index used (2^48 - 1); BOLT 3 indices count down from here. */
export const INITIAL_COMMITMENT_NUMBER = (1n << 48n) - 1n;

/** `derive_secret(base, bits, I)`: flip each set bit of `I` below `bits`, highest first, hashing after each. */
function deriveSecret(base: Uint8Array, bits: number, idx: bigint, crypto: CryptoBackend): Uint8Array {
  let p = base;
  let copied = false;
  for (let b = bits - 1; b >= 0; b--) {
    if ((idx >> BigInt(b)) & 1n) {
      if (!copied) {
        p = p.slice();
        copied = true;
      }
      p[b >> 3]! ^= 1 << (b & 7);
      p = crypto.sha256(p);
    }
  }
  return copied ? p : p.slice();
}

/**
 * `generate_from_seed(seed, I)` (BOLT 3 §"Per-commitment Secret Requirements").
 * @param idx - the 48-bit index (2^48-1 is the first commitment's).
 */
export function buildCommitmentSecret(seed: Uint8Array, idx: bigint, crypto: CryptoBackend): Uint8Array {
  if (seed.length !== 32) throw new TypeError('seed must be 32 bytes');
  if (idx < 0n || idx > INITIAL_COMMITMENT_NUMBER) throw new RangeError('index must be 48 bits');
  return deriveSecret(seed, 48, idx, crypto);
}

/**
 * {@link buildCommitmentSecret} for one seed, remembering the hash chain of the index it derived
 * last. Secret `I` is the seed with the set bits of `I` flipped from bit 47 down, hashed after each
 * flip, so the value after bits 47..b depends only on those bits of `I`: consecutive indices share
 * all but their lowest few bits, and deriving the next one costs about two hashes instead of up to
 * 48 (a channel asks for the secrets of adjacent commitments on every update). Same results as
 * {@link buildCommitmentSecret} for any order of requests.
 */
export class CommitmentSecretChain {
  /** `levels[b]`: the value after processing bits 47..b of `lastIdx` (`levels[48]` is the seed). */
  private readonly levels: Uint8Array[];
  private lastHi = -1;
  private lastLo = 0;

  constructor(
    seed: Uint8Array,
    private readonly crypto: CryptoBackend,
  ) {
    if (seed.length !== 32) throw new TypeError('seed must be 32 bytes');
    this.levels = new Array<Uint8Array>(49).fill(seed.slice());
  }

  /** The secret of index `idx` (`generate_from_seed(seed, idx)`); a fresh copy the caller may keep. */
  secret(idx: bigint): Uint8Array {
    if (idx < 0n || idx > INITIAL_COMMITMENT_NUMBER) throw new RangeError('index must be 48 bits');
    const hi = Number(idx >> 32n);
    const lo = Number(idx & 0xffffffffn);
    // The highest bit where idx and the last index differ; the levels above it still hold.
    let top = 47;
    if (this.lastHi === hi) {
      const diff = (lo ^ this.lastLo) >>> 0;
      top = diff === 0 ? -1 : 31 - Math.clz32(diff);
    } else if (this.lastHi >= 0) {
      top = 32 + 31 - Math.clz32(hi ^ this.lastHi);
    }
    const levels = this.levels;
    for (let b = top; b >= 0; b--) {
      const set = b >= 32 ? (hi >>> (b - 32)) & 1 : (lo >>> b) & 1;
      const above = levels[b + 1]!;
      if (set) {
        const p = above.slice();
        p[b >> 3]! ^= 1 << (b & 7);
        levels[b] = this.crypto.sha256(p);
      } else {
        levels[b] = above;
      }
    }
    this.lastHi = hi;
    this.lastLo = lo;
    return levels[0]!.slice();
  }
}

/** `per_commitment_point = per_commitment_secret·G`. */
export function perCommitmentPoint(secret: Uint8Array, crypto: CryptoBackend): Uint8Array {
  return crypto.publicKey(secret);
}

/** `where_to_put_secret`: the count of trailing zero bits (48 for index 0). */
function slotOf(idx: bigint): number {
  for (let b = 0; b < 48; b++) if ((idx >> BigInt(b)) & 1n) return b;
  return 48;
}

/** Marks an empty slot in the serialized form (no 48-bit index can equal it). */
const EMPTY_INDEX = 1n << 48n;
const SLOTS = 49;

/**
 * The counterparty's revealed per-commitment secrets, stored compactly (BOLT 3 §"Efficient
 * Per-commitment Secret Storage"). Same name as LDK. Serialized as 49 × (32-byte secret,
 * u64 index), an empty slot being zeros with index 2^48.
 */
export class CounterpartyCommitmentSecrets {
  private readonly secrets: Array<{ secret: Uint8Array; idx: bigint } | null> = new Array(SLOTS).fill(null);

  /** The lowest index provided so far, or 2^48 when none has been. */
  minSeenSecret(): bigint {
    let min = EMPTY_INDEX;
    for (const s of this.secrets) if (s && s.idx < min) min = s.idx;
    return min;
  }

  /**
   * Stores the secret for index `idx` (BOLT 3 `insert_secret`), after checking that it derives
   * every secret already stored in a lower slot — otherwise it was not generated from the same
   * seed and the peer broke the protocol (BOLT 2 §"Completing the Transition to the Updated State").
   * Secrets must arrive in order (each index one less than the last); re-providing a known
   * index is accepted only with the same value.
   * @returns `true` when accepted, `false` when rejected (nothing is changed then).
   */
  provideSecret(idx: bigint, secret: Uint8Array, crypto: CryptoBackend): boolean {
    if (secret.length !== 32 || idx < 0n || idx > INITIAL_COMMITMENT_NUMBER) return false;
    const min = this.minSeenSecret();
    if (idx >= min) {
      const known = this.getSecret(idx, crypto);
      return known !== null && equalBytes(known, secret);
    }
    if (idx !== min - 1n) return false;
    const pos = slotOf(idx);
    for (let i = 0; i < pos; i++) {
      const old = this.secrets[i];
      if (old && !equalBytes(deriveSecret(secret, pos, old.idx, crypto), old.secret)) return false;
    }
    this.secrets[pos] = { secret: secret.slice(), idx };
    return true;
  }

  /** The secret for index `idx` if it was provided or can be derived from one that was (`derive_old_secret`); else `null`. */
  getSecret(idx: bigint, crypto: CryptoBackend): Uint8Array | null {
    if (idx < this.minSeenSecret() || idx > INITIAL_COMMITMENT_NUMBER) return null;
    for (let i = 0; i < SLOTS; i++) {
      const s = this.secrets[i];
      if (!s) continue;
      const mask = ~((1n << BigInt(i)) - 1n);
      if ((idx & mask) === s.idx) return deriveSecret(s.secret, i, idx, crypto);
    }
    return null;
  }

  /** An independent copy (slots are replaced, never changed in place, so sharing them is safe). */
  clone(): CounterpartyCommitmentSecrets {
    const c = new CounterpartyCommitmentSecrets();
    for (let i = 0; i < SLOTS; i++) c.secrets[i] = this.secrets[i] ?? null;
    return c;
  }

  /** Serializes the 49 slots. */
  encode(): Uint8Array {
    const w = new ByteWriter(SLOTS * 40);
    for (const s of this.secrets) {
      w.bytes(s ? s.secret : new Uint8Array(32));
      w.u64(s ? s.idx : EMPTY_INDEX);
    }
    return w.finish();
  }

  /**
   * Reads what {@link encode} wrote.
   * @returns the store, or a {@link DecodeError} when the length is wrong or a slot holds an
   * index that does not belong in it.
   */
  static decode(bytes: Uint8Array): CounterpartyCommitmentSecrets | DecodeError {
    if (bytes.length !== SLOTS * 40) return new DecodeError('ShortRead', `expected ${SLOTS * 40} bytes`);
    const r = new ByteReader(bytes);
    const out = new CounterpartyCommitmentSecrets();
    for (let i = 0; i < SLOTS; i++) {
      const secret = r.bytes(32).slice();
      const idx = r.u64();
      if (idx === EMPTY_INDEX) continue;
      if (idx > INITIAL_COMMITMENT_NUMBER || slotOf(idx) !== i) return new DecodeError('InvalidValue', `slot ${i} holds index ${idx}`);
      out.secrets[i] = { secret, idx };
    }
    return out;
  }
}
