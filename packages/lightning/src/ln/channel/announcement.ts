/**
 * Announcing a public channel, BOLT 7 §"The announcement_signatures Message" and §"The
 * channel_announcement Message": once `channel_ready` went both ways and the funding transaction
 * is {@link ANNOUNCEMENT_DEPTH} deep, each side signs the unsigned `channel_announcement` with its
 * node key and its funding (bitcoin) key and sends both signatures; with the peer's (checked)
 * signatures the full `channel_announcement` can be built and broadcast.
 *
 * The exchange is a small typed state ({@link AnnouncementSigsState}) inside `Normal`:
 *
 * | state | event | next |
 * |---|---|---|
 * | NotExchanged | depth reached, connected | OursSent (+announcement_signatures) |
 * | NotExchanged | theirs (valid), depth not reached | TheirsReceived |
 * | NotExchanged / OursSent / TheirsReceived | theirs (valid), depth reached | Announced (+ours if not sent on this connection, +announce) |
 * | TheirsReceived | depth reached, connected | Announced (+announcement_signatures, +announce) |
 * | Announced, ours not sent on this connection | theirs (again) | same (+announcement_signatures: they lack ours) |
 * | OursSent / Announced | disconnected | NotExchanged / Announced (ours unsent on the new connection) |
 *
 * On reconnection (after `channel_reestablish`) BOLT 7 wants ours resent when we have not
 * received theirs, and ours in answer to theirs: so "sent" only ever means "sent on this
 * connection" and each side sends at most once per connection, which rules out ping-pong.
 * Only `NotExchanged`, `TheirsReceived` and `Announced` (with `oursSentOnThisConnection` false)
 * are ever persisted ({@link persistedAnnouncementSigs}), as LDK writes `NotSent` for its
 * transient `MessageSent`/`Committed`.
 *
 * Deviation from LDK: LDK force-closes on a bad `announcement_signatures`; BOLT 7 also allows a
 * warning and disconnecting, which is what we do (no funds are at stake, and the peer resends on
 * reconnection). LDK also tracks whether the peer received ours (via a later `revoke_and_ack`);
 * BOLT 7's reconnection rules make that unnecessary.
 * @module
 */
import { sha256d } from '../../crypto/backend.js';
import { compareBytes } from '../../util/bytes.js';
import { ChannelAnnouncement, type AnnouncementSignatures } from '../msgs/bolt07.js';
import { ChannelError } from './errors.js';
import type { ChannelAction, FundedState, Step, StepContext } from './state.js';
import { fundingDepth, shortChannelIdOf } from './states/ready.js';

/** BOLT 7: a channel is announced once its funding transaction has this many confirmations. */
export const ANNOUNCEMENT_DEPTH = 6;

/** The peer's two signatures of our common `channel_announcement`. */
export interface PeerAnnouncementSigs {
  readonly nodeSignature: Uint8Array;
  readonly bitcoinSignature: Uint8Array;
}

/** Where a public channel is in the `announcement_signatures` exchange (see the module table). */
export type AnnouncementSigsState =
  /** Ours not sent on this connection; theirs not received. */
  | { readonly kind: 'NotExchanged' }
  /** Ours sent on this connection; theirs awaited. */
  | { readonly kind: 'OursSent' }
  /** Theirs received and checked before we reached the depth; ours still to send. */
  | { readonly kind: 'TheirsReceived'; readonly theirs: PeerAnnouncementSigs }
  /** Both signature pairs are known: the complete, valid `channel_announcement`. */
  | { readonly kind: 'Announced'; readonly announcement: ChannelAnnouncement; readonly oursSentOnThisConnection: boolean };

/** The state a `Normal` channel starts in. */
export const NOT_EXCHANGED: AnnouncementSigsState = { kind: 'NotExchanged' };

type NormalState = Extract<FundedState, { kind: 'Normal' }>;

/** The short channel id of the funding output, once confirmed (BOLT 7 §"Definition of short_channel_id"). */
function realScid(s: FundedState): bigint | undefined {
  return s.confirmation ? shortChannelIdOf(s.confirmation, s.funding.outpoint.vout) : undefined;
}

/**
 * The unsigned `channel_announcement` both sides sign (signatures zero): `node_id_1` is the
 * lesser node id and `bitcoin_key_1` its funding key (BOLT 7). No channel features are
 * defined by BOLT 9, so `features` is empty. Undefined until the funding transaction confirmed.
 */
export function unsignedChannelAnnouncement(s: FundedState, ctx: StepContext): ChannelAnnouncement | undefined {
  const scid = realScid(s);
  if (scid === undefined) return undefined;
  const ours = ctx.nodeSigner.getNodeId();
  const theirs = s.params.counterpartyNodeId;
  const weAreOne = compareBytes(ours, theirs) < 0;
  const ourKey = s.params.holder.pubkeys.fundingPubkey;
  const theirKey = s.params.counterparty.pubkeys.fundingPubkey;
  const zero = new Uint8Array(64);
  return {
    nodeSignature1: zero,
    nodeSignature2: zero,
    bitcoinSignature1: zero,
    bitcoinSignature2: zero,
    features: new Uint8Array(0),
    chainHash: ctx.chainHash,
    shortChannelId: scid,
    nodeId1: weAreOne ? ours : theirs,
    nodeId2: weAreOne ? theirs : ours,
    bitcoinKey1: weAreOne ? ourKey : theirKey,
    bitcoinKey2: weAreOne ? theirKey : ourKey,
  };
}

/** BOLT 7: the double-SHA256 of the announcement from offset 256 (everything after the four signatures). */
export function channelAnnouncementDigest(a: ChannelAnnouncement, ctx: Pick<StepContext, 'crypto'>): Uint8Array {
  return sha256d(ctx.crypto, ChannelAnnouncement.encodePayload(a).subarray(256));
}

/** Our `announcement_signatures` for the channel's announcement (node key + funding key). */
export function ourAnnouncementSignatures(s: FundedState, unsigned: ChannelAnnouncement, ctx: StepContext): AnnouncementSignatures {
  const digest = channelAnnouncementDigest(unsigned, ctx);
  return {
    channelId: s.funding.channelId,
    shortChannelId: unsigned.shortChannelId,
    nodeSignature: ctx.nodeSigner.signWithNodeKey(digest),
    bitcoinSignature: ctx.signer.signWithFundingKey(digest),
  };
}

/** The complete announcement: our signatures and theirs, each in its node's position. */
function completeAnnouncement(unsigned: ChannelAnnouncement, ours: AnnouncementSignatures, theirs: PeerAnnouncementSigs, ctx: StepContext): ChannelAnnouncement {
  const weAreOne = compareBytes(unsigned.nodeId1, ctx.nodeSigner.getNodeId()) === 0;
  const [one, two] = weAreOne ? [ours, theirs] : [theirs, ours];
  return {
    ...unsigned,
    nodeSignature1: one.nodeSignature,
    nodeSignature2: two.nodeSignature,
    bitcoinSignature1: one.bitcoinSignature,
    bitcoinSignature2: two.bitcoinSignature,
  };
}

/** True when BOLT 7 lets this channel send `announcement_signatures` now (shutdown not sent is implied by `Normal`). */
function deepEnough(s: NormalState, ctx: StepContext): boolean {
  return s.params.announce && s.confirmation !== undefined && fundingDepth(s, ctx.bestHeight) >= ANNOUNCEMENT_DEPTH;
}

/**
 * Sends ours if it is due: the depth is reached and this connection has not carried ours yet
 * (nor did we receive theirs before, except when theirs came first). Call it only while the
 * peer is connected and the channel reestablished.
 */
export function maybeSendAnnouncementSigs(s: NormalState, ctx: StepContext, actions: ChannelAction[] = []): Step {
  const a = s.announcementSigs;
  if (!deepEnough(s, ctx) || (a.kind !== 'NotExchanged' && a.kind !== 'TheirsReceived')) return { state: s, actions };
  const unsigned = unsignedChannelAnnouncement(s, ctx)!;
  const ours = ourAnnouncementSignatures(s, unsigned, ctx);
  actions.push({ kind: 'send', msg: { name: 'announcement_signatures', msg: ours } });
  if (a.kind === 'NotExchanged') return { state: { ...s, announcementSigs: { kind: 'OursSent' } }, actions };
  const announcement = completeAnnouncement(unsigned, ours, a.theirs, ctx);
  actions.push({ kind: 'announce', announcement });
  return { state: { ...s, announcementSigs: { kind: 'Announced', announcement, oursSentOnThisConnection: true } }, actions };
}

/** The peer's `announcement_signatures` (BOLT 7 recipient requirements). */
export function onAnnouncementSignatures(s: NormalState, m: AnnouncementSignatures, ctx: StepContext): Step {
  const id = s.funding.channelId;
  const warn = (why: string, severity: 'warn' | 'warn-disconnect' = 'warn'): Step => ({
    state: s,
    actions: [{ kind: 'peer-error', error: new ChannelError(id, why, severity) }],
  });
  // BOLT 7 (sender): MUST NOT send it for a channel without announce_channel.
  if (!s.params.announce) return warn('announcement_signatures for a channel that is not to be announced');
  const unsigned = unsignedChannelAnnouncement(s, ctx);
  // Not confirmed in our view yet (the peer saw a block we have not): nothing to check it against.
  if (!unsigned) return { state: s, actions: [] };
  if (m.shortChannelId !== unsigned.shortChannelId) return warn(`announcement_signatures for short_channel_id ${m.shortChannelId}, not ours ${unsigned.shortChannelId}`);
  const digest = channelAnnouncementDigest(unsigned, ctx);
  if (!ctx.crypto.verifyEcdsa(m.nodeSignature, digest, s.params.counterpartyNodeId)) {
    return warn('Bad announcement_signatures: node_signature does not verify', 'warn-disconnect');
  }
  if (!ctx.crypto.verifyEcdsa(m.bitcoinSignature, digest, s.params.counterparty.pubkeys.fundingPubkey)) {
    return warn('Bad announcement_signatures: bitcoin_signature does not verify', 'warn-disconnect');
  }
  const theirs: PeerAnnouncementSigs = { nodeSignature: m.nodeSignature, bitcoinSignature: m.bitcoinSignature };
  const a = s.announcementSigs;
  if (a.kind === 'Announced') {
    // BOLT 7: on reconnection, answer theirs with ours — once per connection.
    if (a.oursSentOnThisConnection) return { state: s, actions: [] };
    const ours = ourAnnouncementSignatures(s, unsigned, ctx);
    return {
      state: { ...s, announcementSigs: { ...a, oursSentOnThisConnection: true } },
      actions: [{ kind: 'send', msg: { name: 'announcement_signatures', msg: ours } }],
    };
  }
  if (!deepEnough(s, ctx)) return { state: { ...s, announcementSigs: { kind: 'TheirsReceived', theirs } }, actions: [] };
  // Ours are part of the announcement either way; they go to the peer unless this connection had them.
  const ours = ourAnnouncementSignatures(s, unsigned, ctx);
  const actions: ChannelAction[] = a.kind === 'OursSent' ? [] : [{ kind: 'send', msg: { name: 'announcement_signatures', msg: ours } }];
  const announcement = completeAnnouncement(unsigned, ours, theirs, ctx);
  actions.push({ kind: 'announce', announcement });
  return { state: { ...s, announcementSigs: { kind: 'Announced', announcement, oursSentOnThisConnection: true } }, actions };
}

/** A new connection: nothing was sent on it yet. */
export function announcementSigsOnDisconnect(a: AnnouncementSigsState): AnnouncementSigsState {
  if (a.kind === 'OursSent') return NOT_EXCHANGED;
  if (a.kind === 'Announced' && a.oursSentOnThisConnection) return { ...a, oursSentOnThisConnection: false };
  return a;
}

/** What is written to disk: per-connection facts dropped (a restart is a new connection). */
export function persistedAnnouncementSigs(a: AnnouncementSigsState): AnnouncementSigsState {
  return announcementSigsOnDisconnect(a);
}

/** Checks an {@link AnnouncementSigsState} read back from bytes. */
export function isAnnouncementSigsState(v: unknown): v is AnnouncementSigsState {
  if (typeof v !== 'object' || v === null) return false;
  const a = v as { kind?: unknown; theirs?: { nodeSignature?: unknown; bitcoinSignature?: unknown }; announcement?: unknown; oursSentOnThisConnection?: unknown };
  switch (a.kind) {
    case 'NotExchanged':
    case 'OursSent':
      return true;
    case 'TheirsReceived':
      return a.theirs?.nodeSignature instanceof Uint8Array && a.theirs.bitcoinSignature instanceof Uint8Array;
    case 'Announced':
      return typeof a.announcement === 'object' && a.announcement !== null && typeof a.oursSentOnThisConnection === 'boolean';
    default:
      return false;
  }
}

/** The channel's complete `channel_announcement`, once both sides' signatures are exchanged. */
export function channelAnnouncementOf(s: FundedState): ChannelAnnouncement | undefined {
  return s.kind === 'Normal' && s.announcementSigs.kind === 'Announced' ? s.announcementSigs.announcement : undefined;
}
