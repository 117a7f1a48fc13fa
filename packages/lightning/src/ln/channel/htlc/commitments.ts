/**
 * The commitment dance as pure data (BOLT 2 §"Normal Operation", §"Committing Updates So Far:
 * commitment_signed", §"Completing the Transition to the Updated State: revoke_and_ack"), in
 * Eclair's shape: each side's updates move `proposed → signed → acked`, and each commitment's
 * spec is the previous one reduced by the updates it newly covers.
 *
 * - Ours: `proposed` (sent, in no commitment we signed) → `signed` (in the commitment_signed we
 *   sent, awaiting their revoke_and_ack) → `acked` (in their commitment; enters ours with their
 *   next commitment_signed).
 * - Theirs: `proposed` (received, in no commitment they signed) → `acked` (in our commitment, their
 *   commitment_signed covered them; we still owe them a signature) → `signed` (in the
 *   commitment_signed we sent, awaiting their revoke_and_ack).
 *
 * Signatures, transactions and monitor updates are the caller's: these functions only say what
 * each commitment contains and whether a step is allowed.
 * @module
 */
import type { CryptoBackend } from '../../../crypto/backend.js';
import { equalBytes } from '../../../util/bytes.js';
import type { UpdateAddHtlc } from '../../msgs/bolt02.js';
import { type ChannelUpdate, type CommitSpec, findHtlc, offeredValueMsat, reduce } from './spec.js';

/** Our updates in flight. */
export interface LocalChanges {
  readonly proposed: readonly ChannelUpdate[];
  readonly signed: readonly ChannelUpdate[];
  readonly acked: readonly ChannelUpdate[];
}

/** Their updates in flight. */
export interface RemoteChanges {
  readonly proposed: readonly ChannelUpdate[];
  readonly acked: readonly ChannelUpdate[];
  readonly signed: readonly ChannelUpdate[];
}

/** Both commitments and the updates between them. */
export interface HtlcCommitments {
  /** Our current commitment (we hold it, signed by them). */
  readonly localSpec: CommitSpec;
  readonly localCommitIndex: bigint;
  /** Their current commitment (signed by us, not yet revoked by them... or the one before `remoteNext`). */
  readonly remoteSpec: CommitSpec;
  readonly remoteCommitIndex: bigint;
  /** Their next commitment, signed by us, until they revoke the current one. */
  readonly remoteNext: CommitSpec | undefined;
  /**
   * Our commitment index when we sent that `commitment_signed`: if it still equals
   * `localCommitIndex`, our last `revoke_and_ack` went out before it (retransmission order, BOLT 2).
   */
  readonly remoteNextSentAtLocalIndex: bigint | undefined;
  readonly localChanges: LocalChanges;
  readonly remoteChanges: RemoteChanges;
  /** The id our next `update_add_htlc` gets. */
  readonly localNextHtlcId: bigint;
  /** The id their next `update_add_htlc` must have. */
  readonly remoteNextHtlcId: bigint;
}

/** The limits one side declared, which the other side's HTLCs must respect (BOLT 2 `update_add_htlc`). */
export interface HtlcLimits {
  /** Smallest HTLC the receiver accepts. */
  readonly htlcMinimumMsat: bigint;
  /** Most HTLCs the sender may have offered to the receiver at once. */
  readonly maxAcceptedHtlcs: number;
  /** Most value the sender may have offered to the receiver at once. */
  readonly maxHtlcValueInFlightMsat: bigint;
  /** What the sender must keep on its side (the reserve the receiver required of it). */
  readonly senderReserveMsat: bigint;
  /** The commitment fee the sender must also keep when it is the funder, for a given spec. */
  readonly senderFeeMsat: (spec: CommitSpec) => bigint;
}

/** Why an update or a step is refused. */
export class HtlcError extends Error {
  override readonly name = 'HtlcError';
}

/** A fresh channel: both commitments at index 0 with the opening balances. */
export function initialHtlcCommitments(toLocalMsat: bigint, toRemoteMsat: bigint, feeratePerKw: number): HtlcCommitments {
  const spec: CommitSpec = { htlcs: [], toLocalMsat, toRemoteMsat, feeratePerKw };
  return {
    localSpec: spec,
    localCommitIndex: 0n,
    remoteSpec: { htlcs: [], toLocalMsat: toRemoteMsat, toRemoteMsat: toLocalMsat, feeratePerKw },
    remoteCommitIndex: 0n,
    remoteNext: undefined,
    remoteNextSentAtLocalIndex: undefined,
    localChanges: { proposed: [], signed: [], acked: [] },
    remoteChanges: { proposed: [], acked: [], signed: [] },
    localNextHtlcId: 0n,
    remoteNextHtlcId: 0n,
  };
}

/** Their commitment as it will be once everything we sent and acked is signed. */
function remoteViewWithPending(c: HtlcCommitments): CommitSpec {
  const base = c.remoteNext ?? c.remoteSpec;
  return reduce(base, c.remoteChanges.acked, c.localChanges.proposed);
}

/** Our commitment as it will be once everything they sent is signed. */
function localViewWithPending(c: HtlcCommitments): CommitSpec {
  return reduce(c.localSpec, c.localChanges.acked, c.remoteChanges.proposed);
}

function checkAdd(add: UpdateAddHtlc, spec: CommitSpec, limits: HtlcLimits, senderBalanceMsat: bigint): HtlcError | undefined {
  if (add.amountMsat <= 0n) return new HtlcError('HTLC amount must be positive');
  if (add.amountMsat < limits.htlcMinimumMsat) return new HtlcError(`HTLC of ${add.amountMsat} msat below htlc_minimum_msat ${limits.htlcMinimumMsat}`);
  if (add.cltvExpiry >= 500_000_000) return new HtlcError('cltv_expiry is a timestamp, not a block height');
  const offered = spec.htlcs.filter((h) => h.direction === 'received').length;
  if (offered > limits.maxAcceptedHtlcs) return new HtlcError(`more than max_accepted_htlcs (${limits.maxAcceptedHtlcs}) HTLCs`);
  let inFlight = 0n;
  for (const h of spec.htlcs) if (h.direction === 'received') inFlight += h.add.amountMsat;
  if (inFlight > limits.maxHtlcValueInFlightMsat) return new HtlcError(`HTLCs in flight exceed max_htlc_value_in_flight_msat ${limits.maxHtlcValueInFlightMsat}`);
  if (senderBalanceMsat < limits.senderReserveMsat + limits.senderFeeMsat(spec)) {
    return new HtlcError('sender cannot afford this HTLC with its reserve and the commitment fee');
  }
  return undefined;
}

/**
 * We offer an HTLC (`update_add_htlc`): it must fit the limits the peer declared, checked on
 * their next commitment (where they hold it as `received`).
 */
export function sendAdd(c: HtlcCommitments, add: Omit<UpdateAddHtlc, 'id'>, theirLimits: HtlcLimits): { c: HtlcCommitments; msg: UpdateAddHtlc } | HtlcError {
  const msg: UpdateAddHtlc = { ...add, id: c.localNextHtlcId };
  const next: HtlcCommitments = {
    ...c,
    localChanges: { ...c.localChanges, proposed: [...c.localChanges.proposed, { name: 'update_add_htlc', msg }] },
    localNextHtlcId: c.localNextHtlcId + 1n,
  };
  const theirs = remoteViewWithPending(next);
  // In their commitment our balance is their `toRemote`.
  const err = checkAdd(msg, theirs, theirLimits, theirs.toRemoteMsat);
  return err ?? { c: next, msg };
}

/** They offer an HTLC: its id must be the next one, and it must fit our limits on our next commitment. */
export function receiveAdd(c: HtlcCommitments, msg: UpdateAddHtlc, ourLimits: HtlcLimits): HtlcCommitments | HtlcError {
  if (msg.id !== c.remoteNextHtlcId) return new HtlcError(`update_add_htlc id ${msg.id}, expected ${c.remoteNextHtlcId}`);
  const next: HtlcCommitments = {
    ...c,
    remoteChanges: { ...c.remoteChanges, proposed: [...c.remoteChanges.proposed, { name: 'update_add_htlc', msg }] },
    remoteNextHtlcId: c.remoteNextHtlcId + 1n,
  };
  const ours = localViewWithPending(next);
  const err = checkAdd(msg, ours, ourLimits, ours.toRemoteMsat);
  return err ?? next;
}

function alreadySettling(changes: readonly ChannelUpdate[], id: bigint): boolean {
  return changes.some((u) => u.name !== 'update_add_htlc' && u.name !== 'update_fee' && u.msg.id === id);
}

/**
 * An HTLC they offered that is in both current commitments ("irrevocably committed", BOLT 2):
 * the only kind we may fulfill or fail.
 */
export function incomingCrossSigned(c: HtlcCommitments, id: bigint): UpdateAddHtlc | undefined {
  const inLocal = findHtlc(c.localSpec, 'received', id);
  const inRemote = findHtlc(c.remoteSpec, 'offered', id);
  return inLocal && inRemote ? inLocal.add : undefined;
}

/** An HTLC we offered that is in both current commitments. */
export function outgoingCrossSigned(c: HtlcCommitments, id: bigint): UpdateAddHtlc | undefined {
  const inLocal = findHtlc(c.localSpec, 'offered', id);
  const inRemote = findHtlc(c.remoteSpec, 'received', id);
  return inLocal && inRemote ? inLocal.add : undefined;
}

/** We settle one of their HTLCs with its preimage (`update_fulfill_htlc`). */
export function sendFulfill(c: HtlcCommitments, id: bigint, preimage: Uint8Array, channelId: Uint8Array, crypto: CryptoBackend): { c: HtlcCommitments; update: ChannelUpdate } | HtlcError {
  const add = incomingCrossSigned(c, id);
  if (!add) return new HtlcError(`no irrevocably committed incoming HTLC ${id}`);
  if (alreadySettling([...c.localChanges.proposed, ...c.localChanges.signed, ...c.localChanges.acked], id)) return new HtlcError(`HTLC ${id} is already being settled`);
  if (!equalBytes(crypto.sha256(preimage), add.paymentHash)) return new HtlcError('preimage does not match the payment hash');
  const update: ChannelUpdate = { name: 'update_fulfill_htlc', msg: { channelId, id, paymentPreimage: preimage } };
  return { c: { ...c, localChanges: { ...c.localChanges, proposed: [...c.localChanges.proposed, update] } }, update };
}

/** We fail one of their HTLCs (`update_fail_htlc` or, for an unparsable onion, `update_fail_malformed_htlc`). */
export function sendFail(c: HtlcCommitments, update: ChannelUpdate): HtlcCommitments | HtlcError {
  if (update.name !== 'update_fail_htlc' && update.name !== 'update_fail_malformed_htlc') return new HtlcError('not a fail');
  const id = update.msg.id;
  if (!incomingCrossSigned(c, id)) return new HtlcError(`no irrevocably committed incoming HTLC ${id}`);
  if (alreadySettling([...c.localChanges.proposed, ...c.localChanges.signed, ...c.localChanges.acked], id)) return new HtlcError(`HTLC ${id} is already being settled`);
  return { ...c, localChanges: { ...c.localChanges, proposed: [...c.localChanges.proposed, update] } };
}

/** They settle one of our HTLCs; a fulfill must carry the preimage of its hash. Returns the HTLC settled. */
export function receiveSettle(c: HtlcCommitments, update: ChannelUpdate, crypto: CryptoBackend): { c: HtlcCommitments; htlc: UpdateAddHtlc } | HtlcError {
  if (update.name === 'update_add_htlc' || update.name === 'update_fee') return new HtlcError('not a settle');
  const id = update.msg.id;
  const add = outgoingCrossSigned(c, id);
  if (!add) return new HtlcError(`${update.name} for unknown or not yet committed HTLC ${id}`);
  if (alreadySettling([...c.remoteChanges.proposed, ...c.remoteChanges.acked, ...c.remoteChanges.signed], id)) return new HtlcError(`HTLC ${id} settled twice`);
  if (update.name === 'update_fulfill_htlc' && !equalBytes(crypto.sha256(update.msg.paymentPreimage), add.paymentHash)) {
    return new HtlcError('update_fulfill_htlc preimage does not match the payment hash');
  }
  if (update.name === 'update_fail_malformed_htlc' && (update.msg.failureCode & 0x8000) === 0) {
    return new HtlcError('update_fail_malformed_htlc without the BADONION bit');
  }
  return { c: { ...c, remoteChanges: { ...c.remoteChanges, proposed: [...c.remoteChanges.proposed, update] } }, htlc: add };
}

/** The funder changes the feerate (`update_fee`), sent or received. */
export function addFeeUpdate(c: HtlcCommitments, update: ChannelUpdate, ours: boolean): HtlcCommitments {
  if (ours) return { ...c, localChanges: { ...c.localChanges, proposed: [...c.localChanges.proposed, update] } };
  return { ...c, remoteChanges: { ...c.remoteChanges, proposed: [...c.remoteChanges.proposed, update] } };
}

/** True when we have something to sign for them (BOLT 2: no empty commitment_signed). */
export function canSendCommit(c: HtlcCommitments): boolean {
  return c.remoteNext === undefined && (c.localChanges.proposed.length > 0 || c.remoteChanges.acked.length > 0);
}

/**
 * We sign their next commitment: it covers their acked updates and our proposed ones. Returns
 * the spec to build and sign (their view) and the state awaiting their `revoke_and_ack`.
 */
export function sendCommit(c: HtlcCommitments): { c: HtlcCommitments; spec: CommitSpec; index: bigint } | HtlcError {
  if (c.remoteNext) return new HtlcError('still waiting for revoke_and_ack');
  if (!canSendCommit(c)) return new HtlcError('nothing to sign');
  const spec = reduce(c.remoteSpec, c.remoteChanges.acked, c.localChanges.proposed);
  return {
    c: {
      ...c,
      remoteNext: spec,
      remoteNextSentAtLocalIndex: c.localCommitIndex,
      localChanges: { ...c.localChanges, proposed: [], signed: c.localChanges.proposed },
      remoteChanges: { ...c.remoteChanges, acked: [], signed: c.remoteChanges.acked },
    },
    spec,
    index: c.remoteCommitIndex + 1n,
  };
}

/**
 * They signed our next commitment: it covers our acked updates and their proposed ones. Returns
 * the spec to build and check the signatures against; we then owe them a `revoke_and_ack` of our
 * previous commitment.
 */
export function receiveCommit(c: HtlcCommitments): { c: HtlcCommitments; spec: CommitSpec; index: bigint } | HtlcError {
  if (c.localChanges.acked.length === 0 && c.remoteChanges.proposed.length === 0) {
    return new HtlcError('commitment_signed with no changes');
  }
  const spec = reduce(c.localSpec, c.localChanges.acked, c.remoteChanges.proposed);
  return {
    c: {
      ...c,
      localSpec: spec,
      localCommitIndex: c.localCommitIndex + 1n,
      localChanges: { ...c.localChanges, acked: [] },
      remoteChanges: { ...c.remoteChanges, proposed: [], acked: [...c.remoteChanges.acked, ...c.remoteChanges.proposed] },
    },
    spec,
    index: c.localCommitIndex + 1n,
  };
}

/**
 * They revoked their previous commitment: the one we signed becomes current. Returns their
 * updates that are now irrevocably committed on both sides (to forward, settle upstream, or
 * claim), which were in the `signed` list.
 */
export function receiveRevoke(c: HtlcCommitments): { c: HtlcCommitments; committed: readonly ChannelUpdate[] } | HtlcError {
  if (!c.remoteNext) return new HtlcError('revoke_and_ack without an outstanding commitment_signed');
  return {
    c: {
      ...c,
      remoteSpec: c.remoteNext,
      remoteCommitIndex: c.remoteCommitIndex + 1n,
      remoteNext: undefined,
      remoteNextSentAtLocalIndex: undefined,
      localChanges: { ...c.localChanges, signed: [], acked: [...c.localChanges.acked, ...c.localChanges.signed] },
      remoteChanges: { ...c.remoteChanges, signed: [] },
    },
    committed: c.remoteChanges.signed,
  };
}

/** Value we have offered and not yet seen settled, in our current commitment. */
export function outgoingInFlightMsat(c: HtlcCommitments): bigint {
  return offeredValueMsat(c.localSpec);
}

/**
 * On disconnection (BOLT 2 §"Message Retransmission"): their updates not yet covered by a
 * `commitment_signed` they sent are reversed, and so are our adds not yet covered by ours
 * (returned, to be failed back or retried). Our unsigned fulfills and fails are kept: they
 * settle cross-signed HTLCs and are sent again after `channel_reestablish`.
 */
export function dropUnsignedUpdates(c: HtlcCommitments): { c: HtlcCommitments; droppedAdds: UpdateAddHtlc[] } {
  const droppedAdds = c.localChanges.proposed.filter((u) => u.name === 'update_add_htlc').map((u) => u.msg as UpdateAddHtlc);
  const keep = c.localChanges.proposed.filter((u) => u.name !== 'update_add_htlc' && u.name !== 'update_fee');
  const theirAdds = c.remoteChanges.proposed.filter((u) => u.name === 'update_add_htlc').length;
  return {
    c: {
      ...c,
      localChanges: { ...c.localChanges, proposed: keep },
      remoteChanges: { ...c.remoteChanges, proposed: [] },
      localNextHtlcId: c.localNextHtlcId - BigInt(droppedAdds.length),
      remoteNextHtlcId: c.remoteNextHtlcId - BigInt(theirAdds),
    },
    droppedAdds,
  };
}
