/**
 * Building and checking a channel's commitment transactions from its parameters (BOLT 3), and the
 * channel id (BOLT 2 §"Definition of channel_id").
 * @module
 */
import type { OutPoint } from '../../bitcoin/tx.js';
import type { CounterpartyCommitmentData, HolderCommitmentData } from '../../chain/channelmonitor_update.js';
import type { CryptoBackend } from '../../crypto/backend.js';
import type { ChannelSigner } from '../../sign/interfaces.js';
import { buildCommitmentTx, type CommitmentHtlc, commitmentObscureFactor, type CommitmentTransaction } from '../chan_utils/commitment.js';
import type { CommitSpec } from './htlc/spec.js';
import { deriveTxCreationKeys } from '../chan_utils/keys.js';
import type { ChannelParams, Commitments } from './state.js';

/**
 * `channel_id` of a v1 channel: the funding txid (internal byte order, as in `funding_created`)
 * XOR the output index over its last two bytes, big-endian.
 */
export function channelIdFromOutpoint(o: OutPoint): Uint8Array {
  const id = o.txid.slice();
  id[30]! ^= (o.vout >> 8) & 0xff;
  id[31]! ^= o.vout & 0xff;
  return id;
}

// A channel's parameters never change once agreed, and every commitment needs the factor.
const obscureFactors = new WeakMap<ChannelParams, bigint>();

/** The obscuring factor: SHA256 of the opener's then the accepter's payment basepoint, low 48 bits. */
export function obscureFactorOf(p: ChannelParams, crypto: CryptoBackend): bigint {
  const known = obscureFactors.get(p);
  if (known !== undefined) return known;
  const opener = p.isOutbound ? p.holder.pubkeys.paymentPoint : p.counterparty.pubkeys.paymentPoint;
  const accepter = p.isOutbound ? p.counterparty.pubkeys.paymentPoint : p.holder.pubkeys.paymentPoint;
  const f = commitmentObscureFactor(opener, accepter, crypto);
  obscureFactors.set(p, f);
  return f;
}

/**
 * Commitment `index` held by `broadcaster` (BOLT 3 §"Commitment Transaction"): its keys derive
 * from the broadcaster's per-commitment point, its `to_local` is delayed by the delay the *other*
 * side chose and trimmed by the broadcaster's own dust limit; the funder pays the fee.
 */
function buildFor(
  p: ChannelParams,
  fundingOutpoint: OutPoint,
  broadcaster: 'holder' | 'counterparty',
  index: bigint,
  toBroadcasterMsat: bigint,
  toCountersignatoryMsat: bigint,
  feeratePerKw: number,
  perCommitmentPoint: Uint8Array,
  crypto: CryptoBackend,
  htlcs: readonly CommitmentHtlc[],
): CommitmentTransaction {
  const b = broadcaster === 'holder' ? p.holder : p.counterparty;
  const c = broadcaster === 'holder' ? p.counterparty : p.holder;
  const keys = deriveTxCreationKeys(
    perCommitmentPoint,
    {
      broadcasterDelayedPaymentBasepoint: b.pubkeys.delayedPaymentBasepoint,
      broadcasterHtlcBasepoint: b.pubkeys.htlcBasepoint,
      countersignatoryRevocationBasepoint: c.pubkeys.revocationBasepoint,
      countersignatoryHtlcBasepoint: c.pubkeys.htlcBasepoint,
    },
    crypto,
  );
  return buildCommitmentTx(
    {
      fundingOutpoint,
      fundingSatoshis: p.valueSat,
      channelType: { anchors: p.channelType.anchors },
      commitmentNumber: index,
      obscureFactor: obscureFactorOf(p, crypto),
      toBroadcasterValueMsat: toBroadcasterMsat,
      toCountersignatoryValueMsat: toCountersignatoryMsat,
      feeratePerKw,
      dustLimitSat: b.dustLimitSat,
      // The delay on the broadcaster's to_local is the one the other side chose.
      toSelfDelay: c.toSelfDelay,
      keys: {
        revocationPubkey: keys.revocationPubkey,
        broadcasterDelayedPubkey: keys.broadcasterDelayedPubkey,
        countersignatoryPaymentPubkey: c.pubkeys.paymentPoint,
        // Read through, so they are derived only if an HTLC output or transaction needs them.
        get broadcasterHtlcPubkey() {
          return keys.broadcasterHtlcPubkey;
        },
        get countersignatoryHtlcPubkey() {
          return keys.countersignatoryHtlcPubkey;
        },
        broadcasterFundingPubkey: b.pubkeys.fundingPubkey,
        countersignatoryFundingPubkey: c.pubkeys.fundingPubkey,
      },
      htlcs,
      isOutboundFromBroadcaster: broadcaster === 'holder' ? p.isOutbound : !p.isOutbound,
    },
    crypto,
  );
}

/** Our commitment number `n` (we are the broadcaster), with our per-commitment point for it. */
export function buildHolderCommitment(
  p: ChannelParams,
  fundingOutpoint: OutPoint,
  c: Pick<Commitments, 'holderCommitmentNumber' | 'holderBalanceMsat' | 'counterpartyBalanceMsat' | 'feeratePerKw'>,
  perCommitmentPoint: Uint8Array,
  crypto: CryptoBackend,
  htlcs: readonly CommitmentHtlc[] = [],
): CommitmentTransaction {
  return buildFor(p, fundingOutpoint, 'holder', c.holderCommitmentNumber, c.holderBalanceMsat, c.counterpartyBalanceMsat, c.feeratePerKw, perCommitmentPoint, crypto, htlcs);
}

/** Their commitment number `n` (they are the broadcaster), with their per-commitment point for it. */
export function buildCounterpartyCommitment(
  p: ChannelParams,
  fundingOutpoint: OutPoint,
  c: Pick<Commitments, 'counterpartyCommitmentNumber' | 'holderBalanceMsat' | 'counterpartyBalanceMsat' | 'feeratePerKw'>,
  perCommitmentPoint: Uint8Array,
  crypto: CryptoBackend,
  htlcs: readonly CommitmentHtlc[] = [],
): CommitmentTransaction {
  return buildFor(p, fundingOutpoint, 'counterparty', c.counterpartyCommitmentNumber, c.counterpartyBalanceMsat, c.holderBalanceMsat, c.feeratePerKw, perCommitmentPoint, crypto, htlcs);
}

/** Initial balances (BOLT 2: the funder has everything but `push_msat`). */
export function initialBalances(p: Pick<ChannelParams, 'isOutbound' | 'valueSat' | 'pushMsat'>): { holder: bigint; counterparty: bigint } {
  const funder = p.valueSat * 1000n - p.pushMsat;
  return p.isOutbound ? { holder: funder, counterparty: p.pushMsat } : { holder: p.pushMsat, counterparty: funder };
}

/** Checks the counterparty's signature of our commitment, through the signer (which may refuse). */
export function verifyHolderCommitmentSig(c: CommitmentTransaction, sig: Uint8Array, p: ChannelParams, signer: ChannelSigner): boolean {
  return signer.validateHolderCommitment(c, sig, p.counterparty.pubkeys.fundingPubkey);
}

/** What the monitor records about our commitment. */
export function holderCommitmentData(
  c: CommitmentTransaction,
  perCommitmentPoint: Uint8Array,
  counterpartySig: Uint8Array,
  htlcSigs: readonly Uint8Array[],
): HolderCommitmentData {
  return {
    commitmentNumber: c.params.commitmentNumber,
    perCommitmentPoint,
    tx: c.tx,
    counterpartySig,
    counterpartyHtlcSigs: htlcSigs,
    feeratePerKw: c.params.feeratePerKw,
    toSelfValueMsat: c.params.toBroadcasterValueMsat,
    toCounterpartyValueMsat: c.params.toCountersignatoryValueMsat,
    htlcs: c.params.htlcs,
  };
}

/** What the monitor records about their commitment. */
export function counterpartyCommitmentData(c: CommitmentTransaction, perCommitmentPoint: Uint8Array): CounterpartyCommitmentData {
  return {
    commitmentNumber: c.params.commitmentNumber,
    txid: c.txid,
    perCommitmentPoint,
    feeratePerKw: c.params.feeratePerKw,
    toBroadcasterValueMsat: c.params.toBroadcasterValueMsat,
    toCountersignatoryValueMsat: c.params.toCountersignatoryValueMsat,
    htlcs: c.params.htlcs,
  };
}

/** Signs the counterparty's commitment `c` (their point `point`). */
export function signCounterparty(signer: ChannelSigner, c: CommitmentTransaction, point: Uint8Array): Uint8Array {
  return signer.signCounterpartyCommitment(c, point).signature;
}

/** A spec's HTLCs as the commitment builder takes them (`offered` from the spec owner's side). */
export function commitmentHtlcsOf(spec: CommitSpec): CommitmentHtlc[] {
  return spec.htlcs.map((h) => ({
    offered: h.direction === 'offered',
    amountMsat: h.add.amountMsat,
    cltvExpiry: h.add.cltvExpiry,
    paymentHash: h.add.paymentHash,
  }));
}

/** Our commitment `index` with the content of `spec` (our view). */
export function holderCommitmentFromSpec(
  p: ChannelParams,
  fundingOutpoint: OutPoint,
  spec: CommitSpec,
  index: bigint,
  point: Uint8Array,
  crypto: CryptoBackend,
): CommitmentTransaction {
  return buildFor(p, fundingOutpoint, 'holder', index, spec.toLocalMsat, spec.toRemoteMsat, spec.feeratePerKw, point, crypto, commitmentHtlcsOf(spec));
}

/** Their commitment `index` with the content of `spec` (their view: `toLocal` is theirs). */
export function counterpartyCommitmentFromSpec(
  p: ChannelParams,
  fundingOutpoint: OutPoint,
  spec: CommitSpec,
  index: bigint,
  point: Uint8Array,
  crypto: CryptoBackend,
): CommitmentTransaction {
  return buildFor(p, fundingOutpoint, 'counterparty', index, spec.toLocalMsat, spec.toRemoteMsat, spec.feeratePerKw, point, crypto, commitmentHtlcsOf(spec));
}
