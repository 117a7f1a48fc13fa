/**
 * Failing a funded channel (BOLT 5 §"Failing a Channel"): the monitor is told the channel is
 * closed (and, unless the peer or the chain already decided, to broadcast our latest
 * commitment), the peer gets an `error`, the user a `ChannelClosed`.
 * @module
 */
import type { ClosureReason } from '../../../util/events.js';
import type { ChannelError } from '../errors.js';
import type { ChannelAction, FundedState, StepContext, Step } from '../state.js';

/** Closes `s` unilaterally. */
export function forceClose(
  s: FundedState,
  reason: ClosureReason,
  _ctx: StepContext,
  tellPeer: ChannelError | undefined,
  broadcast = true,
): Step {
  const updateId = s.commitments.latestMonitorUpdateId + 1n;
  const actions: ChannelAction[] = [
    {
      kind: 'update-monitor',
      update: { updateId, channelId: s.funding.channelId, steps: [{ kind: 'ChannelForceClosed', shouldBroadcast: broadcast }] },
    },
  ];
  if (tellPeer) actions.push({ kind: 'peer-error', error: tellPeer });
  actions.push({
    kind: 'event',
    event: {
      kind: 'ChannelClosed',
      channelId: s.funding.channelId,
      userChannelId: s.params.userChannelId,
      reason,
      counterpartyNodeId: s.params.counterpartyNodeId,
      channelCapacitySats: s.params.valueSat,
    },
  });
  return { state: { kind: 'Closed', reason }, actions };
}
