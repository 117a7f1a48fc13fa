/**
 * Recognising a revoked counterparty commitment on chain and naming what the penalty takes
 * (BOLT 5 §"Revoked Transaction Close Handling"): the commitment number comes from the
 * transaction's obscured locktime and sequence (BOLT 3 §"Commitment Transaction"), the revealed
 * per-commitment secret gives every key of that commitment, and the compact HTLC history gives
 * each HTLC script. The result lists every output the revocation key can spend — `to_local` and
 * every HTLC output — with its witness script, which is what a penalty transaction signs.
 * @module
 */
import { p2wshForScript } from '../bitcoin/outputs.js';
import type { Transaction } from '../bitcoin/tx.js';
import type { CryptoBackend } from '../crypto/backend.js';
import { commitmentNumberFromTx, commitmentObscureFactor } from '../ln/chan_utils/commitment.js';
import { deriveTxCreationKeys } from '../ln/chan_utils/keys.js';
import { offeredHtlcScriptFromRipemd, receivedHtlcScriptFromRipemd, toLocalScript } from '../ln/chan_utils/scripts.js';
import { equalBytes } from '../util/bytes.js';
import type { HtlcsOnCommitment } from './htlc_history.js';
import type { ChannelMonitorState } from './monitor_state.js';

/** One output of a revoked commitment that the revocation key spends. */
export interface RevokedOutput {
  /** Its index in the commitment transaction. */
  readonly vout: number;
  readonly kind: 'to_local' | 'offered_htlc' | 'received_htlc';
  readonly valueSat: bigint;
  /** The witness script the penalty input reveals (BOLT 3: `<revocation_sig> 1` for `to_local`, `<revocation_sig> <revocationpubkey>` for an HTLC). */
  readonly witnessScript: Uint8Array;
}

/** A revoked counterparty commitment seen on chain, with everything its penalty needs. */
export interface RevokedCommitment {
  readonly commitmentNumber: bigint;
  /** The secret they revealed; `ChannelSigner.revocationSecretFor` turns it into the revocation key. */
  readonly perCommitmentSecret: Uint8Array;
  readonly revocationPubkey: Uint8Array;
  /** Every output the revocation key can take (their `to_remote`, ours, and anchors are not listed). */
  readonly outputs: readonly RevokedOutput[];
  /**
   * False when the HTLC history store returned fewer records than the monitor wrote to it: an
   * HTLC output of this commitment may then be missing from {@link outputs}.
   */
  readonly htlcHistoryComplete: boolean;
}

/**
 * When `tx` is a counterparty commitment whose secret the monitor holds, what a penalty claims
 * from it; `null` for any other transaction (a current commitment, ours, a mutual close).
 * @param secretFor - the revealed secret of their commitment `n`, or `null` (the monitor's shachain).
 * @param htlcsOn - the HTLCs their commitment `n` may have carried (the monitor's history and store).
 */
export function revokedCommitmentOf(
  s: ChannelMonitorState,
  tx: Transaction,
  secretFor: (n: bigint) => Uint8Array | null,
  htlcsOn: (n: bigint) => HtlcsOnCommitment,
  crypto: CryptoBackend,
): RevokedCommitment | null {
  const input = tx.inputs[0];
  if (tx.inputs.length !== 1 || !input || input.prevout.vout !== s.fundingOutpoint.vout || !equalBytes(input.prevout.txid, s.fundingOutpoint.txid)) return null;
  // BOLT 3: commitment transactions carry 0x20 in the locktime's and 0x80 in the sequence's top byte.
  if (tx.locktime >>> 24 !== 0x20 || input.sequence >>> 24 !== 0x80) return null;
  const opener = s.isOutbound ? s.holderPubkeys.paymentPoint : s.counterpartyPubkeys.paymentPoint;
  const accepter = s.isOutbound ? s.counterpartyPubkeys.paymentPoint : s.holderPubkeys.paymentPoint;
  const n = commitmentNumberFromTx(tx.locktime, input.sequence, commitmentObscureFactor(opener, accepter, crypto));
  const secret = secretFor(n);
  if (!secret) return null;
  const keys = deriveTxCreationKeys(
    crypto.publicKey(secret),
    {
      broadcasterDelayedPaymentBasepoint: s.counterpartyPubkeys.delayedPaymentBasepoint,
      broadcasterHtlcBasepoint: s.counterpartyPubkeys.htlcBasepoint,
      countersignatoryRevocationBasepoint: s.holderPubkeys.revocationBasepoint,
      countersignatoryHtlcBasepoint: s.holderPubkeys.htlcBasepoint,
    },
    crypto,
  );
  const candidates: Array<{ kind: RevokedOutput['kind']; witnessScript: Uint8Array; spk: Uint8Array }> = [];
  // Their to_local waits the delay we chose for them.
  const local = toLocalScript(keys.revocationPubkey, s.counterpartyToSelfDelay, keys.broadcasterDelayedPubkey);
  candidates.push({ kind: 'to_local', witnessScript: local, spk: p2wshForScript(local, crypto) });
  const htlcKeys = {
    revocationPubkeyHash: crypto.hash160(keys.revocationPubkey),
    broadcasterHtlcPubkey: keys.broadcasterHtlcPubkey,
    countersignatoryHtlcPubkey: keys.countersignatoryHtlcPubkey,
  };
  const history = htlcsOn(n);
  for (const h of history.htlcs) {
    const ws = h.offered
      ? offeredHtlcScriptFromRipemd(htlcKeys, h.paymentHashRipemd, s.anchors)
      : receivedHtlcScriptFromRipemd(htlcKeys, h.paymentHashRipemd, h.cltvExpiry, s.anchors);
    candidates.push({ kind: h.offered ? 'offered_htlc' : 'received_htlc', witnessScript: ws, spk: p2wshForScript(ws, crypto) });
  }
  const outputs: RevokedOutput[] = [];
  tx.outputs.forEach((o, vout) => {
    const c = candidates.find((x) => equalBytes(x.spk, o.script));
    if (c) outputs.push({ vout, kind: c.kind, valueSat: o.value, witnessScript: c.witnessScript });
  });
  return { commitmentNumber: n, perCommitmentSecret: secret, revocationPubkey: keys.revocationPubkey, outputs, htlcHistoryComplete: history.complete };
}
