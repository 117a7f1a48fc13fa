import { DecodeError } from '../../util/errors.js';
import { asDecodeError, type Coder } from '../../util/ser/codec.js';
import { ByteReader } from '../../util/ser/reader.js';
import type { ByteWriter } from '../../util/ser/writer.js';
import { fromUtf8, utf8 } from '../../util/bytes.js';

/**
 * A network address as BOLT 7 §"The node_announcement Message" encodes it (also used by
 * `init`'s `remote_addr` TLV, BOLT 1). Unknown address types cannot be skipped (their length is
 * not self-describing), so they stop a list: {@link parseAddresses} keeps the rest as opaque bytes.
 */
export type NetAddress =
  | { readonly type: 'ipv4'; readonly addr: Uint8Array; readonly port: number }
  | { readonly type: 'ipv6'; readonly addr: Uint8Array; readonly port: number }
  | { readonly type: 'torv3'; readonly addr: Uint8Array; readonly port: number }
  | { readonly type: 'dns'; readonly hostname: string; readonly port: number };

function readOne(r: ByteReader, t: number): NetAddress {
  switch (t) {
    case 1:
      return { type: 'ipv4', addr: r.bytes(4).slice(), port: r.u16() };
    case 2:
      return { type: 'ipv6', addr: r.bytes(16).slice(), port: r.u16() };
    case 4:
      return { type: 'torv3', addr: r.bytes(35).slice(), port: r.u16() };
    case 5: {
      const host = r.bytes(r.u8());
      for (const c of host) if (c < 0x21 || c > 0x7e) throw new DecodeError('InvalidValue', 'dns hostname not printable ASCII');
      return { type: 'dns', hostname: fromUtf8(host), port: r.u16() };
    }
    default:
      throw new DecodeError('InvalidValue', `unknown address type ${t}`);
  }
}

function writeOne(w: ByteWriter, a: NetAddress): void {
  switch (a.type) {
    case 'ipv4':
      w.u8(1).bytes(a.addr).u16(a.port);
      return;
    case 'ipv6':
      w.u8(2).bytes(a.addr).u16(a.port);
      return;
    case 'torv3':
      w.u8(4).bytes(a.addr).u16(a.port);
      return;
    case 'dns': {
      const h = utf8(a.hostname);
      if (h.length > 255) throw new TypeError('hostname too long');
      w.u8(5).u8(h.length).bytes(h).u16(a.port);
      return;
    }
  }
}

/** One address descriptor (type byte + data + port). */
export const netAddress: Coder<NetAddress> = {
  read: (r) => readOne(r, r.u8()),
  write: writeOne,
};

/** Formats an address as `host:port` for logs and the CLI. */
export function formatNetAddress(a: NetAddress): string {
  switch (a.type) {
    case 'ipv4':
      return `${[...a.addr].join('.')}:${a.port}`;
    case 'ipv6': {
      const parts: string[] = [];
      for (let i = 0; i < 16; i += 2) parts.push(((a.addr[i]! << 8) | a.addr[i + 1]!).toString(16));
      return `[${parts.join(':')}]:${a.port}`;
    }
    case 'torv3':
      return `torv3(${a.addr.length} bytes):${a.port}`;
    case 'dns':
      return `${a.hostname}:${a.port}`;
  }
}

/** Parses `a.b.c.d` into an IPv4 address record. */
export function ipv4(host: string, port: number): NetAddress {
  const parts = host.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) {
    throw new TypeError(`not an IPv4 address: ${host}`);
  }
  return { type: 'ipv4', addr: Uint8Array.from(parts), port };
}

/** What {@link parseAddresses} found in a `node_announcement`'s `addresses`. */
export interface ParsedAddresses {
  /** The usable addresses, in order. */
  readonly addresses: NetAddress[];
  /** Bytes from the first descriptor of an unknown type on (BOLT 7: ignored, kept for relay). */
  readonly unknown: Uint8Array;
  /** More than one DNS hostname was announced: BOLT 7 says such an announcement is not forwarded. */
  readonly multipleHostnames: boolean;
}

/**
 * Reads the `addresses` field of a `node_announcement` as BOLT 7's receiver rules say: Tor v2
 * (type 3) and addresses with port 0 are skipped, a second DNS hostname is ignored (and flagged),
 * a hostname that is not printable ASCII is skipped, and an unknown type ends the known part.
 * @returns a {@link DecodeError} when `addrlen` is too short for a descriptor of a known type
 *   (the receiver then warns the peer); never throws.
 */
export function parseAddresses(bytes: Uint8Array): ParsedAddresses | DecodeError {
  const addresses: NetAddress[] = [];
  let multipleHostnames = false;
  const r = new ByteReader(bytes);
  try {
    while (!r.isEnd()) {
      const start = r.offset;
      const t = r.u8();
      if (t === 3) {
        r.bytes(12);
        continue;
      }
      if (t === 5) {
        const host = r.bytes(r.u8());
        const port = r.u16();
        if (addresses.some((a) => a.type === 'dns')) {
          multipleHostnames = true;
          continue;
        }
        if (port === 0 || host.length === 0 || host.some((c) => c < 0x21 || c > 0x7e)) continue;
        addresses.push({ type: 'dns', hostname: fromUtf8(host), port });
        continue;
      }
      if (t !== 1 && t !== 2 && t !== 4) return { addresses, unknown: bytes.slice(start), multipleHostnames };
      const a = readOne(r, t);
      if (a.port === 0 && a.type !== 'torv3') continue;
      addresses.push(a);
    }
  } catch (e) {
    return asDecodeError(e);
  }
  return { addresses, unknown: new Uint8Array(0), multipleHostnames };
}
