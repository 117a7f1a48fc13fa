/**
 * What a failed payment path tells us about the network (LDK's `NetworkUpdate`, derived as its
 * `process_onion_failure` does from BOLT 4 §"Returning Errors"): the failure code's NODE flag blames
 * the erring node, PERM without NODE blames its outgoing channel permanently, an UPDATE code carries
 * the channel's latest `channel_update`, and anything else is a temporary failure of that channel.
 * An error from the recipient says nothing about the network.
 * @module
 */
import { NODE, PERM, UPDATE } from '../ln/onion/failure_codes.js';

/** A change to apply to the graph and scorer after a failure. */
export type NetworkUpdate =
  | { readonly kind: 'channel-failure'; readonly shortChannelId: bigint; readonly isPermanent: boolean }
  | { readonly kind: 'node-failure'; readonly nodeId: Uint8Array; readonly isPermanent: boolean }
  /** The erring node's `channel_update` for its outgoing channel (wire payload without the type). */
  | { readonly kind: 'channel-update'; readonly shortChannelId: bigint; readonly message: Uint8Array };

/** The hops of a failed path as the failure analysis needs them. */
export interface FailedPathHop {
  readonly pubkey: Uint8Array;
  readonly shortChannelId: bigint;
}

/** What a failure says: which channel to blame (for the scorer and retries) and the graph update. */
export interface FailureAnalysis {
  /** The channel out of the erring node (the one that could not carry the HTLC), when known. */
  readonly shortChannelId: bigint | undefined;
  readonly update: NetworkUpdate | undefined;
}

/**
 * Analyses a failure attributed to hop `hopIndex` of `path` (the node `path[hopIndex].pubkey`
 * reported it) with BOLT 4 failure `code`; `channelUpdate` is the update the failure carried, if any.
 * `hopIndex` undefined (unreadable error) blames our first channel temporarily, as LDK does.
 */
export function analyseFailure(
  path: readonly FailedPathHop[],
  hopIndex: number | undefined,
  code: number | undefined,
  channelUpdate: Uint8Array | undefined,
): FailureAnalysis {
  if (hopIndex === undefined || code === undefined) {
    const first = path[0]?.shortChannelId;
    return { shortChannelId: first, update: first === undefined ? undefined : { kind: 'channel-failure', shortChannelId: first, isPermanent: false } };
  }
  const last = hopIndex >= path.length - 1;
  const out = last ? undefined : path[hopIndex + 1]!.shortChannelId;
  if (last) return { shortChannelId: undefined, update: undefined };
  if ((code & NODE) !== 0) return { shortChannelId: out, update: { kind: 'node-failure', nodeId: path[hopIndex]!.pubkey, isPermanent: (code & PERM) !== 0 } };
  if ((code & UPDATE) !== 0 && channelUpdate !== undefined && channelUpdate.length > 0) {
    return { shortChannelId: out, update: { kind: 'channel-update', shortChannelId: out!, message: channelUpdate } };
  }
  return { shortChannelId: out, update: { kind: 'channel-failure', shortChannelId: out!, isPermanent: (code & PERM) !== 0 } };
}
