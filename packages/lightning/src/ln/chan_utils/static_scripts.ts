/**
 * The commitment outputs and scripts that depend on a channel's static keys only: the 2-of-2
 * funding script, `to_remote` (with `option_static_remotekey` the countersignatory's payment
 * basepoint itself, BOLT 3 §"`to_remote` Output") and the anchors (BOLT 3 §"`to_local_anchor` and
 * `to_remote_anchor` Output"). The channel hands the same key arrays to every commitment it builds
 * — two per update, each side — so each script is computed once per key instead of once per
 * commitment (HASH160 or SHA-256 and a script build each).
 *
 * Memoized per key array (a WeakMap: a closed channel's keys take their entries with them) and
 * used only while that array still holds the bytes it was memoized with, so a caller that reuses
 * an array for another key gets a fresh result. Every call returns a fresh copy: transactions
 * never share a script array.
 * @module
 */
import { p2wpkhForPubkey, p2wshForScript } from '../../bitcoin/outputs.js';
import type { CryptoBackend } from '../../crypto/backend.js';
import { equalBytes } from '../../util/bytes.js';
import { entryOf } from '../../util/memo.js';
import { anchorScript, fundingScript, toRemoteAnchorsScript } from './scripts.js';

interface Memo {
  /** The key bytes the entry was made from. */
  readonly key: Uint8Array;
  /** The second key, for scripts of two keys. */
  readonly other?: Uint8Array;
  readonly value: Uint8Array;
}

/** One memo table: `key` (and `other`) → script. */
class KeyMemo {
  private readonly m = new WeakMap<Uint8Array, Memo>();

  get(key: Uint8Array, other: Uint8Array | undefined, compute: () => Uint8Array): Uint8Array {
    const e = this.m.get(key);
    if (e && equalBytes(e.key, key) && (other === undefined || (e.other !== undefined && equalBytes(e.other, other)))) return e.value.slice();
    const value = compute();
    this.m.set(key, { key: key.slice(), other: other?.slice(), value: value.slice() });
    return value;
  }
}

const funding = new KeyMemo();
// The hashed scripts per backend too: a result is the backend's (a test may hand in a fake one).
const toRemoteP2wpkh = new WeakMap<CryptoBackend, KeyMemo>();
const toRemoteAnchors = new WeakMap<CryptoBackend, KeyMemo>();
const anchors = new WeakMap<CryptoBackend, KeyMemo>();

function memoOf(table: WeakMap<CryptoBackend, KeyMemo>, crypto: CryptoBackend): KeyMemo {
  return entryOf(table, crypto, () => new KeyMemo());
}

/** {@link fundingScript} of the broadcaster's and the countersignatory's funding keys. */
export function staticFundingScript(broadcasterFundingPubkey: Uint8Array, countersignatoryFundingPubkey: Uint8Array): Uint8Array {
  return funding.get(broadcasterFundingPubkey, countersignatoryFundingPubkey, () => fundingScript(broadcasterFundingPubkey, countersignatoryFundingPubkey));
}

/** The P2WPKH `to_remote` scriptPubKey of a channel without anchors. */
export function staticToRemoteP2wpkh(paymentPubkey: Uint8Array, crypto: CryptoBackend): Uint8Array {
  return memoOf(toRemoteP2wpkh, crypto).get(paymentPubkey, undefined, () => p2wpkhForPubkey(paymentPubkey, crypto));
}

/** The anchors `to_remote` witness script and its P2WSH scriptPubKey. */
export function staticToRemoteAnchors(paymentPubkey: Uint8Array, crypto: CryptoBackend): { witnessScript: Uint8Array; scriptPubkey: Uint8Array } {
  const witnessScript = toRemoteAnchorsScript(paymentPubkey);
  return { witnessScript, scriptPubkey: memoOf(toRemoteAnchors, crypto).get(paymentPubkey, undefined, () => p2wshForScript(witnessScript, crypto)) };
}

/** An anchor output's witness script (on a funding key) and its P2WSH scriptPubKey. */
export function staticAnchor(fundingPubkey: Uint8Array, crypto: CryptoBackend): { witnessScript: Uint8Array; scriptPubkey: Uint8Array } {
  const witnessScript = anchorScript(fundingPubkey);
  return { witnessScript, scriptPubkey: memoOf(anchors, crypto).get(fundingPubkey, undefined, () => p2wshForScript(witnessScript, crypto)) };
}
