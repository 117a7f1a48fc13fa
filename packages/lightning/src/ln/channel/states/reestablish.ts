/**
 * Reconnection, BOLT 2 §"Message Retransmission": on disconnect a funded channel goes `Offline`
 * (unfunded ones are forgotten); on reconnect it sends `channel_reestablish` and waits for the
 * peer's (`Syncing`), checks it with `option_data_loss_protect`, then retransmits what the peer
 * may have missed (`channel_ready`, `shutdown`, BOLT 7 `announcement_signatures`) and restarts
 * closing negotiation.
 * @module
 */
import { equalBytes, isZero } from '../../../util/bytes.js';
import type { ChannelReestablish } from '../../msgs/bolt02.js';
import type { WireMessage } from '../../msgs/index.js';
import { announcementSigsOnDisconnect, maybeSendAnnouncementSigs } from '../announcement.js';
import { counterpartyCommitmentFromSpec } from '../commitments.js';
import { ChannelError } from '../errors.js';
import { dropUnsignedUpdates } from '../htlc/commitments.js';
import type { ChannelAction, ChannelState, FundedState, Step, StepContext } from '../state.js';
import { startNegotiation } from './close.js';
import { forceClose } from './force_close.js';
import { ourChannelReady } from './ready.js';

/** Our `channel_reestablish` for a funded channel. */
export function ourReestablish(s: FundedState, ctx: StepContext): ChannelReestablish {
  const c = s.commitments;
  return {
    channelId: s.funding.channelId,
    nextCommitmentNumber: c.holderCommitmentNumber + 1n,
    nextRevocationNumber: c.counterpartyCommitmentNumber,
    yourLastPerCommitmentSecret: c.counterpartyLastSecret ?? new Uint8Array(32),
    myCurrentPerCommitmentPoint: ctx.signer.getPerCommitmentPoint(c.holderCommitmentNumber),
  };
}

/** The peer disconnected. */
export function onDisconnected(s: ChannelState): Step {
  switch (s.kind) {
    case 'Offline':
    case 'Closed':
      return { state: s, actions: [] };
    case 'Syncing':
      return { state: { kind: 'Offline', inner: s.inner }, actions: [] };
    case 'Normal':
    case 'ShutdownPending': {
      const d = dropUnsignedUpdates(s.commitments.htlc);
      const kept = { ...s, commitments: { ...s.commitments, htlc: d.c } };
      // What we sent on this connection must be sent again on the next (BOLT 7 announcement_signatures).
      const inner = kept.kind === 'Normal' ? { ...kept, announcementSigs: announcementSigsOnDisconnect(kept.announcementSigs) } : kept;
      return { state: { kind: 'Offline', inner }, actions: d.droppedAdds.length ? [{ kind: 'htlcs-dropped', adds: d.droppedAdds }] : [] };
    }
    case 'WaitForChannelReady':
    case 'Closing':
      return { state: { kind: 'Offline', inner: s }, actions: [] };
    case 'Negotiating': {
      // BOLT 2: negotiation restarts from scratch after reconnecting.
      const { negotiation: _n, ...rest } = s;
      return { state: { kind: 'Offline', inner: { ...rest, kind: 'ShutdownPending' } }, actions: [] };
    }
    default: {
      // BOLT 2: a channel without a funding output is forgotten when the peer disconnects.
      const actions: ChannelAction[] = [];
      if (s.kind === 'WaitForFundingSigned' && s.funding.tx) {
        actions.push({ kind: 'event', event: { kind: 'DiscardFunding', channelId: s.funding.channelId, tx: new Uint8Array(0) } });
      }
      return { state: { kind: 'Closed', reason: { kind: 'DisconnectedPeer' } }, actions };
    }
  }
}

/** The peer reconnected: send `channel_reestablish`. */
export function onConnected(s: ChannelState, ctx: StepContext): Step {
  if (s.kind !== 'Offline') return { state: s, actions: [] };
  return {
    state: { kind: 'Syncing', inner: s.inner },
    actions: [{ kind: 'send', msg: { name: 'channel_reestablish', msg: ourReestablish(s.inner, ctx) } }],
  };
}

/** The peer's `channel_reestablish` (BOLT 2 receiver requirements, with `option_data_loss_protect`). */
export function onReestablish(s: Extract<ChannelState, { kind: 'Syncing' }>, m: ChannelReestablish, ctx: StepContext): Step {
  const inner = s.inner;
  const id = inner.funding.channelId;
  const c = inner.commitments;
  if (!equalBytes(m.channelId, id)) return { state: s, actions: [] };
  // What they expect us to revoke next must be our current commitment.
  if (m.nextRevocationNumber > c.holderCommitmentNumber) {
    // They claim a state we do not have. If their proof (our secret for the commitment before
    // the one they expect us to revoke) is right, we lost data: never broadcast our stale
    // commitment (it would be punished); let the peer close (BOLT 2 data_loss_protect).
    const proofIdx = m.nextRevocationNumber - 1n;
    const proofOk = !isZero(m.yourLastPerCommitmentSecret) && equalBytes(m.yourLastPerCommitmentSecret, ctx.signer.releaseCommitmentSecret(proofIdx));
    const why = proofOk ? 'We have fallen behind: the peer proved a newer state than ours' : 'Peer sent a channel_reestablish for a state it cannot prove';
    return forceClose(inner, { kind: 'ProcessingError', err: why }, ctx, new ChannelError(id, why), !proofOk);
  }
  if (m.nextRevocationNumber + 1n < c.holderCommitmentNumber) {
    const why = 'Peer is behind by more than one revocation: it lost data';
    return forceClose(inner, { kind: 'ProcessingError', err: why }, ctx, new ChannelError(id, why));
  }
  // Their claim about our last revealed secret must be right when they give one.
  if (c.holderCommitmentNumber > 0n && m.nextRevocationNumber > 0n && !isZero(m.yourLastPerCommitmentSecret)) {
    const expect = ctx.signer.releaseCommitmentSecret(m.nextRevocationNumber - 1n);
    if (!equalBytes(expect, m.yourLastPerCommitmentSecret)) {
      const why = 'Peer sent a garbage channel_reestablish (your_last_per_commitment_secret)';
      return forceClose(inner, { kind: 'ProcessingError', err: why }, ctx, new ChannelError(id, why));
    }
  }
  const h = c.htlc;
  // What they expect us to sign next: our outstanding commitment_signed (remoteNext) was lost
  // if they still expect its number; anything else is a state we cannot have.
  const theirExpectedCommit = m.nextCommitmentNumber;
  const lostCommit = h.remoteNext !== undefined && theirExpectedCommit === h.remoteCommitIndex + 1n;
  const okCommit = h.remoteNext !== undefined ? theirExpectedCommit === h.remoteCommitIndex + 1n || theirExpectedCommit === h.remoteCommitIndex + 2n : theirExpectedCommit === h.remoteCommitIndex + 1n;
  if (!okCommit) {
    const why = `Peer's next_commitment_number ${m.nextCommitmentNumber} is inconsistent with ours`;
    return forceClose(inner, { kind: 'ProcessingError', err: why }, ctx, new ChannelError(id, why));
  }
  const lostRevoke = c.holderCommitmentNumber > 0n && m.nextRevocationNumber === c.holderCommitmentNumber - 1n;
  const actions: ChannelAction[] = [];
  // BOLT 2: if next_commitment_number is 1 in both messages, retransmit channel_ready.
  const bothAtOne = m.nextCommitmentNumber === 1n && c.holderCommitmentNumber === 0n;
  const readySent = inner.kind === 'WaitForChannelReady' ? inner.ourReadySent : true;
  if (bothAtOne && readySent && inner.kind !== 'Closing') {
    actions.push({ kind: 'send', msg: { name: 'channel_ready', msg: ourChannelReady(inner, ctx) } });
  }
  // Retransmit, in the order first sent (BOLT 2), the revocation and/or the commitment_signed
  // (with the updates it covers) the peer missed.
  const resendRevoke = (): void => {
    actions.push({
      kind: 'send',
      msg: {
        name: 'revoke_and_ack',
        msg: {
          channelId: id,
          perCommitmentSecret: ctx.signer.releaseCommitmentSecret(c.holderCommitmentNumber - 1n),
          nextPerCommitmentPoint: ctx.signer.getPerCommitmentPoint(c.holderCommitmentNumber + 1n),
        },
      },
    });
  };
  const resendCommit = (): void => {
    for (const u of h.localChanges.signed) actions.push({ kind: 'send', msg: u as WireMessage });
    const point = c.counterpartyNextPoint!;
    const tx = counterpartyCommitmentFromSpec(inner.params, inner.funding.outpoint, h.remoteNext!, h.remoteCommitIndex + 1n, point, ctx.crypto);
    const sigs = ctx.signer.signCounterpartyCommitment(tx, point);
    actions.push({ kind: 'send', msg: { name: 'commitment_signed', msg: { channelId: id, signature: sigs.signature, htlcSignatures: sigs.htlcSignatures } } });
  };
  if (lostRevoke && lostCommit) {
    if (h.remoteNextSentAtLocalIndex === c.holderCommitmentNumber) {
      resendRevoke();
      resendCommit();
    } else {
      resendCommit();
      resendRevoke();
    }
  } else if (lostRevoke) resendRevoke();
  else if (lostCommit) resendCommit();
  // Our unsigned fulfills and fails survive the disconnect: send them again.
  for (const u of h.localChanges.proposed) actions.push({ kind: 'send', msg: u as WireMessage });
  if (inner.kind === 'ShutdownPending' && inner.close.localShutdown) {
    actions.push({ kind: 'send', msg: { name: 'shutdown', msg: inner.close.localShutdown } });
    return startNegotiation(inner, ctx, actions);
  }
  if (inner.kind === 'Normal') {
    // BOLT 7 "Upon reconnection": ours again unless we have theirs. Blocks that arrived while we
    // were offline may have marked ours sent without it leaving, hence the reset.
    return maybeSendAnnouncementSigs({ ...inner, announcementSigs: announcementSigsOnDisconnect(inner.announcementSigs) }, ctx, actions);
  }
  return { state: inner, actions };
}
