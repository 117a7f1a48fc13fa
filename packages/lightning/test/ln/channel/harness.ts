/**
 * Drives two channel state machines against each other through the pure step, delivering each
 * side's `send` actions to the other (lightning-kmp's `LNChannel.process` style).
 */
import assert from 'node:assert/strict';
import type { Transaction } from '../../../src/bitcoin/tx.js';
import { chainHash } from '../../../src/chain/network.js';
import { nobleBackend } from '../../../src/crypto/noble.js';
import { providedInitFeatures } from '../../../src/ln/features.js';
import { openOutbound, onOpenChannel } from '../../../src/ln/channel/states/opening.js';
import { step } from '../../../src/ln/channel/step.js';
import type { ChannelAction, ChannelInput, ChannelState, StepContext } from '../../../src/ln/channel/state.js';
import { ChannelError } from '../../../src/ln/channel/errors.js';
import { KeysManager } from '../../../src/sign/keys_manager.js';
import { userConfig, type UserConfigOverrides } from '../../../src/util/config.js';
import type { WireMessage } from '../../../src/ln/msgs/index.js';

export interface Side {
  name: string;
  keys: KeysManager;
  state: ChannelState;
  ctx: StepContext;
  actions: ChannelAction[];
  outbox: WireMessage[];
}

function ctxFor(keys: KeysManager, theirId: Uint8Array, keysId: Uint8Array, cfg: UserConfigOverrides, height: number): StepContext {
  const features = providedInitFeatures();
  return {
    crypto: nobleBackend,
    signer: keys.deriveChannelSigner(0n, keysId),
    config: userConfig(cfg),
    chainHash: chainHash('regtest'),
    bestHeight: height,
    theirNodeId: theirId,
    newScidAlias: 0x123456n,
    ourFeatures: features,
    theirFeatures: features,
    feerates: { commitment: 2500, closeMinimum: 253, closeTarget: 1000, minAllowedRemote: 253, maxAllowedRemote: 100_000 },
    shutdownScript: keys.getShutdownScriptpubkey(),
    destinationScript: keys.getDestinationScript(),
    nodeSigner: keys,
  };
}

/** Applies an input to a side, recording its actions and queuing its messages. */
export function apply(side: Side, input: ChannelInput): void {
  const r = step(side.state, input, side.ctx);
  if (r instanceof ChannelError) throw r;
  side.state = r.state;
  for (const a of r.actions) {
    side.actions.push(a);
    if (a.kind === 'send') side.outbox.push(a.msg);
  }
}

/** Delivers queued messages both ways until none are left. */
export function deliverAll(a: Side, b: Side, drop?: (from: Side, m: WireMessage) => boolean): void {
  for (let i = 0; i < 100; i++) {
    const fromA = a.outbox.splice(0);
    const fromB = b.outbox.splice(0);
    if (fromA.length === 0 && fromB.length === 0) return;
    for (const m of fromA) if (!drop?.(a, m)) apply(b, { kind: 'message', msg: m });
    for (const m of fromB) if (!drop?.(b, m)) apply(a, { kind: 'message', msg: m });
  }
  throw new Error('messages never settled');
}

/** Two sides, Alice opening a channel of `valueSat` to Bob; returns after `open_channel` is queued. */
export function openPair(valueSat: bigint, opts: { anchors?: boolean; push?: bigint; cfg?: UserConfigOverrides } = {}) {
  const ka = new KeysManager(new Uint8Array(32).fill(1), 1, 0, nobleBackend);
  const kb = new KeysManager(new Uint8Array(32).fill(2), 1, 0, nobleBackend);
  const keysA = ka.generateChannelKeysId(false, valueSat, 42n);
  const keysB = kb.generateChannelKeysId(true, valueSat, 43n);
  const cfg = opts.cfg ?? {};
  const alice: Side = { name: 'alice', keys: ka, state: { kind: 'Closed', reason: { kind: 'DisconnectedPeer' } }, ctx: ctxFor(ka, kb.getNodeId(), keysA, cfg, 100), actions: [], outbox: [] };
  const bob: Side = { name: 'bob', keys: kb, state: { kind: 'Closed', reason: { kind: 'DisconnectedPeer' } }, ctx: ctxFor(kb, ka.getNodeId(), keysB, cfg, 100), actions: [], outbox: [] };
  const r = openOutbound(
    {
      counterpartyNodeId: kb.getNodeId(),
      valueSat,
      pushMsat: opts.push ?? 0n,
      userChannelId: 42n,
      temporaryChannelId: new Uint8Array(32).fill(9),
      keysId: keysA,
      channelType: { anchors: opts.anchors ?? false, scidAlias: false, zeroConf: false },
      scidAlias: 0xa11ce5n,
    },
    alice.ctx,
  );
  alice.state = r.state;
  for (const a of r.actions) {
    alice.actions.push(a);
    if (a.kind === 'send') alice.outbox.push(a.msg);
  }
  const open = alice.outbox.shift()!;
  assert.equal(open.name, 'open_channel');
  const rb = onOpenChannel(open.msg as never, { counterpartyNodeId: ka.getNodeId(), keysId: keysB, userChannelId: 43n, scidAlias: 0xb0bn }, bob.ctx);
  bob.state = rb.state;
  for (const a of rb.actions) {
    bob.actions.push(a);
    if (a.kind === 'send') bob.outbox.push(a.msg);
  }
  return { alice, bob };
}

/** A segwit funding transaction paying `value` to `script` at output 0. */
export function fundingTx(value: bigint, script: Uint8Array): Transaction {
  return {
    version: 2,
    inputs: [{ prevout: { txid: new Uint8Array(32).fill(7), vout: 0 }, scriptSig: new Uint8Array(0), sequence: 0xfffffffd, witness: [new Uint8Array(71), new Uint8Array(33)] }],
    outputs: [{ value, script }],
    locktime: 0,
  };
}

/** Takes (and removes) the actions of a kind from a side. */
export function take<K extends ChannelAction['kind']>(side: Side, kind: K): Extract<ChannelAction, { kind: K }>[] {
  const out = side.actions.filter((a): a is Extract<ChannelAction, { kind: K }> => a.kind === kind);
  side.actions = side.actions.filter((a) => a.kind !== kind);
  return out;
}

/** Delivers `open_channel`/`accept_channel`, funds Alice's side and exchanges funding messages; returns the funding tx. */
export function fund(alice: Side, bob: Side): Transaction {
  deliverAll(alice, bob);
  const [ev] = take(alice, 'event');
  assert.equal(ev?.event.kind, 'FundingGenerationReady');
  const e = ev!.event as Extract<typeof ev.event, { kind: 'FundingGenerationReady' }>;
  const tx = fundingTx(e.channelValueSatoshis, e.outputScript);
  apply(alice, { kind: 'funding-generated', tx, outputIndex: 0 });
  deliverAll(alice, bob);
  return tx;
}
