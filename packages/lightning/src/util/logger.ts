import type { LogLevel } from './errors.js';

/** One log record (LDK's `Record`). `peerId` is set when the record concerns one peer. */
export interface LogRecord {
  readonly level: LogLevel;
  readonly module: string;
  readonly message: string;
  readonly peerId?: Uint8Array;
  readonly channelId?: Uint8Array;
}

/** Where lnts writes what it does; supplied by the user (LDK's `Logger`). */
export interface Logger {
  log(record: LogRecord): void;
}

/** A logger that drops everything. */
export const nullLogger: Logger = { log() {} };

const ORDER: Record<LogLevel, number> = { gossip: 0, trace: 1, debug: 2, info: 3, warn: 4, error: 5 };

/** True when `level` is at least `min`. */
export function levelAtLeast(level: LogLevel, min: LogLevel): boolean {
  return ORDER[level] >= ORDER[min];
}
