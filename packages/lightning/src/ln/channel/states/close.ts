/**
 * Cooperative close, BOLT 2 §"Channel Close": `shutdown` both ways (§"Closing Initiation"), then
 * `closing_signed` fee negotiation with `fee_range` (§"Closing Negotiation: closing_signed"), then
 * the closing transaction (BOLT 3 §"Legacy Closing Transaction") is broadcast and the channel
 * waits for it to spend the funding output.
 * @module
 */
import type { Transaction } from '../../../bitcoin/tx.js';
import { weight } from '../../../bitcoin/serialize.js';
import { equalBytes } from '../../../util/bytes.js';
import { buildClosingTx } from '../../chan_utils/closing.js';
import { finalizeFundingSpend, verifyFundingSpend } from '../../chan_utils/signing.js';
import type { ClosingSigned, Shutdown } from '../../msgs/bolt02.js';
import { ChannelError, channelWarning } from '../errors.js';
import { isAcceptableShutdownScript } from '../params.js';
import type { ChannelAction, CloseState, FundedState, Negotiation, Step, StepContext } from '../state.js';
import { forceClose } from './force_close.js';

type Pending = Extract<FundedState, { kind: 'ShutdownPending' }>;
type Negotiating = Extract<FundedState, { kind: 'Negotiating' }>;

function anySegwit(ctx: StepContext): boolean {
  return ctx.theirFeatures.supports('option_shutdown_anysegwit') && ctx.ourFeatures.supports('option_shutdown_anysegwit');
}

/** The script we close to: the upfront one if we committed to it (BOLT 2 requires it). */
function ourCloseScript(s: FundedState, requested: Uint8Array | undefined, ctx: StepContext): Uint8Array | ChannelError {
  const upfront = s.params.holder.upfrontShutdownScript;
  if (upfront && upfront.length > 0) {
    if (requested && !equalBytes(requested, upfront)) {
      return new ChannelError(s.funding.channelId, 'shutdown script differs from our upfront_shutdown_script', 'ignore');
    }
    return upfront;
  }
  return requested ?? ctx.shutdownScript;
}

/** The user asks to close cooperatively: send `shutdown`. */
export function onCloseCommand(s: FundedState, targetFeeratePerKw: number | undefined, script: Uint8Array | undefined, ctx: StepContext): Step | ChannelError {
  if (s.kind !== 'Normal' && s.kind !== 'WaitForChannelReady') {
    return new ChannelError(s.funding.channelId, `cannot start a cooperative close in state ${s.kind}`, 'ignore');
  }
  const ours = ourCloseScript(s, script, ctx);
  if (ours instanceof ChannelError) return ours;
  if (!isAcceptableShutdownScript(ours, anySegwit(ctx))) {
    return new ChannelError(s.funding.channelId, 'shutdown script is not one BOLT 2 allows', 'ignore');
  }
  const shutdown: Shutdown = { channelId: s.funding.channelId, scriptpubkey: ours };
  const updateId = s.commitments.latestMonitorUpdateId + 1n;
  const next: Pending = {
    kind: 'ShutdownPending',
    params: s.params,
    funding: s.funding,
    commitments: { ...s.commitments, latestMonitorUpdateId: updateId },
    confirmation: s.confirmation,
    close: { initiator: 'local', localShutdown: shutdown, remoteShutdown: undefined, targetFeeratePerKw },
  };
  return {
    state: next,
    actions: [
      { kind: 'update-monitor', update: { updateId, channelId: s.funding.channelId, steps: [{ kind: 'ShutdownScript', script: ours }] } },
      { kind: 'send', msg: { name: 'shutdown', msg: shutdown } },
    ],
  };
}

/** `shutdown` from the peer (BOLT 2 §"Closing Initiation: shutdown", receiver requirements). */
export function onShutdown(s: FundedState, m: Shutdown, ctx: StepContext): Step {
  const id = s.funding.channelId;
  if (s.kind === 'Negotiating' || s.kind === 'Closing') return { state: s, actions: [] };
  if (!isAcceptableShutdownScript(m.scriptpubkey, anySegwit(ctx))) {
    return { state: s, actions: [{ kind: 'peer-error', error: channelWarning(id, 'Got a nonstandard scriptpubkey in shutdown') }] };
  }
  const theirUpfront = s.params.counterparty.upfrontShutdownScript;
  if (theirUpfront && theirUpfront.length > 0 && !equalBytes(theirUpfront, m.scriptpubkey)) {
    return forceClose(s, { kind: 'ProcessingError', err: 'shutdown script differs from upfront_shutdown_script' }, ctx, new ChannelError(id, 'Got shutdown request with a scriptpubkey which did not match their previous scriptpubkey'));
  }
  const actions: ChannelAction[] = [];
  let close: CloseState;
  let commitments = s.commitments;
  if (s.kind === 'ShutdownPending') {
    close = { ...s.close, remoteShutdown: m };
  } else {
    const ours = ourCloseScript(s, undefined, ctx) as Uint8Array;
    const shutdown: Shutdown = { channelId: id, scriptpubkey: ours };
    const updateId = s.commitments.latestMonitorUpdateId + 1n;
    commitments = { ...commitments, latestMonitorUpdateId: updateId };
    actions.push(
      { kind: 'update-monitor', update: { updateId, channelId: id, steps: [{ kind: 'ShutdownScript', script: ours }] } },
      { kind: 'send', msg: { name: 'shutdown', msg: shutdown } },
    );
    close = { initiator: 'remote', localShutdown: shutdown, remoteShutdown: m, targetFeeratePerKw: undefined };
  }
  const pending: Pending = { kind: 'ShutdownPending', params: s.params, funding: s.funding, commitments, confirmation: s.confirmation, close };
  return startNegotiation(pending, ctx, actions);
}

/** Both `shutdown`s are exchanged and no HTLC is pending: the funder proposes the first fee. */
export function startNegotiation(s: Pending, ctx: StepContext, actions: ChannelAction[] = []): Step {
  if (!s.close.localShutdown || !s.close.remoteShutdown) return { state: s, actions };
  // BOLT 2: closing_signed only once no HTLC remains in either commitment.
  const h = s.commitments.htlc;
  const pending = h.localSpec.htlcs.length + h.remoteSpec.htlcs.length + h.localChanges.proposed.length + h.localChanges.signed.length + h.remoteChanges.proposed.length + h.remoteChanges.acked.length;
  if (pending > 0 || h.remoteNext) return { state: s, actions };
  const weightEstimate = closingWeight(s);
  const feerateMin = Math.max(253, ctx.feerates.closeMinimum);
  const target = Math.max(feerateMin, s.close.targetFeeratePerKw ?? ctx.feerates.closeTarget);
  const funderSat = (s.params.isOutbound ? s.commitments.holderBalanceMsat : s.commitments.counterpartyBalanceMsat) / 1000n;
  const ourMinFeeSat = (BigInt(feerateMin) * BigInt(weightEstimate)) / 1000n;
  const proposal = (BigInt(target) * BigInt(weightEstimate)) / 1000n;
  // The funder pays: it caps what it offers; the fundee pays nothing and accepts up to the funder's balance.
  let ourMaxFeeSat = s.params.isOutbound ? proposal + ctx.config.channelConfig.forceCloseAvoidanceMaxFeeSatoshis : funderSat;
  if (ourMaxFeeSat > funderSat) ourMaxFeeSat = funderSat;
  const negotiation: Negotiation = {
    lastSent: undefined,
    lastReceived: undefined,
    ourMinFeeSat: ourMinFeeSat > ourMaxFeeSat ? ourMaxFeeSat : ourMinFeeSat,
    ourMaxFeeSat,
  };
  const n: Negotiating = { ...s, kind: 'Negotiating', negotiation };
  if (!s.params.isOutbound) return { state: n, actions };
  const fee = clamp(proposal, negotiation.ourMinFeeSat, negotiation.ourMaxFeeSat);
  const sent = signProposal(n, fee, negotiation.ourMinFeeSat, negotiation.ourMaxFeeSat, ctx);
  actions.push({ kind: 'send', msg: { name: 'closing_signed', msg: sent.msg } });
  return { state: { ...n, negotiation: { ...negotiation, lastSent: sent.msg } }, actions };
}

function clamp(x: bigint, lo: bigint, hi: bigint): bigint {
  return x < lo ? lo : x > hi ? hi : x;
}

/** Closing transaction from our side (our dust limit). */
function ourClosingTx(s: Negotiating | Pending, feeSat: bigint): Transaction {
  return buildClosingTx({
    fundingOutpoint: s.funding.outpoint,
    toHolderValueMsat: s.commitments.holderBalanceMsat,
    toCounterpartyValueMsat: s.commitments.counterpartyBalanceMsat,
    holderScript: s.close.localShutdown!.scriptpubkey,
    counterpartyScript: s.close.remoteShutdown!.scriptpubkey,
    feeSat,
    holderPaysFee: s.params.isOutbound,
    dustLimitSat: s.params.holder.dustLimitSat,
    variant: 'legacy',
  });
}

/** The closing transactions the peer may have signed: its dust limit, its output kept or dropped. */
function theirClosingTxs(s: Negotiating, feeSat: bigint): Transaction[] {
  const base = {
    fundingOutpoint: s.funding.outpoint,
    toHolderValueMsat: s.commitments.counterpartyBalanceMsat,
    toCounterpartyValueMsat: s.commitments.holderBalanceMsat,
    holderScript: s.close.remoteShutdown!.scriptpubkey,
    counterpartyScript: s.close.localShutdown!.scriptpubkey,
    feeSat,
    holderPaysFee: !s.params.isOutbound,
    dustLimitSat: s.params.counterparty.dustLimitSat,
    variant: 'legacy' as const,
  };
  return [buildClosingTx(base), buildClosingTx({ ...base, omitHolderOutput: true })];
}

function closingWeight(s: Pending): number {
  const tx = ourClosingTx(s, 0n);
  const dummySig = new Uint8Array(73);
  const withWitness: Transaction = {
    ...tx,
    inputs: [{ ...tx.inputs[0]!, witness: [new Uint8Array(0), dummySig, dummySig, s.funding.script] }],
  };
  return weight(withWitness);
}

function signProposal(s: Negotiating, feeSat: bigint, min: bigint, max: bigint, ctx: StepContext): { msg: ClosingSigned; tx: Transaction } {
  const tx = ourClosingTx(s, feeSat);
  const signature = ctx.signer.signClosingTransaction(tx, s.funding.script, s.params.valueSat);
  return {
    msg: { channelId: s.funding.channelId, feeSatoshis: feeSat, signature, feeRange: { minFeeSatoshis: min, maxFeeSatoshis: max } },
    tx,
  };
}

function finish(s: Negotiating, tx: Transaction, theirSig: Uint8Array, ctx: StepContext, actions: ChannelAction[]): Step {
  const ourSig = ctx.signer.signClosingTransaction(tx, s.funding.script, s.params.valueSat);
  const signed = finalizeFundingSpend(
    tx,
    s.funding.script,
    s.params.holder.pubkeys.fundingPubkey,
    ourSig,
    s.params.counterparty.pubkeys.fundingPubkey,
    theirSig,
  );
  const reason = s.close.initiator === 'local' ? { kind: 'LocallyInitiatedCooperativeClosure' as const } : { kind: 'CounterpartyInitiatedCooperativeClosure' as const };
  actions.push({ kind: 'broadcast', tx: signed });
  return {
    state: { kind: 'Closing', params: s.params, funding: s.funding, commitments: s.commitments, confirmation: s.confirmation, closingTx: signed, reason },
    actions,
  };
}

/** `closing_signed` from the peer (BOLT 2 §"Closing Negotiation: closing_signed", receiver). */
export function onClosingSigned(s: FundedState, m: ClosingSigned, ctx: StepContext): Step {
  const id = s.funding.channelId;
  if (s.kind === 'Closing') return { state: s, actions: [] };
  if (s.kind !== 'Negotiating') {
    return { state: s, actions: [{ kind: 'peer-error', error: channelWarning(id, 'closing_signed before shutdown was exchanged') }] };
  }
  const n = s.negotiation;
  const theirFee = m.feeSatoshis;
  const candidates = theirClosingTxs(s, theirFee);
  const signedTx = candidates.find((tx) =>
    verifyFundingSpend(tx, s.funding.script, s.params.valueSat, m.signature, s.params.counterparty.pubkeys.fundingPubkey, ctx.crypto),
  );
  if (!signedTx) {
    return forceClose(s, { kind: 'ProcessingError', err: 'Invalid closing_signed signature' }, ctx, new ChannelError(id, 'Invalid closing_signed signature from peer'));
  }
  const withReceived: Negotiating = { ...s, negotiation: { ...n, lastReceived: m } };
  const actions: ChannelAction[] = [];
  if (n.lastSent && n.lastSent.feeSatoshis === theirFee) return finish(withReceived, signedTx, m.signature, ctx, actions);
  if (theirFee >= n.ourMinFeeSat && theirFee <= n.ourMaxFeeSat) {
    const reply = signProposal(withReceived, theirFee, n.ourMinFeeSat, n.ourMaxFeeSat, ctx);
    actions.push({ kind: 'send', msg: { name: 'closing_signed', msg: reply.msg } });
    return finish(withReceived, signedTx, m.signature, ctx, actions);
  }
  if (m.feeRange) {
    const lo = m.feeRange.minFeeSatoshis > n.ourMinFeeSat ? m.feeRange.minFeeSatoshis : n.ourMinFeeSat;
    const hi = m.feeRange.maxFeeSatoshis < n.ourMaxFeeSat ? m.feeRange.maxFeeSatoshis : n.ourMaxFeeSat;
    if (lo > hi) {
      return { state: withReceived, actions: [{ kind: 'peer-error', error: channelWarning(id, `Unable to come to consensus about closing feerate, remote's min fee (${m.feeRange.minFeeSatoshis} sat) is greater than our max fee (${n.ourMaxFeeSat} sat)`) }] };
    }
    if (s.params.isOutbound || n.lastSent) {
      return forceClose(s, { kind: 'ProcessingError', err: 'closing_signed fee outside the agreed range' }, ctx, new ChannelError(id, 'closing_signed fee_satoshis outside the overlapping fee_range'));
    }
    const fee = clamp(theirFee, lo, hi);
    const maxOut = m.feeRange.maxFeeSatoshis > n.ourMaxFeeSat ? n.ourMaxFeeSat : m.feeRange.maxFeeSatoshis;
    const reply = signProposal(withReceived, fee, lo, maxOut, ctx);
    actions.push({ kind: 'send', msg: { name: 'closing_signed', msg: reply.msg } });
    return { state: { ...withReceived, negotiation: { ...withReceived.negotiation, lastSent: reply.msg } }, actions };
  }
  // Legacy negotiation without fee_range: move strictly between the two last proposals.
  const ours = n.lastSent?.feeSatoshis ?? clamp(theirFee, n.ourMinFeeSat, n.ourMaxFeeSat);
  let next = (ours + theirFee) / 2n;
  if (next === ours || next === theirFee) next = theirFee;
  next = clamp(next, n.ourMinFeeSat, n.ourMaxFeeSat);
  const reply = signProposal(withReceived, next, n.ourMinFeeSat, n.ourMaxFeeSat, ctx);
  actions.push({ kind: 'send', msg: { name: 'closing_signed', msg: reply.msg } });
  if (next === theirFee) return finish(withReceived, signedTx, m.signature, ctx, actions);
  return { state: { ...withReceived, negotiation: { ...withReceived.negotiation, lastSent: reply.msg } }, actions };
}
