/**
 * The three error families of lnts, as in rust-lightning:
 * - {@link DecodeError}: bytes that do not parse (BOLT 1 §"Lightning Message Format").
 * - {@link APIError}: the caller broke a documented precondition.
 * - {@link LightningError}: a peer broke the protocol; carries the {@link ErrorAction} that
 *   `PeerManager` (and only it) carries out.
 * @module
 */

/** Why bytes failed to decode. Mirrors LDK's `DecodeError` variants. */
export type DecodeErrorKind =
  | 'ShortRead'
  | 'InvalidValue'
  | 'UnknownRequiredFeature'
  | 'BadLengthDescriptor'
  | 'UnknownVersion'
  | 'UnknownEvenMessage';

/** Malformed bytes. Every decoder in lnts returns (or throws, internally) this and nothing else. */
export class DecodeError extends Error {
  override readonly name = 'DecodeError';
  constructor(
    readonly kind: DecodeErrorKind,
    message: string,
  ) {
    super(`${kind}: ${message}`);
  }
}

/** The caller broke a documented precondition (LDK: `APIError`). */
export abstract class APIError extends Error {
  abstract readonly code: string;
}
/** A call that makes no sense in the current state, or with these arguments. */
export class APIMisuseError extends APIError {
  readonly code = 'API_MISUSE';
  override readonly name = 'APIMisuseError';
}
/** The channel named does not exist or cannot do what was asked right now. */
export class ChannelUnavailable extends APIError {
  readonly code = 'CHANNEL_UNAVAILABLE';
  override readonly name = 'ChannelUnavailable';
}
/** A route handed in is unusable (BOLT 4 limits, unknown first hop...). */
export class InvalidRoute extends APIError {
  readonly code = 'INVALID_ROUTE';
  override readonly name = 'InvalidRoute';
}
/** The operation waits for a `ChannelMonitorUpdate` still being persisted. */
export class MonitorUpdateInProgress extends APIError {
  readonly code = 'MONITOR_UPDATE_IN_PROGRESS';
  override readonly name = 'MonitorUpdateInProgress';
}
/** A requested feerate is above what the channel can pay. */
export class FeeRateTooHigh extends APIError {
  readonly code = 'FEE_RATE_TOO_HIGH';
  override readonly name = 'FeeRateTooHigh';
  constructor(
    message: string,
    readonly feeratePerKw: number,
  ) {
    super(message);
  }
}
/** A shutdown script the counterparty (or BOLT 2) would not accept. */
export class IncompatibleShutdownScript extends APIError {
  readonly code = 'INCOMPATIBLE_SHUTDOWN_SCRIPT';
  override readonly name = 'IncompatibleShutdownScript';
}

/** Log levels, lowest first (LDK's `Level`). */
export type LogLevel = 'gossip' | 'trace' | 'debug' | 'info' | 'warn' | 'error';

/** An `error` message to send: BOLT 1 §"The error and warning messages". All-zero channel id = connection-wide. */
export interface ErrorMessageData {
  readonly channelId: Uint8Array;
  readonly data: string;
}

/**
 * What `PeerManager` does to the peer at fault (BOLT 1 §"The error and warning messages").
 * Only `PeerManager` interprets these.
 */
export type ErrorAction =
  | { readonly kind: 'disconnect'; readonly send?: ErrorMessageData }
  | { readonly kind: 'disconnect-with-warning'; readonly send: ErrorMessageData }
  | { readonly kind: 'ignore'; readonly log: LogLevel }
  | { readonly kind: 'ignore-duplicate-gossip' }
  | { readonly kind: 'send-error'; readonly send: ErrorMessageData }
  | { readonly kind: 'send-warning'; readonly send: ErrorMessageData; readonly log: LogLevel };

/** A peer broke the protocol. Returned or thrown by handlers; nothing escapes `PeerManager.readEvent`. */
export class LightningError extends Error {
  override readonly name = 'LightningError';
  constructor(
    message: string,
    readonly action: ErrorAction,
  ) {
    super(message);
  }
}

/** A crypto primitive was handed an invalid key, point or scalar. */
export class CryptoError extends Error {
  override readonly name = 'CryptoError';
}

/** Exhaustiveness guard for discriminated unions. */
export function assertNever(x: never, what = 'value'): never {
  throw new Error(`unexpected ${what}: ${JSON.stringify(x)}`);
}
