/**
 * Segwit addresses: BIP 173 (bech32, witness v0) and BIP 350 (bech32m, v1+), via @scure/base.
 * @module
 */
import { bech32, bech32m } from '@scure/base';
import { DecodeError } from '../util/errors.js';
import { OP } from './opcodes.js';

/** Human-readable parts of the networks Lightning uses. */
export const HRP = { mainnet: 'bc', testnet: 'tb', signet: 'tb', regtest: 'bcrt' } as const;

/** Encodes a witness program as an address. */
export function encodeSegwitAddress(hrp: string, version: number, program: Uint8Array): string {
  if (version < 0 || version > 16) throw new TypeError('witness version must be 0..16');
  if (program.length < 2 || program.length > 40) throw new TypeError('witness program must be 2..40 bytes');
  if (version === 0 && program.length !== 20 && program.length !== 32) throw new TypeError('v0 program must be 20 or 32 bytes');
  const words = [version, ...bech32.toWords(program)];
  return version === 0 ? bech32.encode(hrp, words) : bech32m.encode(hrp, words);
}

/**
 * Decodes a segwit address, checking the checksum variant matches the version (BIP 350).
 * @returns the HRP, version and program, or a {@link DecodeError}.
 */
export function decodeSegwitAddress(addr: string): { hrp: string; version: number; program: Uint8Array } | DecodeError {
  const lower = addr.toLowerCase();
  if (addr !== lower && addr !== addr.toUpperCase()) return new DecodeError('InvalidValue', 'mixed-case address');
  const sep = lower.lastIndexOf('1');
  // bech32 and bech32m share the alphabet; the version word selects which checksum is valid.
  const versionChar = sep > 0 ? lower[sep + 1] : undefined;
  const isV0 = versionChar === 'q';
  try {
    const d = isV0 ? bech32.decode(lower as `${string}1${string}`) : bech32m.decode(lower as `${string}1${string}`);
    const [version, ...rest] = d.words;
    if (version === undefined || version > 16) return new DecodeError('InvalidValue', 'bad witness version');
    const program = bech32.fromWords(rest);
    if (program.length < 2 || program.length > 40) return new DecodeError('InvalidValue', 'bad program length');
    if (version === 0 && program.length !== 20 && program.length !== 32) return new DecodeError('InvalidValue', 'bad v0 program length');
    return { hrp: d.prefix, version, program };
  } catch (e) {
    return new DecodeError('InvalidValue', e instanceof Error ? e.message : 'invalid address');
  }
}

/** The scriptPubKey an address pays to. */
export function addressToScript(addr: string): Uint8Array | DecodeError {
  const d = decodeSegwitAddress(addr);
  if (d instanceof DecodeError) return d;
  const out = new Uint8Array(2 + d.program.length);
  out[0] = d.version === 0 ? OP.OP_0 : OP.OP_1 + d.version - 1;
  out[1] = d.program.length;
  out.set(d.program, 2);
  return out;
}
