/**
 * Channel failures (Eclair's `ChannelException`s, LDK's `ChannelError`). `close` fails the channel
 * (BOLT 1 `error`, BOLT 5 "Failing a Channel"); `warn` sends a `warning` and keeps the channel;
 * `warn-disconnect` also closes the connection (BOLT 7's answer to bad signatures) and keeps the
 * channel; `ignore` drops the message.
 * @module
 */
import { toHex } from '../../util/hex.js';

/** How bad a channel failure is. */
export type ChannelErrorSeverity = 'close' | 'warn' | 'warn-disconnect' | 'ignore';

/** A channel-level protocol failure, carrying the channel it concerns. */
export class ChannelError extends Error {
  override readonly name = 'ChannelError';
  constructor(
    readonly channelId: Uint8Array,
    message: string,
    readonly severity: ChannelErrorSeverity = 'close',
  ) {
    super(message);
  }
  /** For logs. */
  describe(): string {
    return `${this.severity} ${toHex(this.channelId).slice(0, 16)}: ${this.message}`;
  }
}

/** A warning-level failure (BOLT 1 `warning`): tell the peer, keep the channel. */
export function channelWarning(channelId: Uint8Array, message: string): ChannelError {
  return new ChannelError(channelId, message, 'warn');
}
