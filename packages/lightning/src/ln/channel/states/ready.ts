/**
 * From a funded channel to a usable one, BOLT 2 §"The channel_ready Message": wait for
 * `minimum_depth` confirmations (none for zero-conf), send `channel_ready` with our next
 * per-commitment point and an scid alias, and become `Normal` once the peer's arrives too.
 * Also the fundee's funding timeout (BOLT 2: forget a channel whose funding never confirms in
 * 2016 blocks) and losing the funding transaction to a reorg.
 * @module
 */
import type { ChannelReady } from '../../msgs/bolt02.js';
import type { AnnouncementSignatures } from '../../msgs/bolt07.js';
import { maybeSendAnnouncementSigs, NOT_EXCHANGED, onAnnouncementSignatures } from '../announcement.js';
import { describeChannelType } from '../channel_type.js';
import { ChannelError } from '../errors.js';
import type { ChannelAction, FundedState, FundingConfirmation, StepContext, Step } from '../state.js';
import { forceClose } from './force_close.js';

type WaitReady = Extract<FundedState, { kind: 'WaitForChannelReady' }>;

/** BOLT 2: the fundee forgets a channel whose funding has not confirmed after this many blocks. */
export const FUNDING_CONF_DEADLINE_BLOCKS = 2016;

/** The `short_channel_id` of the funding output (BOLT 7 §"Definition of short_channel_id"). */
export function shortChannelIdOf(conf: FundingConfirmation, vout: number): bigint {
  return (BigInt(conf.height) << 40n) | (BigInt(conf.txIndex) << 16n) | BigInt(vout);
}

/** Confirmations of the funding transaction at `bestHeight` (0 when unconfirmed). */
export function fundingDepth(s: FundedState, bestHeight: number): number {
  return s.confirmation ? Math.max(0, bestHeight - s.confirmation.height + 1) : 0;
}

/** Our `channel_ready` for this channel. */
export function ourChannelReady(s: FundedState, ctx: StepContext): ChannelReady {
  return {
    channelId: s.funding.channelId,
    secondPerCommitmentPoint: ctx.signer.getPerCommitmentPoint(1n),
    shortChannelIdAlias: s.params.ourScidAlias,
  };
}

/** Sends `channel_ready` when the depth is reached, and moves to `Normal` when both were sent. */
export function checkReady(s: WaitReady, ctx: StepContext, actions: ChannelAction[] = []): Step {
  let st = s;
  if (!st.ourReadySent && fundingDepth(st, ctx.bestHeight) >= st.params.minimumDepth) {
    actions.push({ kind: 'send', msg: { name: 'channel_ready', msg: ourChannelReady(st, ctx) } });
    st = { ...st, ourReadySent: true };
  }
  if (st.ourReadySent && st.theirReady) {
    const theirs = st.theirReady;
    actions.push({
      kind: 'event',
      event: {
        kind: 'ChannelReady',
        channelId: st.funding.channelId,
        userChannelId: st.params.userChannelId,
        counterpartyNodeId: st.params.counterpartyNodeId,
        channelType: describeChannelType(st.params.channelType),
      },
    });
    const normal: Extract<FundedState, { kind: 'Normal' }> = {
      kind: 'Normal',
      params: st.params,
      funding: st.funding,
      commitments: { ...st.commitments, counterpartyNextPoint: theirs.secondPerCommitmentPoint },
      confirmation: st.confirmation,
      theirScidAlias: theirs.shortChannelIdAlias,
      announcementSigs: NOT_EXCHANGED,
    };
    // A public channel already 6 deep (minimum_depth >= 6) announces at once; the peer's
    // signatures that came before our channel_ready are handled now (BOLT 7: deferred).
    const r = maybeSendAnnouncementSigs(normal, ctx, actions);
    const deferred = st.deferredAnnouncementSigs;
    if (!deferred || r.state.kind !== 'Normal') return r;
    const d = onAnnouncementSignatures(r.state, deferred, ctx);
    return { state: d.state, actions: [...r.actions, ...d.actions] };
  }
  return { state: st, actions };
}

/** The peer's `announcement_signatures` before the channel is usable: kept for later (BOLT 7 "SHOULD defer"). */
export function deferAnnouncementSigs(s: FundedState, m: AnnouncementSignatures): Step {
  if (s.kind !== 'WaitForChannelReady') return { state: s, actions: [] };
  return { state: { ...s, deferredAnnouncementSigs: m }, actions: [] };
}

/** `channel_ready` from the peer. */
export function onChannelReady(s: FundedState, m: ChannelReady, ctx: StepContext): Step {
  if (s.kind === 'WaitForChannelReady') {
    if (!ctx.crypto.isValidPublicKey(m.secondPerCommitmentPoint)) {
      return forceClose(s, { kind: 'ProcessingError', err: 'invalid second_per_commitment_point' }, ctx, new ChannelError(s.funding.channelId, 'invalid second_per_commitment_point'));
    }
    return checkReady({ ...s, theirReady: m }, ctx);
  }
  // A retransmission after reconnecting (BOLT 2 §"Message Retransmission") changes nothing.
  return { state: s, actions: [] };
}

/** A block with the funding transaction at `conf`. */
export function onFundingConfirmed(s: FundedState, conf: FundingConfirmation, ctx: StepContext): Step {
  const st = { ...s, confirmation: conf } as FundedState;
  return st.kind === 'WaitForChannelReady' ? checkReady(st, ctx) : { state: st, actions: [] };
}

/**
 * The chain tip moved: maybe the depth is reached (`channel_ready`, or for a public channel
 * `announcement_signatures`), or the fundee's deadline passed. `connected` is false while the
 * channel is offline or not yet reestablished: the announcement waits for `channel_reestablish`.
 */
export function onBestBlock(s: FundedState, ctx: StepContext, connected = true): Step {
  if (s.kind === 'Normal') return connected ? maybeSendAnnouncementSigs(s, ctx) : { state: s, actions: [] };
  if (s.kind !== 'WaitForChannelReady') return { state: s, actions: [] };
  if (!s.confirmation && !s.params.isOutbound && s.params.minimumDepth > 0 && ctx.bestHeight - s.params.createdAtHeight >= FUNDING_CONF_DEADLINE_BLOCKS) {
    return forceClose(s, { kind: 'FundingTimedOut' }, ctx, new ChannelError(s.funding.channelId, 'Funding transaction not confirmed in time'), false);
  }
  return checkReady(s, ctx);
}

/** The funding transaction left the best chain. */
export function onFundingUnconfirmed(s: FundedState, ctx: StepContext): Step {
  if (s.kind === 'WaitForChannelReady' && !s.ourReadySent) return { state: { ...s, confirmation: undefined }, actions: [] };
  if (s.params.minimumDepth === 0 && !s.confirmation) return { state: s, actions: [] };
  // A channel in use whose funding was reorged out is unsafe to keep (LDK closes it too).
  return forceClose(s, { kind: 'ProcessingError', err: 'Funding transaction was un-confirmed' }, ctx, new ChannelError(s.funding.channelId, 'Funding transaction was un-confirmed'));
}
