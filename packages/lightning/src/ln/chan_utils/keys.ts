/**
 * Per-commitment key derivation, BOLT 3 §"Key Derivation". Every key a commitment transaction
 * uses is a basepoint (exchanged once in `open_channel`/`accept_channel`) tweaked by that
 * commitment's `per_commitment_point`, so each commitment has fresh keys and revealing one
 * commitment's secret (revocation) exposes nothing about the others.
 * Vectors: BOLT 3 Appendix E, in `test/ln/chan_utils/keys.test.ts`. Deviations: none.
 * @module
 */
import type { CryptoBackend } from '../../crypto/backend.js';
import { concat } from '../../util/bytes.js';

/** `SHA256(per_commitment_point ‖ basepoint)`: the tweak BOLT 3 adds to a basepoint. */
export function derivationTweak(perCommitmentPoint: Uint8Array, basepoint: Uint8Array, crypto: CryptoBackend): Uint8Array {
  return crypto.sha256(concat(perCommitmentPoint, basepoint));
}

/**
 * `pubkey = basepoint + SHA256(per_commitment_point ‖ basepoint)·G`: BOLT 3 §"`localpubkey`,
 * `local_htlcpubkey`, `remote_htlcpubkey`, `local_delayedpubkey`, and `remote_delayedpubkey` Derivation".
 * (With `option_static_remotekey`, `remotepubkey` is the payment basepoint itself, not derived.)
 * @throws {CryptoError} when an input is not a valid point.
 */
export function derivePublicKey(basepoint: Uint8Array, perCommitmentPoint: Uint8Array, crypto: CryptoBackend): Uint8Array {
  return crypto.pointAddScalar(basepoint, derivationTweak(perCommitmentPoint, basepoint, crypto));
}

/**
 * `privkey = basepoint_secret + SHA256(per_commitment_point ‖ basepoint)`, the secret of
 * {@link derivePublicKey}'s result (BOLT 3, same section).
 * @param basepoint - `basepoint_secret·G` when the caller has it (saves deriving it again).
 */
export function derivePrivateKey(
  basepointSecret: Uint8Array,
  perCommitmentPoint: Uint8Array,
  crypto: CryptoBackend,
  basepoint: Uint8Array = crypto.publicKey(basepointSecret),
): Uint8Array {
  return crypto.secretAdd(basepointSecret, derivationTweak(perCommitmentPoint, basepoint, crypto));
}

/**
 * BOLT 3 §"`revocationpubkey` Derivation":
 *   revocationpubkey = revocation_basepoint · SHA256(revocation_basepoint ‖ per_commitment_point)
 *                    + per_commitment_point · SHA256(per_commitment_point ‖ revocation_basepoint)
 * Neither party alone knows the secret until the per-commitment secret is revealed.
 */
export function deriveRevocationPubkey(revocationBasepoint: Uint8Array, perCommitmentPoint: Uint8Array, crypto: CryptoBackend): Uint8Array {
  const a = crypto.pointMultiply(revocationBasepoint, crypto.sha256(concat(revocationBasepoint, perCommitmentPoint)));
  const b = crypto.pointMultiply(perCommitmentPoint, crypto.sha256(concat(perCommitmentPoint, revocationBasepoint)));
  return crypto.pointAdd(a, b);
}

/**
 * The secret of {@link deriveRevocationPubkey}, which the punishing party can compute once the
 * broadcaster has revealed `per_commitment_secret` (BOLT 3, same section):
 *   revocationprivkey = revocation_basepoint_secret · SHA256(revocation_basepoint ‖ per_commitment_point)
 *                     + per_commitment_secret · SHA256(per_commitment_point ‖ revocation_basepoint)
 */
export function deriveRevocationPrivkey(
  revocationBasepointSecret: Uint8Array,
  perCommitmentSecret: Uint8Array,
  crypto: CryptoBackend,
): Uint8Array {
  const rb = crypto.publicKey(revocationBasepointSecret);
  const pcp = crypto.publicKey(perCommitmentSecret);
  const a = crypto.secretMultiply(revocationBasepointSecret, crypto.sha256(concat(rb, pcp)));
  const b = crypto.secretMultiply(perCommitmentSecret, crypto.sha256(concat(pcp, rb)));
  return crypto.secretAdd(a, b);
}

/**
 * The keys one commitment transaction uses, all derived from the broadcaster's
 * `per_commitment_point` (LDK: `TxCreationKeys`). "Broadcaster" is the holder of the commitment
 * transaction (BOLT 3's "local"), "countersignatory" the other party ("remote").
 */
export interface TxCreationKeys {
  /** The broadcaster's per-commitment point for this commitment. */
  readonly perCommitmentPoint: Uint8Array;
  /** `revocationpubkey`, from the countersignatory's revocation basepoint. */
  readonly revocationPubkey: Uint8Array;
  /** `local_htlcpubkey`. */
  readonly broadcasterHtlcPubkey: Uint8Array;
  /** `remote_htlcpubkey`. */
  readonly countersignatoryHtlcPubkey: Uint8Array;
  /** `local_delayedpubkey`. */
  readonly broadcasterDelayedPubkey: Uint8Array;
}

/**
 * Derives {@link TxCreationKeys} from the basepoints and the broadcaster's per-commitment point
 * (BOLT 3 §"Key Derivation"). The two HTLC keys are derived when first read: only HTLC outputs
 * and HTLC transactions use them, and most commitments of a busy channel carry none, so each
 * commitment pays for the elliptic-curve work its outputs need and no more.
 */
export function deriveTxCreationKeys(
  perCommitmentPoint: Uint8Array,
  bases: {
    readonly broadcasterDelayedPaymentBasepoint: Uint8Array;
    readonly broadcasterHtlcBasepoint: Uint8Array;
    readonly countersignatoryRevocationBasepoint: Uint8Array;
    readonly countersignatoryHtlcBasepoint: Uint8Array;
  },
  crypto: CryptoBackend,
): TxCreationKeys {
  const { broadcasterHtlcBasepoint, countersignatoryHtlcBasepoint } = bases;
  let broadcasterHtlc: Uint8Array | undefined;
  let countersignatoryHtlc: Uint8Array | undefined;
  return {
    perCommitmentPoint,
    revocationPubkey: deriveRevocationPubkey(bases.countersignatoryRevocationBasepoint, perCommitmentPoint, crypto),
    get broadcasterHtlcPubkey() {
      broadcasterHtlc ??= derivePublicKey(broadcasterHtlcBasepoint, perCommitmentPoint, crypto);
      return broadcasterHtlc;
    },
    get countersignatoryHtlcPubkey() {
      countersignatoryHtlc ??= derivePublicKey(countersignatoryHtlcBasepoint, perCommitmentPoint, crypto);
      return countersignatoryHtlc;
    },
    broadcasterDelayedPubkey: derivePublicKey(bases.broadcasterDelayedPaymentBasepoint, perCommitmentPoint, crypto),
  };
}
