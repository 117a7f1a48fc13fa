/**
 * Channel establishment v1, BOLT 2 §"Channel Establishment v1": `open_channel` → `accept_channel`
 * → `funding_created` → `funding_signed`, for both the funder and the fundee, up to the point
 * where the funding output exists and the channel waits for `channel_ready`.
 * @module
 */
import type { Transaction } from '../../../bitcoin/tx.js';
import { p2wshForScript } from '../../../bitcoin/outputs.js';
import { serializeTx, txid as txidOf } from '../../../bitcoin/serialize.js';
import type { ChannelMonitorInit } from '../../../chain/channelmonitor_update.js';
import { equalBytes } from '../../../util/bytes.js';
import { fundingScript } from '../../chan_utils/scripts.js';
import type { AcceptChannel, FundingCreated, FundingSigned, OpenChannel } from '../../msgs/bolt02.js';
import { channelTypeToBytes, describeChannelType, type ChannelType } from '../channel_type.js';
import {
  buildCounterpartyCommitment,
  buildHolderCommitment,
  channelIdFromOutpoint,
  counterpartyCommitmentData,
  holderCommitmentData,
  initialBalances,
  signCounterparty,
  verifyHolderCommitmentSig,
} from '../commitments.js';
import { ChannelError } from '../errors.js';
import { initialHtlcCommitments } from '../htlc/commitments.js';
import { ourSideParams, type SideParams, validateAcceptChannel, validateOpenChannel } from '../params.js';
import type { ChannelAction, ChannelParams, ChannelState, Commitments, Funding, StepContext, Step } from '../state.js';

/** What `ChannelManager.createChannel` supplies. */
export interface OutboundArgs {
  readonly counterpartyNodeId: Uint8Array;
  readonly valueSat: bigint;
  readonly pushMsat: bigint;
  readonly userChannelId: bigint;
  readonly temporaryChannelId: Uint8Array;
  readonly keysId: Uint8Array;
  readonly channelType: ChannelType;
  readonly scidAlias: bigint;
}

/** Closes a channel that never got a funding output: tell the peer, forget it. */
export function failUnfunded(error: ChannelError, extra: ChannelAction[] = []): Step {
  return {
    state: { kind: 'Closed', reason: { kind: 'ProcessingError', err: error.message } },
    actions: [...extra, { kind: 'peer-error', error }],
  };
}

function upfrontScript(ctx: StepContext): Uint8Array | undefined {
  if (!ctx.config.channelHandshakeConfig.commitUpfrontShutdownPubkey) return undefined;
  return ctx.theirFeatures.supports('option_upfront_shutdown_script') ? ctx.shutdownScript : undefined;
}

/** Starts an outbound channel: `open_channel` (BOLT 2 §"The open_channel Message"). */
export function openOutbound(a: OutboundArgs, ctx: StepContext): Step {
  const pubkeys = ctx.signer.pubkeys();
  const upfront = upfrontScript(ctx);
  const holder = ourSideParams(a.valueSat, pubkeys, ctx.config, upfront);
  const announce = ctx.config.channelHandshakeConfig.announceForForwarding;
  const open: OpenChannel = {
    chainHash: ctx.chainHash,
    temporaryChannelId: a.temporaryChannelId,
    fundingSatoshis: a.valueSat,
    pushMsat: a.pushMsat,
    dustLimitSatoshis: holder.dustLimitSat,
    maxHtlcValueInFlightMsat: holder.maxHtlcValueInFlightMsat,
    channelReserveSatoshis: holder.channelReserveSat,
    htlcMinimumMsat: holder.htlcMinimumMsat,
    feeratePerKw: ctx.feerates.commitment,
    toSelfDelay: holder.toSelfDelay,
    maxAcceptedHtlcs: holder.maxAcceptedHtlcs,
    fundingPubkey: pubkeys.fundingPubkey,
    revocationBasepoint: pubkeys.revocationBasepoint,
    paymentBasepoint: pubkeys.paymentPoint,
    delayedPaymentBasepoint: pubkeys.delayedPaymentBasepoint,
    htlcBasepoint: pubkeys.htlcBasepoint,
    firstPerCommitmentPoint: ctx.signer.getPerCommitmentPoint(0n),
    channelFlags: announce ? 1 : 0,
    // BOLT 2: with any TLV we MUST include upfront_shutdown_script (empty = none).
    upfrontShutdownScript: upfront ?? new Uint8Array(0),
    channelType: channelTypeToBytes(a.channelType),
  };
  return {
    state: {
      kind: 'WaitForAcceptChannel',
      params: {
        temporaryChannelId: a.temporaryChannelId,
        userChannelId: a.userChannelId,
        counterpartyNodeId: a.counterpartyNodeId,
        isOutbound: true,
        valueSat: a.valueSat,
        pushMsat: a.pushMsat,
        channelType: a.channelType,
        announce,
        keysId: a.keysId,
        holder,
        createdAtHeight: ctx.bestHeight,
        ourScidAlias: a.scidAlias,
        initialFeeratePerKw: open.feeratePerKw,
      },
      open,
      ticks: 0,
    },
    actions: [{ kind: 'send', msg: { name: 'open_channel', msg: open } }],
  };
}

/** The funder receives `accept_channel`: ask the user for the funding transaction. */
export function onAcceptChannel(s: Extract<ChannelState, { kind: 'WaitForAcceptChannel' }>, m: AcceptChannel, ctx: StepContext): Step {
  if (!equalBytes(m.temporaryChannelId, s.params.temporaryChannelId)) {
    return { state: s, actions: [] };
  }
  const v = validateAcceptChannel(m, {
    proposedType: s.params.channelType,
    valueSat: s.params.valueSat,
    ours: s.params.holder,
    config: ctx.config,
    crypto: ctx.crypto,
  });
  if (v instanceof ChannelError) return failUnfunded(v);
  const params: ChannelParams = { ...s.params, counterparty: v.theirs, minimumDepth: v.minimumDepth };
  const script = fundingScript(params.holder.pubkeys.fundingPubkey, params.counterparty.pubkeys.fundingPubkey);
  return {
    state: { kind: 'WaitForFundingTx', params, theirFirstPoint: m.firstPerCommitmentPoint, ticks: 0 },
    actions: [
      {
        kind: 'event',
        event: {
          kind: 'FundingGenerationReady',
          temporaryChannelId: params.temporaryChannelId,
          counterpartyNodeId: params.counterpartyNodeId,
          channelValueSatoshis: params.valueSat,
          outputScript: p2wshForScript(script, ctx.crypto),
          userChannelId: params.userChannelId,
        },
      },
    ],
  };
}

/** What the fundee's channel needs besides `open_channel`. */
export interface InboundArgs {
  readonly counterpartyNodeId: Uint8Array;
  readonly keysId: Uint8Array;
  readonly userChannelId: bigint;
  readonly scidAlias: bigint;
}

/**
 * The fundee receives `open_channel`: validate it, then either ask the user
 * (`OpenChannelRequest`, manual acceptance) or accept at once.
 */
export function onOpenChannel(m: OpenChannel, a: InboundArgs, ctx: StepContext): Step {
  if (!ctx.config.acceptInboundChannels) {
    return failUnfunded(new ChannelError(m.temporaryChannelId, 'No inbound channels accepted'));
  }
  const v = validateOpenChannel(m, {
    chainHash: ctx.chainHash,
    config: ctx.config,
    crypto: ctx.crypto,
    theirFeatures: ctx.theirFeatures,
    ourFeatures: ctx.ourFeatures,
    minFeeratePerKw: ctx.feerates.minAllowedRemote,
    maxFeeratePerKw: ctx.feerates.maxAllowedRemote,
  });
  if (v instanceof ChannelError) return failUnfunded(v);
  if (ctx.config.manuallyAcceptInboundChannels) {
    return {
      state: { kind: 'WaitForAcceptance', open: m, channelType: v.channelType, theirs: v.theirs, announce: v.announce, ticks: 0 },
      actions: [
        {
          kind: 'event',
          event: {
            kind: 'OpenChannelRequest',
            temporaryChannelId: m.temporaryChannelId,
            counterpartyNodeId: a.counterpartyNodeId,
            fundingSatoshis: m.fundingSatoshis,
            pushMsat: m.pushMsat,
            channelType: describeChannelType(v.channelType),
          },
        },
      ],
    };
  }
  return acceptInbound(m, v.channelType, v.theirs, v.announce, a, false, ctx);
}

/** Sends `accept_channel` (BOLT 2 §"The accept_channel Message"). */
export function acceptInbound(
  m: OpenChannel,
  channelType: ChannelType,
  theirs: SideParams,
  announce: boolean,
  a: InboundArgs,
  zeroConf: boolean,
  ctx: StepContext,
): Step {
  const pubkeys = ctx.signer.pubkeys();
  const upfront = upfrontScript(ctx);
  const holder = ourSideParams(m.fundingSatoshis, pubkeys, ctx.config, upfront);
  if (theirs.channelReserveSat < holder.dustLimitSat || holder.channelReserveSat < theirs.dustLimitSat) {
    return failUnfunded(new ChannelError(m.temporaryChannelId, 'reserve and dust limits incompatible'));
  }
  const minimumDepth = zeroConf || channelType.zeroConf ? 0 : Math.max(1, ctx.config.channelHandshakeConfig.minimumDepth);
  const params: ChannelParams = {
    temporaryChannelId: m.temporaryChannelId,
    userChannelId: a.userChannelId,
    counterpartyNodeId: a.counterpartyNodeId,
    isOutbound: false,
    valueSat: m.fundingSatoshis,
    pushMsat: m.pushMsat,
    channelType,
    announce,
    keysId: a.keysId,
    holder,
    counterparty: theirs,
    minimumDepth,
    createdAtHeight: ctx.bestHeight,
    ourScidAlias: a.scidAlias,
    initialFeeratePerKw: m.feeratePerKw,
  };
  const accept: AcceptChannel = {
    temporaryChannelId: m.temporaryChannelId,
    dustLimitSatoshis: holder.dustLimitSat,
    maxHtlcValueInFlightMsat: holder.maxHtlcValueInFlightMsat,
    channelReserveSatoshis: holder.channelReserveSat,
    htlcMinimumMsat: holder.htlcMinimumMsat,
    minimumDepth,
    toSelfDelay: holder.toSelfDelay,
    maxAcceptedHtlcs: holder.maxAcceptedHtlcs,
    fundingPubkey: pubkeys.fundingPubkey,
    revocationBasepoint: pubkeys.revocationBasepoint,
    paymentBasepoint: pubkeys.paymentPoint,
    delayedPaymentBasepoint: pubkeys.delayedPaymentBasepoint,
    htlcBasepoint: pubkeys.htlcBasepoint,
    firstPerCommitmentPoint: ctx.signer.getPerCommitmentPoint(0n),
    upfrontShutdownScript: upfront ?? new Uint8Array(0),
    channelType: m.channelType,
  };
  return {
    state: { kind: 'WaitForFundingCreated', params, theirFirstPoint: m.firstPerCommitmentPoint, ticks: 0 },
    actions: [{ kind: 'send', msg: { name: 'accept_channel', msg: accept } }],
  };
}

function initialCommitments(params: ChannelParams, theirFirstPoint: Uint8Array, holderSig: Uint8Array, feeratePerKw: number): Commitments {
  const b = initialBalances(params);
  return {
    holderCommitmentNumber: 0n,
    counterpartyCommitmentNumber: 0n,
    holderBalanceMsat: b.holder,
    counterpartyBalanceMsat: b.counterparty,
    feeratePerKw,
    counterpartyCurrentPoint: theirFirstPoint,
    counterpartyNextPoint: undefined,
    counterpartyLastSecret: undefined,
    holderCommitmentSig: holderSig,
    latestMonitorUpdateId: 0n,
    htlc: initialHtlcCommitments(b.holder, b.counterparty, feeratePerKw),
  };
}

function monitorInit(
  params: ChannelParams,
  funding: Funding,
  c: Commitments,
  holderTx: ReturnType<typeof buildHolderCommitment>,
  counterpartyTx: ReturnType<typeof buildCounterpartyCommitment>,
  ctx: StepContext,
): ChannelMonitorInit {
  return {
    channelId: funding.channelId,
    counterpartyNodeId: params.counterpartyNodeId,
    fundingOutpoint: funding.outpoint,
    fundingScript: funding.script,
    channelValueSatoshis: params.valueSat,
    keysId: params.keysId,
    isOutbound: params.isOutbound,
    anchors: params.channelType.anchors,
    holderPubkeys: params.holder.pubkeys,
    counterpartyPubkeys: params.counterparty.pubkeys,
    holderToSelfDelay: params.counterparty.toSelfDelay,
    counterpartyToSelfDelay: params.holder.toSelfDelay,
    holderDustLimitSat: params.holder.dustLimitSat,
    counterpartyDustLimitSat: params.counterparty.dustLimitSat,
    destinationScript: ctx.destinationScript,
    shutdownScript: params.holder.upfrontShutdownScript?.length ? params.holder.upfrontShutdownScript : undefined,
    holderCommitment: holderCommitmentData(holderTx, ctx.signer.getPerCommitmentPoint(0n), c.holderCommitmentSig, []),
    counterpartyCommitment: counterpartyCommitmentData(counterpartyTx, c.counterpartyCurrentPoint),
    bestBlock: { blockHash: new Uint8Array(32), height: ctx.bestHeight },
  };
}

/** The funder has the funding transaction: sign the fundee's first commitment (`funding_created`). */
export function onFundingGenerated(
  s: Extract<ChannelState, { kind: 'WaitForFundingTx' }>,
  tx: Transaction,
  outputIndex: number,
  ctx: StepContext,
): Step | ChannelError {
  const params = s.params;
  const script = fundingScript(params.holder.pubkeys.fundingPubkey, params.counterparty.pubkeys.fundingPubkey);
  const spk = p2wshForScript(script, ctx.crypto);
  const out = tx.outputs[outputIndex];
  if (!out || out.value !== params.valueSat || !equalBytes(out.script, spk)) {
    return new ChannelError(params.temporaryChannelId, 'funding transaction does not pay the channel value to the funding script', 'ignore');
  }
  for (const i of tx.inputs) {
    if (i.witness.length === 0 && i.scriptSig.length > 0) {
      return new ChannelError(params.temporaryChannelId, 'funding transaction must spend only segwit inputs (malleability)', 'ignore');
    }
  }
  const outpoint = { txid: txidOf(tx, ctx.crypto), vout: outputIndex };
  const funding: Funding = { channelId: channelIdFromOutpoint(outpoint), outpoint, script, tx };
  const b = initialBalances(params);
  const theirTx = buildCounterpartyCommitment(
    params,
    outpoint,
    {
      counterpartyCommitmentNumber: 0n,
      holderBalanceMsat: b.holder,
      counterpartyBalanceMsat: b.counterparty,
      feeratePerKw: params.initialFeeratePerKw,
    },
    s.theirFirstPoint,
    ctx.crypto,
  );
  const sig = signCounterparty(ctx.signer, theirTx, s.theirFirstPoint);
  const created: FundingCreated = {
    temporaryChannelId: params.temporaryChannelId,
    fundingTxid: outpoint.txid,
    fundingOutputIndex: outputIndex,
    signature: sig,
  };
  return {
    state: { kind: 'WaitForFundingSigned', params, funding, theirFirstPoint: s.theirFirstPoint, ticks: 0 },
    actions: [{ kind: 'send', msg: { name: 'funding_created', msg: created } }],
  };
}

/** The fundee receives `funding_created`: check its signature, create the monitor, reply `funding_signed`. */
export function onFundingCreated(s: Extract<ChannelState, { kind: 'WaitForFundingCreated' }>, m: FundingCreated, ctx: StepContext): Step {
  const params = s.params;
  if (!equalBytes(m.temporaryChannelId, params.temporaryChannelId)) return { state: s, actions: [] };
  const outpoint = { txid: m.fundingTxid, vout: m.fundingOutputIndex };
  const script = fundingScript(params.holder.pubkeys.fundingPubkey, params.counterparty.pubkeys.fundingPubkey);
  const funding: Funding = { channelId: channelIdFromOutpoint(outpoint), outpoint, script, tx: undefined };
  const c0 = initialCommitments(params, s.theirFirstPoint, m.signature, params.initialFeeratePerKw);
  const ourTx = buildHolderCommitment(params, outpoint, c0, ctx.signer.getPerCommitmentPoint(0n), ctx.crypto);
  if (!verifyHolderCommitmentSig(ourTx, m.signature, params, ctx.signer)) {
    return failUnfunded(new ChannelError(params.temporaryChannelId, 'Invalid funding_created signature from peer'));
  }
  const theirTx = buildCounterpartyCommitment(params, outpoint, c0, s.theirFirstPoint, ctx.crypto);
  const sig = signCounterparty(ctx.signer, theirTx, s.theirFirstPoint);
  const signed: FundingSigned = { channelId: funding.channelId, signature: sig };
  return {
    state: funded(params, funding, c0),
    actions: [
      { kind: 'rekey', channelId: funding.channelId },
      { kind: 'watch', init: monitorInit(params, funding, c0, ourTx, theirTx, ctx) },
      { kind: 'send', msg: { name: 'funding_signed', msg: signed } },
      channelPending(params, funding),
    ],
  };
}

/** The funder receives `funding_signed`: check it, create the monitor, broadcast the funding transaction. */
export function onFundingSigned(s: Extract<ChannelState, { kind: 'WaitForFundingSigned' }>, m: FundingSigned, ctx: StepContext): Step {
  const { params, funding } = s;
  if (!equalBytes(m.channelId, funding.channelId)) {
    return failUnfunded(new ChannelError(funding.channelId, 'funding_signed for another channel id'));
  }
  const c0 = initialCommitments(params, s.theirFirstPoint, m.signature, params.initialFeeratePerKw);
  const ourTx = buildHolderCommitment(params, funding.outpoint, c0, ctx.signer.getPerCommitmentPoint(0n), ctx.crypto);
  if (!verifyHolderCommitmentSig(ourTx, m.signature, params, ctx.signer)) {
    return failUnfunded(new ChannelError(funding.channelId, 'Invalid funding_signed signature from peer'), discard(s));
  }
  const theirTx = buildCounterpartyCommitment(params, funding.outpoint, c0, s.theirFirstPoint, ctx.crypto);
  return {
    state: funded(params, funding, c0),
    actions: [
      { kind: 'watch', init: monitorInit(params, funding, c0, ourTx, theirTx, ctx) },
      { kind: 'broadcast', tx: funding.tx! },
      channelPending(params, funding),
    ],
  };
}

/** The channel once its funding output exists: waiting for depth and both `channel_ready`s. */
function funded(params: ChannelParams, funding: Funding, commitments: Commitments): ChannelState {
  return { kind: 'WaitForChannelReady', params, funding, commitments, confirmation: undefined, ourReadySent: false, theirReady: undefined, deferredAnnouncementSigs: undefined };
}

/** `ChannelPending`: both first commitments are signed and the monitor exists. */
function channelPending(params: ChannelParams, funding: Funding): ChannelAction {
  return {
    kind: 'event',
    event: {
      kind: 'ChannelPending',
      channelId: funding.channelId,
      userChannelId: params.userChannelId,
      formerTemporaryChannelId: params.temporaryChannelId,
      counterpartyNodeId: params.counterpartyNodeId,
      fundingTxo: { txid: funding.outpoint.txid, index: funding.outpoint.vout },
    },
  };
}

/** `DiscardFunding` for a funding transaction that will never be broadcast. */
export function discard(s: { funding?: Funding }): ChannelAction[] {
  if (!s.funding?.tx) return [];
  return [{ kind: 'event', event: { kind: 'DiscardFunding', channelId: s.funding.channelId, tx: serializeTx(s.funding.tx) } }];
}
