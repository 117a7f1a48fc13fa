/**
 * What one commitment transaction contains (Eclair's `CommitmentSpec`): the HTLCs, both balances
 * and the feerate, from the point of view of the commitment's owner — and how a list of updates
 * (BOLT 2 §"Normal Operation": add, fulfill, fail, fail_malformed, update_fee) changes it.
 * @module
 */
import type { UpdateAddHtlc, UpdateFailHtlc, UpdateFailMalformedHtlc, UpdateFee, UpdateFulfillHtlc } from '../../msgs/bolt02.js';

/** An HTLC in a commitment, seen by the commitment's owner: `offered` = the owner offered it. */
export interface DirectedHtlc {
  readonly direction: 'offered' | 'received';
  readonly add: UpdateAddHtlc;
}

/** The content of one commitment transaction. Balances in msat, HTLC amounts excluded. */
export interface CommitSpec {
  readonly htlcs: readonly DirectedHtlc[];
  readonly toLocalMsat: bigint;
  readonly toRemoteMsat: bigint;
  readonly feeratePerKw: number;
}

/** A BOLT 2 update message, as the commitment dance carries it. */
export type ChannelUpdate =
  | { readonly name: 'update_add_htlc'; readonly msg: UpdateAddHtlc }
  | { readonly name: 'update_fulfill_htlc'; readonly msg: UpdateFulfillHtlc }
  | { readonly name: 'update_fail_htlc'; readonly msg: UpdateFailHtlc }
  | { readonly name: 'update_fail_malformed_htlc'; readonly msg: UpdateFailMalformedHtlc }
  | { readonly name: 'update_fee'; readonly msg: UpdateFee };

function find(htlcs: readonly DirectedHtlc[], direction: DirectedHtlc['direction'], id: bigint): number {
  return htlcs.findIndex((h) => h.direction === direction && h.add.id === id);
}

/** The owner-view HTLC with this direction and id, if in the spec. */
export function findHtlc(spec: CommitSpec, direction: DirectedHtlc['direction'], id: bigint): DirectedHtlc | undefined {
  const i = find(spec.htlcs, direction, id);
  return i < 0 ? undefined : spec.htlcs[i];
}

/**
 * Applies updates to `spec` (owner's view): `ownerChanges` are updates the owner sent,
 * `otherChanges` those the other party sent. Adds first (they debit the offerer), then settles
 * (a fulfill credits the receiver of the HTLC, a fail refunds the offerer), then the last
 * `update_fee` of either list. An update naming an HTLC the spec does not hold is a bug of the
 * caller (validation happens before an update is accepted): it throws.
 */
export function reduce(spec: CommitSpec, ownerChanges: readonly ChannelUpdate[], otherChanges: readonly ChannelUpdate[]): CommitSpec {
  const htlcs = spec.htlcs.slice();
  let toLocal = spec.toLocalMsat;
  let toRemote = spec.toRemoteMsat;
  let feerate = spec.feeratePerKw;
  for (const u of ownerChanges) {
    if (u.name === 'update_add_htlc') {
      htlcs.push({ direction: 'offered', add: u.msg });
      toLocal -= u.msg.amountMsat;
    }
  }
  for (const u of otherChanges) {
    if (u.name === 'update_add_htlc') {
      htlcs.push({ direction: 'received', add: u.msg });
      toRemote -= u.msg.amountMsat;
    }
  }
  const settle = (direction: DirectedHtlc['direction'], id: bigint, paidToReceiver: boolean): void => {
    const i = find(htlcs, direction, id);
    if (i < 0) throw new Error(`reduce: no ${direction} htlc ${id}`);
    const [h] = htlcs.splice(i, 1);
    const amount = h!.add.amountMsat;
    // The receiver of a `received` HTLC is the owner; of an `offered` one, the other party.
    const creditOwner = direction === 'received' ? paidToReceiver : !paidToReceiver;
    if (creditOwner) toLocal += amount;
    else toRemote += amount;
  };
  // The owner settles HTLCs it received; the other party settles HTLCs the owner offered.
  for (const u of ownerChanges) {
    if (u.name === 'update_fulfill_htlc') settle('received', u.msg.id, true);
    else if (u.name === 'update_fail_htlc' || u.name === 'update_fail_malformed_htlc') settle('received', u.msg.id, false);
  }
  for (const u of otherChanges) {
    if (u.name === 'update_fulfill_htlc') settle('offered', u.msg.id, true);
    else if (u.name === 'update_fail_htlc' || u.name === 'update_fail_malformed_htlc') settle('offered', u.msg.id, false);
  }
  for (const u of [...ownerChanges, ...otherChanges]) if (u.name === 'update_fee') feerate = u.msg.feeratePerKw;
  return { htlcs, toLocalMsat: toLocal, toRemoteMsat: toRemote, feeratePerKw: feerate };
}

/** The same spec seen from the other party (offered ↔ received, local ↔ remote). */
export function mirror(spec: CommitSpec): CommitSpec {
  return {
    htlcs: spec.htlcs.map((h) => ({ direction: h.direction === 'offered' ? 'received' : 'offered', add: h.add })),
    toLocalMsat: spec.toRemoteMsat,
    toRemoteMsat: spec.toLocalMsat,
    feeratePerKw: spec.feeratePerKw,
  };
}

/** Total msat locked in HTLCs the owner offered. */
export function offeredValueMsat(spec: CommitSpec): bigint {
  let s = 0n;
  for (const h of spec.htlcs) if (h.direction === 'offered') s += h.add.amountMsat;
  return s;
}

/** Total msat in HTLCs the owner received. */
export function receivedValueMsat(spec: CommitSpec): bigint {
  let s = 0n;
  for (const h of spec.htlcs) if (h.direction === 'received') s += h.add.amountMsat;
  return s;
}
