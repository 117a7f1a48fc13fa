import type { WireMessage } from '../ln/msgs/index.js';
import type { ErrorAction } from './errors.js';

/**
 * A message a handler wants sent (LDK's `MessageSendEvent`). `PeerManager.processEvents()` takes
 * these from every `MessageSendEventsProvider` and turns them into encrypted bytes.
 */
export type MessageSendEvent =
  /** Send `msg` to the connected peer `nodeId` (dropped, with a log line, if it is not connected). */
  | { readonly kind: 'send-message'; readonly nodeId: Uint8Array; readonly msg: WireMessage }
  /** Gossip to relay to every connected peer (except `exceptNodeId`), subject to buffer limits. */
  | { readonly kind: 'broadcast'; readonly msg: WireMessage; readonly exceptNodeId?: Uint8Array }
  /** A protocol violation by `nodeId`: carry out `action` (BOLT 1 §"The error and warning messages"). */
  | { readonly kind: 'handle-error'; readonly nodeId: Uint8Array; readonly action: ErrorAction };

/** Something that queues messages for peers (LDK's `MessageSendEventsProvider`). */
export interface MessageSendEventsProvider {
  /** Returns and forgets every queued event, in the order they were queued. */
  getAndClearPendingMsgEvents(): MessageSendEvent[];
}
