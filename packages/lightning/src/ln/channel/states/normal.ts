/**
 * A usable channel's HTLC traffic, BOLT 2 §"Normal Operation": `update_add_htlc`,
 * `update_fulfill_htlc`, `update_fail_htlc`, `update_fail_malformed_htlc`, `update_fee`,
 * `commitment_signed` and `revoke_and_ack`. The bookkeeping is `htlc/commitments.ts`; this file
 * builds and checks the transactions and orders the effects: every monitor update comes before
 * the message that depends on it (a signature, a revocation, a preimage).
 * @module
 */
import { commitmentTxFeeSat } from '../../chan_utils/fees.js';
import { verifyHtlcTxSignatures } from '../../chan_utils/htlc_tx.js';
import type { CommitmentSigned, RevokeAndAck, UpdateAddHtlc, UpdateFee } from '../../msgs/bolt02.js';
import type { WireMessage } from '../../msgs/index.js';
import { counterpartyCommitmentData, counterpartyCommitmentFromSpec, holderCommitmentData, holderCommitmentFromSpec } from '../commitments.js';
import { ChannelError } from '../errors.js';
import {
  addFeeUpdate,
  type HtlcCommitments,
  HtlcError,
  type HtlcLimits,
  receiveAdd,
  receiveCommit,
  receiveRevoke,
  receiveSettle,
  sendAdd,
  sendCommit,
  sendFail,
  sendFulfill,
} from '../htlc/commitments.js';
import type { ChannelUpdate, CommitSpec } from '../htlc/spec.js';
import type { ChannelAction, ChannelParams, FundedState, Step, StepContext } from '../state.js';
import { forceClose } from './force_close.js';

/** States with a live commitment dance: `Normal`, and `ShutdownPending` while HTLCs clear (BOLT 2). */
type Normal = Extract<FundedState, { kind: 'Normal' | 'ShutdownPending' }>;

/** The commitment fee (and anchors) the funder must keep, for a spec (BOLT 2 "can afford"). */
function funderFeeMsat(p: ChannelParams, spec: CommitSpec): bigint {
  const fee = commitmentTxFeeSat(spec.feeratePerKw, spec.htlcs.length, { anchors: p.channelType.anchors }) * 1000n;
  return fee + (p.channelType.anchors ? 660_000n : 0n);
}

/** What the peer must respect when it offers us HTLCs (our declared limits). */
export function ourLimits(p: ChannelParams): HtlcLimits {
  return {
    htlcMinimumMsat: p.holder.htlcMinimumMsat,
    maxAcceptedHtlcs: p.holder.maxAcceptedHtlcs,
    maxHtlcValueInFlightMsat: p.holder.maxHtlcValueInFlightMsat,
    senderReserveMsat: p.holder.channelReserveSat * 1000n,
    senderFeeMsat: (spec) => (p.isOutbound ? 0n : funderFeeMsat(p, spec)),
  };
}

/** What we must respect when we offer the peer HTLCs (its declared limits). */
export function theirLimits(p: ChannelParams): HtlcLimits {
  return {
    htlcMinimumMsat: p.counterparty.htlcMinimumMsat,
    maxAcceptedHtlcs: p.counterparty.maxAcceptedHtlcs,
    maxHtlcValueInFlightMsat: p.counterparty.maxHtlcValueInFlightMsat,
    senderReserveMsat: p.counterparty.channelReserveSat * 1000n,
    senderFeeMsat: (spec) => (p.isOutbound ? funderFeeMsat(p, spec) : 0n),
  };
}

function withHtlc(s: Normal, htlc: HtlcCommitments): Normal {
  return {
    ...s,
    commitments: {
      ...s.commitments,
      htlc,
      holderCommitmentNumber: htlc.localCommitIndex,
      counterpartyCommitmentNumber: htlc.remoteCommitIndex,
      holderBalanceMsat: htlc.localSpec.toLocalMsat,
      counterpartyBalanceMsat: htlc.localSpec.toRemoteMsat,
      feeratePerKw: htlc.localSpec.feeratePerKw,
    },
  };
}

function fail(s: Normal, why: string, ctx: StepContext): Step {
  return forceClose(s, { kind: 'ProcessingError', err: why }, ctx, new ChannelError(s.funding.channelId, why));
}

function nextUpdateId(s: Normal): bigint {
  return s.commitments.latestMonitorUpdateId + 1n;
}

/** Offer an HTLC (the user's send or our forward). */
export function onAddCommand(s: Normal, add: Omit<UpdateAddHtlc, 'id' | 'channelId'>): Step | ChannelError {
  if (s.kind !== 'Normal') return new ChannelError(s.funding.channelId, 'no new HTLCs after shutdown', 'ignore');
  const r = sendAdd(s.commitments.htlc, { ...add, channelId: s.funding.channelId }, theirLimits(s.params));
  if (r instanceof HtlcError) return new ChannelError(s.funding.channelId, r.message, 'ignore');
  return { state: withHtlc(s, r.c), actions: [{ kind: 'send', msg: { name: 'update_add_htlc', msg: r.msg } }] };
}

/** Settle an incoming HTLC with its preimage: the monitor learns the preimage first (BOLT 5 claims need it). */
export function onFulfillCommand(s: Normal, id: bigint, preimage: Uint8Array, ctx: StepContext): Step | ChannelError {
  const r = sendFulfill(s.commitments.htlc, id, preimage, s.funding.channelId, ctx.crypto);
  if (r instanceof HtlcError) return new ChannelError(s.funding.channelId, r.message, 'ignore');
  const updateId = nextUpdateId(s);
  const next = withHtlc(s, r.c);
  return {
    state: { ...next, commitments: { ...next.commitments, latestMonitorUpdateId: updateId } },
    actions: [
      { kind: 'update-monitor', update: { updateId, channelId: s.funding.channelId, steps: [{ kind: 'PaymentPreimage', preimage }] } },
      { kind: 'send', msg: r.update as WireMessage },
    ],
  };
}

/** Fail an incoming HTLC (`update_fail_htlc` with an onion error, or `update_fail_malformed_htlc`). */
export function onFailCommand(s: Normal, update: ChannelUpdate): Step | ChannelError {
  const r = sendFail(s.commitments.htlc, update);
  if (r instanceof HtlcError) return new ChannelError(s.funding.channelId, r.message, 'ignore');
  return { state: withHtlc(s, r), actions: [{ kind: 'send', msg: update as WireMessage }] };
}

/** The funder changes the feerate (BOLT 2 §"Updating Fees: update_fee"). */
export function onUpdateFeeCommand(s: Normal, feeratePerKw: number): Step | ChannelError {
  if (!s.params.isOutbound) return new ChannelError(s.funding.channelId, 'only the funder sends update_fee', 'ignore');
  const msg: UpdateFee = { channelId: s.funding.channelId, feeratePerKw };
  return { state: withHtlc(s, addFeeUpdate(s.commitments.htlc, { name: 'update_fee', msg }, true)), actions: [{ kind: 'send', msg: { name: 'update_fee', msg } }] };
}

/**
 * Sign the peer's next commitment (`commitment_signed`) with everything pending. The monitor
 * records that commitment before the signature leaves, so it can recognise it on chain.
 */
export function onSignCommand(s: Normal, ctx: StepContext): Step | ChannelError {
  const point = s.commitments.counterpartyNextPoint;
  if (!point) return new ChannelError(s.funding.channelId, 'no next per-commitment point from the peer yet', 'ignore');
  const r = sendCommit(s.commitments.htlc);
  if (r instanceof HtlcError) return new ChannelError(s.funding.channelId, r.message, 'ignore');
  const tx = counterpartyCommitmentFromSpec(s.params, s.funding.outpoint, r.spec, r.index, point, ctx.crypto);
  const sigs = ctx.signer.signCounterpartyCommitment(tx, point);
  const msg: CommitmentSigned = { channelId: s.funding.channelId, signature: sigs.signature, htlcSignatures: sigs.htlcSignatures };
  const updateId = nextUpdateId(s);
  const next = withHtlc(s, r.c);
  return {
    state: { ...next, commitments: { ...next.commitments, latestMonitorUpdateId: updateId } },
    actions: [
      {
        kind: 'update-monitor',
        update: { updateId, channelId: s.funding.channelId, steps: [{ kind: 'LatestCounterpartyCommitment', commitment: counterpartyCommitmentData(tx, point) }] },
      },
      { kind: 'send', msg: { name: 'commitment_signed', msg } },
    ],
  };
}

/** Updates and signatures from the peer in `Normal`. */
export function onNormalMessage(s: Normal, m: WireMessage, ctx: StepContext): Step | undefined {
  const c = s.commitments.htlc;
  switch (m.name) {
    case 'update_add_htlc': {
      // BOLT 2: after shutdown a node MUST NOT send update_add_htlc.
      if (s.kind !== 'Normal') return fail(s, 'update_add_htlc after shutdown', ctx);
      const r = receiveAdd(c, m.msg, ourLimits(s.params));
      if (r instanceof HtlcError) return fail(s, r.message, ctx);
      return { state: withHtlc(s, r), actions: [] };
    }
    case 'update_fulfill_htlc':
    case 'update_fail_htlc':
    case 'update_fail_malformed_htlc': {
      const r = receiveSettle(c, m as ChannelUpdate, ctx.crypto);
      if (r instanceof HtlcError) return fail(s, r.message, ctx);
      const actions: ChannelAction[] = [];
      // A preimage is final the moment we see it (BOLT 2: the upstream HTLC can be claimed now).
      if (m.name === 'update_fulfill_htlc') {
        const updateId = nextUpdateId(s);
        const next = withHtlc(s, r.c);
        actions.push(
          { kind: 'update-monitor', update: { updateId, channelId: s.funding.channelId, steps: [{ kind: 'PaymentPreimage', preimage: m.msg.paymentPreimage }] } },
          { kind: 'htlc-fulfilled', htlc: r.htlc, preimage: m.msg.paymentPreimage },
        );
        return { state: { ...next, commitments: { ...next.commitments, latestMonitorUpdateId: updateId } }, actions };
      }
      return { state: withHtlc(s, r.c), actions };
    }
    case 'update_fee': {
      if (s.params.isOutbound) return fail(s, 'update_fee from the non-funder', ctx);
      if (m.msg.feeratePerKw < ctx.feerates.minAllowedRemote) return fail(s, `update_fee ${m.msg.feeratePerKw} sat/kW too low`, ctx);
      return { state: withHtlc(s, addFeeUpdate(c, { name: 'update_fee', msg: m.msg }, false)), actions: [] };
    }
    case 'commitment_signed':
      return onCommitmentSigned(s, m.msg, ctx);
    case 'revoke_and_ack':
      return onRevokeAndAck(s, m.msg, ctx);
    default:
      return undefined;
  }
}

/**
 * `commitment_signed`: check their signature of our next commitment and of each HTLC
 * transaction, hand the new commitment to the monitor, then revoke the previous one.
 */
function onCommitmentSigned(s: Normal, m: CommitmentSigned, ctx: StepContext): Step {
  const r = receiveCommit(s.commitments.htlc);
  if (r instanceof HtlcError) return fail(s, r.message, ctx);
  const point = ctx.signer.getPerCommitmentPoint(r.index);
  const tx = holderCommitmentFromSpec(s.params, s.funding.outpoint, r.spec, r.index, point, ctx.crypto);
  if (!ctx.signer.validateHolderCommitment(tx, m.signature, s.params.counterparty.pubkeys.fundingPubkey)) {
    return fail(s, 'Invalid commitment tx signature from peer', ctx);
  }
  // The HTLC key is derived on first read (an elliptic-curve tweak): handed over as a getter, it is
  // derived only when there is an HTLC signature to check.
  const bad = verifyHtlcTxSignatures(tx, m.htlcSignatures, () => tx.params.keys.countersignatoryHtlcPubkey, 'countersignatory', ctx.crypto);
  if (bad !== -1) return fail(s, `Invalid HTLC tx signature from peer (HTLC ${bad} of ${tx.htlcOutputs.length}, got ${m.htlcSignatures.length})`, ctx);
  const updateId = nextUpdateId(s);
  const revoke: RevokeAndAck = {
    channelId: s.funding.channelId,
    perCommitmentSecret: ctx.signer.releaseCommitmentSecret(r.index - 1n),
    nextPerCommitmentPoint: ctx.signer.getPerCommitmentPoint(r.index + 1n),
  };
  const next = withHtlc(s, r.c);
  return {
    state: { ...next, commitments: { ...next.commitments, latestMonitorUpdateId: updateId, holderCommitmentSig: m.signature } },
    actions: [
      {
        kind: 'update-monitor',
        update: { updateId, channelId: s.funding.channelId, steps: [{ kind: 'LatestHolderCommitment', commitment: holderCommitmentData(tx, point, m.signature, m.htlcSignatures) }] },
      },
      { kind: 'send', msg: { name: 'revoke_and_ack', msg: revoke } },
    ],
  };
}

/**
 * `revoke_and_ack`: the secret must be the one of their current commitment; the monitor stores
 * it (it is what lets us punish that commitment), then their updates become irrevocable.
 */
function onRevokeAndAck(s: Normal, m: RevokeAndAck, ctx: StepContext): Step {
  const c = s.commitments;
  if (!ctx.crypto.isValidSecretKey(m.perCommitmentSecret) || !ctx.crypto.isValidPublicKey(m.nextPerCommitmentPoint)) {
    return fail(s, 'revoke_and_ack with an invalid secret or point', ctx);
  }
  const derived = ctx.crypto.publicKey(m.perCommitmentSecret);
  if (derived.some((b, i) => b !== c.counterpartyCurrentPoint[i])) {
    return fail(s, 'Got a revoke commitment secret which didn\'t correspond to their current pubkey', ctx);
  }
  const revokedNumber = c.htlc.remoteCommitIndex;
  const r = receiveRevoke(c.htlc);
  if (r instanceof HtlcError) return fail(s, r.message, ctx);
  const updateId = nextUpdateId(s);
  const next = withHtlc(s, r.c);
  const adds = r.committed.filter((u) => u.name === 'update_add_htlc').map((u) => u.msg as UpdateAddHtlc);
  const settled = r.committed.filter((u) => u.name !== 'update_add_htlc' && u.name !== 'update_fee');
  return {
    state: {
      ...next,
      commitments: {
        ...next.commitments,
        latestMonitorUpdateId: updateId,
        counterpartyCurrentPoint: c.counterpartyNextPoint ?? c.counterpartyCurrentPoint,
        counterpartyNextPoint: m.nextPerCommitmentPoint,
        counterpartyLastSecret: m.perCommitmentSecret,
      },
    },
    actions: [
      {
        kind: 'update-monitor',
        update: { updateId, channelId: s.funding.channelId, steps: [{ kind: 'CommitmentSecret', commitmentNumber: revokedNumber, secret: m.perCommitmentSecret }] },
      },
      ...(adds.length > 0 || settled.length > 0 ? [{ kind: 'htlcs-committed' as const, adds, settled }] : []),
    ],
  };
}
