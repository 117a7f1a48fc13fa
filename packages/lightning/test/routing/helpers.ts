// Shared builders for router tests: deterministic node keys, first-hop channels, hint hops.
import { nobleBackend } from '../../src/crypto/noble.js';
import type { FirstHopChannel, RouteHintHop } from '../../src/routing/index.js';
import { toHex } from '../../src/util/hex.js';
import type { LogRecord, Logger } from '../../src/util/logger.js';

/** A node id from a one-byte secret (distinct, valid points). */
export function nodeKey(n: number): Uint8Array {
  const s = new Uint8Array(32);
  s[31] = n;
  s[0] = 0x11;
  return nobleBackend.publicKey(s);
}

/** Named nodes used across tests. */
export const US = nodeKey(1);
export const PAYEE = nodeKey(2);
export const N = Array.from({ length: 12 }, (_, i) => nodeKey(10 + i));

let channelCounter = 0;
/** One of our channels: usable, with a real short channel id unless overridden. */
export function chan(peer: Uint8Array, limitMsat: bigint, over: Partial<FirstHopChannel> = {}): FirstHopChannel {
  channelCounter++;
  const channelId = new Uint8Array(32);
  channelId[0] = 0xcc;
  channelId[31] = channelCounter & 0xff;
  channelId[30] = channelCounter >> 8;
  return {
    channelId,
    counterpartyNodeId: peer,
    shortChannelId: 1_000_000n + BigInt(channelCounter),
    outboundScidAlias: undefined,
    nextOutboundHtlcLimitMsat: limitMsat,
    isUsable: true,
    ...over,
  };
}

/** A hint hop: the channel from `from` towards the next hop, with `from`'s fees. */
export function hop(from: Uint8Array, scid: bigint, base: number, ppm: number, cltv: number, over: Partial<RouteHintHop> = {}): RouteHintHop {
  return { pubkey: from, shortChannelId: scid, feeBaseMsat: base, feeProportionalMillionths: ppm, cltvExpiryDelta: cltv, ...over };
}

/** A logger that keeps what it is told (tests assert on it, and it keeps output quiet). */
export class MemLogger implements Logger {
  readonly records: LogRecord[] = [];
  log(r: LogRecord): void {
    this.records.push(r);
  }
}

/** Hex of a key, for readable assertions. */
export const hex = toHex;
