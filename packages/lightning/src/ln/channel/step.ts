/**
 * The channel's pure step: `(state, input, ctx) → { state, actions }`. Every transition of
 * `state.ts`'s table is dispatched here; the per-phase logic lives in `states/`.
 * @module
 */
import { assertNever } from '../../util/errors.js';
import { fromUtf8 } from '../../util/bytes.js';
import type { WireMessage } from '../msgs/index.js';
import { ChannelError, channelWarning } from './errors.js';
import { onCloseCommand, onClosingSigned, onShutdown, startNegotiation } from './states/close.js';
import { forceClose } from './states/force_close.js';
import { failUnfunded, onAcceptChannel, onFundingCreated, onFundingGenerated, onFundingSigned, acceptInbound, discard } from './states/opening.js';
import { checkReady, deferAnnouncementSigs, onBestBlock, onChannelReady, onFundingConfirmed, onFundingUnconfirmed } from './states/ready.js';
import { onAnnouncementSignatures } from './announcement.js';
import { onConnected, onDisconnected, onReestablish } from './states/reestablish.js';
import { onAddCommand, onFailCommand, onFulfillCommand, onNormalMessage, onSignCommand, onUpdateFeeCommand } from './states/normal.js';
import type { ChannelInput, ChannelState, FundedState, Step, StepContext } from './state.js';
import { isFunded } from './state.js';

function spendShape(tx: { readonly locktime: number; readonly inputs: ReadonlyArray<{ readonly sequence: number }> }): { locktime: number; sequence: number } {
  return { locktime: tx.locktime, sequence: tx.inputs[0]?.sequence ?? 0 };
}

/** Unfunded channels the peer leaves hanging are dropped after this many timer ticks (LDK: 60). */
export const UNFUNDED_CHANNEL_AGE_LIMIT_TICKS = 60;

function stay(s: ChannelState): Step {
  return { state: s, actions: [] };
}

/** An input that makes no sense in this state. */
function unexpected(s: ChannelState, what: string, channelId: Uint8Array | undefined): Step {
  if (!channelId) return stay(s);
  return { state: s, actions: [{ kind: 'peer-error', error: channelWarning(channelId, `Got ${what} in state ${s.kind}`) }] };
}

function channelIdOf(s: ChannelState): Uint8Array | undefined {
  switch (s.kind) {
    case 'WaitForAcceptChannel':
    case 'WaitForFundingTx':
    case 'WaitForFundingCreated':
      return s.params.temporaryChannelId;
    case 'WaitForAcceptance':
      return s.open.temporaryChannelId;
    case 'WaitForFundingSigned':
      return s.funding.channelId;
    case 'Offline':
    case 'Syncing':
      return s.inner.funding.channelId;
    case 'Closed':
      return undefined;
    default:
      return s.funding.channelId;
  }
}

/**
 * One transition. Never throws on peer input: a `ChannelError` found while handling it becomes a
 * closed (or warned) channel with the matching actions.
 */
export function step(s: ChannelState, input: ChannelInput, ctx: StepContext): Step | ChannelError {
  switch (input.kind) {
    case 'message':
      return onMessage(s, input.msg, ctx);
    case 'funding-generated':
      if (s.kind !== 'WaitForFundingTx') return new ChannelError(channelIdOf(s) ?? new Uint8Array(32), 'channel is not waiting for a funding transaction', 'ignore');
      return onFundingGenerated(s, input.tx, input.outputIndex, ctx);
    case 'accept-inbound':
      if (s.kind !== 'WaitForAcceptance') return new ChannelError(channelIdOf(s) ?? new Uint8Array(32), 'channel is not waiting for acceptance', 'ignore');
      return acceptInbound(
        s.open,
        s.channelType,
        s.theirs,
        s.announce,
        { counterpartyNodeId: ctx.theirNodeId, keysId: ctx.signer.keysId, userChannelId: input.userChannelId, scidAlias: ctx.newScidAlias },
        input.zeroConf,
        ctx,
      );
    case 'funding-confirmed': {
      const f = funded(s);
      if (!f) return stay(s);
      return rewrap(s, onFundingConfirmed(f, input.confirmation, withHeight(ctx, input.confirmation.height)));
    }
    case 'funding-unconfirmed': {
      const f = funded(s);
      if (!f) return stay(s);
      return rewrap(s, onFundingUnconfirmed(f, ctx));
    }
    case 'best-block': {
      const f = funded(s);
      if (!f) return stay(s);
      // While offline or before channel_reestablish, announcement_signatures waits for the reestablish.
      return rewrap(s, onBestBlock(f, withHeight(ctx, input.height), s === f));
    }
    case 'funding-spent': {
      const f = funded(s);
      if (!f) return stay(s);
      // A mutual close confirmed: ours (Closing), or one the peer finished while our last
      // closing_signed was in flight. Commitment transactions carry the obscured commitment number
      // in locktime/sequence (BOLT 3: upper bytes 0x20 / 0x80); a legacy closing tx has 0 / final.
      const spend = spendShape(input.tx);
      const mutual = f.kind === 'Closing' || ((f.kind === 'Negotiating' || f.kind === 'ShutdownPending') && spend.locktime === 0 && spend.sequence === 0xffffffff);
      const coop = mutual;
      const reason =
        f.kind === 'Closing'
          ? f.reason
          : mutual && 'close' in f
            ? f.close.initiator === 'local'
              ? { kind: 'LocallyInitiatedCooperativeClosure' as const }
              : { kind: 'CounterpartyInitiatedCooperativeClosure' as const }
            : { kind: 'CommitmentTxConfirmed' as const };
      if (coop) {
        return {
          state: { kind: 'Closed', reason },
          actions: [
            {
              kind: 'update-monitor',
              update: { updateId: f.commitments.latestMonitorUpdateId + 1n, channelId: f.funding.channelId, steps: [{ kind: 'ChannelForceClosed', shouldBroadcast: false }] },
            },
            {
              kind: 'event',
              event: {
                kind: 'ChannelClosed',
                channelId: f.funding.channelId,
                userChannelId: f.params.userChannelId,
                reason,
                counterpartyNodeId: f.params.counterpartyNodeId,
                channelCapacitySats: f.params.valueSat,
              },
            },
          ],
        };
      }
      return forceClose(f, reason, ctx, undefined, false);
    }
    case 'close': {
      const f = s.kind === 'Normal' || s.kind === 'WaitForChannelReady' ? s : undefined;
      if (!f) return new ChannelError(channelIdOf(s) ?? new Uint8Array(32), `cannot close cooperatively in state ${s.kind}`, 'ignore');
      return onCloseCommand(f, input.targetFeeratePerKw, input.shutdownScript, ctx);
    }
    case 'force-close': {
      const f = funded(s);
      if (!f) {
        const id = channelIdOf(s);
        if (!id) return stay(s);
        return failUnfunded(new ChannelError(id, 'Channel force-closed'), s.kind === 'WaitForFundingSigned' ? discard(s) : []);
      }
      return forceClose(f, input.reason, ctx, new ChannelError(f.funding.channelId, 'Channel force-closed'), input.broadcast ?? true);
    }
    case 'disconnected':
      return onDisconnected(s);
    case 'connected':
      return onConnected(s, ctx);
    case 'timer-tick':
      return onTimer(s);
    case 'add-htlc':
    case 'fulfill-htlc':
    case 'fail-htlc':
    case 'update-fee':
    case 'sign': {
      if (s.kind !== 'Normal' && s.kind !== 'ShutdownPending') {
        return new ChannelError(channelIdOf(s) ?? new Uint8Array(32), `channel is not usable (${s.kind})`, 'ignore');
      }
      let r: Step | ChannelError;
      if (input.kind === 'add-htlc') r = onAddCommand(s, input.add);
      else if (input.kind === 'fulfill-htlc') r = onFulfillCommand(s, input.id, input.preimage, ctx);
      else if (input.kind === 'fail-htlc') r = onFailCommand(s, input.update);
      else if (input.kind === 'update-fee') r = onUpdateFeeCommand(s, input.feeratePerKw);
      else r = onSignCommand(s, ctx);
      return r instanceof ChannelError ? r : afterDance(r, ctx);
    }
    default:
      return assertNever(input, 'channel input');
  }
}

function withHeight(ctx: StepContext, h: number): StepContext {
  return h > ctx.bestHeight ? { ...ctx, bestHeight: h } : ctx;
}

/** The funded state, looking through `Offline`/`Syncing` (chain events apply while offline too). */
function funded(s: ChannelState): FundedState | undefined {
  if (s.kind === 'Offline' || s.kind === 'Syncing') return s.inner;
  return isFunded(s) ? s : undefined;
}

/** Puts a funded result back inside `Offline`/`Syncing`, holding back messages to an absent peer. */
function rewrap(outer: ChannelState, r: Step): Step {
  if (outer.kind !== 'Offline' && outer.kind !== 'Syncing') return r;
  if (!isFunded(r.state)) return { state: r.state, actions: r.actions.filter((a) => a.kind !== 'send' && a.kind !== 'peer-error') };
  // channel_ready and the like are regenerated by channel_reestablish; nothing goes out while offline.
  return { state: { kind: outer.kind, inner: r.state }, actions: r.actions.filter((a) => a.kind !== 'send') };
}

function onTimer(s: ChannelState): Step {
  switch (s.kind) {
    case 'WaitForAcceptChannel':
    case 'WaitForAcceptance':
    case 'WaitForFundingTx':
    case 'WaitForFundingCreated':
    case 'WaitForFundingSigned': {
      const ticks = s.ticks + 1;
      if (ticks >= UNFUNDED_CHANNEL_AGE_LIMIT_TICKS) {
        const id = channelIdOf(s)!;
        return {
          state: { kind: 'Closed', reason: { kind: 'FundingTimedOut' } },
          actions: [...(s.kind === 'WaitForFundingSigned' ? discard(s) : []), { kind: 'peer-error', error: new ChannelError(id, 'Channel was not funded in time') }],
        };
      }
      return { state: { ...s, ticks } as ChannelState, actions: [] };
    }
    default:
      return stay(s);
  }
}

function onMessage(s: ChannelState, m: WireMessage, ctx: StepContext): Step {
  const id = channelIdOf(s);
  if (m.name === 'error') {
    const text = fromUtf8(m.msg.data).replace(/[^\x20-\x7e]/g, '?');
    const f = funded(s);
    // BOLT 1: on `error` the channel fails; we broadcast our latest commitment (BOLT 5).
    if (f) return forceClose(f, { kind: 'CounterpartyForceClosed', peerMsg: text }, ctx, undefined);
    return { state: { kind: 'Closed', reason: { kind: 'CounterpartyForceClosed', peerMsg: text } }, actions: s.kind === 'WaitForFundingSigned' ? discard(s) : [] };
  }
  switch (s.kind) {
    case 'WaitForAcceptChannel':
      return m.name === 'accept_channel' ? onAcceptChannel(s, m.msg, ctx) : unexpected(s, m.name, id);
    case 'WaitForFundingCreated':
      return m.name === 'funding_created' ? afterFundingCreated(onFundingCreated(s, m.msg, ctx), ctx) : unexpected(s, m.name, id);
    case 'WaitForFundingSigned':
      if (m.name === 'funding_signed') {
        const r = onFundingSigned(s, m.msg, ctx);
        return r.state.kind === 'WaitForChannelReady' ? checkReady(r.state, ctx, [...r.actions]) : r;
      }
      return unexpected(s, m.name, id);
    case 'WaitForAcceptance':
    case 'WaitForFundingTx':
      return unexpected(s, m.name, id);
    case 'Offline':
      return stay(s);
    case 'Syncing':
      if (m.name === 'channel_reestablish') return onReestablish(s, m.msg, ctx);
      return unexpected(s, `${m.name} before channel_reestablish`, id);
    case 'Closed':
      return stay(s);
    case 'WaitForChannelReady':
    case 'Normal':
    case 'ShutdownPending':
    case 'Negotiating':
    case 'Closing':
      return onFundedMessage(s, m, ctx);
    default:
      return assertNever(s, 'channel state');
  }
}

/** In `ShutdownPending`, closing negotiation starts once the last HTLC has cleared. */
function afterDance(r: Step, ctx: StepContext): Step {
  return r.state.kind === 'ShutdownPending' ? startNegotiation(r.state, ctx, [...r.actions]) : r;
}

function onFundedMessage(s: FundedState, m: WireMessage, ctx: StepContext): Step {
  if (s.kind === 'Normal' || s.kind === 'ShutdownPending') {
    const r = onNormalMessage(s, m, ctx);
    if (r) return afterDance(r, ctx);
  }
  switch (m.name) {
    case 'channel_ready':
      return onChannelReady(s, m.msg, ctx);
    case 'announcement_signatures':
      if (s.kind === 'Normal') return onAnnouncementSignatures(s, m.msg, ctx);
      // Before our channel_ready: deferred (BOLT 7). After shutdown there is nothing to announce.
      return deferAnnouncementSigs(s, m.msg);
    case 'shutdown':
      return onShutdown(s, m.msg, ctx);
    case 'closing_signed':
      return onClosingSigned(s, m.msg, ctx);
    case 'channel_reestablish':
      // A reestablish outside Syncing: the peer reconnected without us noticing; ignore.
      return stay(s);
    case 'warning':
      return stay(s);
    default:
      return unexpected(s, m.name, s.funding.channelId);
  }
}

/** After the fundee's `funding_created` handling, a zero-conf channel sends `channel_ready` at once. */
export function afterFundingCreated(r: Step, ctx: StepContext): Step {
  return r.state.kind === 'WaitForChannelReady' ? checkReady(r.state, ctx, [...r.actions]) : r;
}
