/**
 * The `f` field of BOLT 11 §"Tagged Fields": an on-chain fallback address, a 5-bit version
 * followed by a witness program (versions 0–16), a P2PKH hash (17) or a P2SH hash (18).
 * @module
 */
import { bech32, bech32m, createBase58check } from '@scure/base';
import { decodeSegwitAddress } from '../bitcoin/address.js';
import type { CryptoBackend } from '../crypto/backend.js';
import { DecodeError } from '../util/errors.js';
import { InvoiceError } from './errors.js';
import { type InvoiceNetwork, addressParams } from './network.js';
import { bytesToWords, wordsToBytes } from './words.js';

/** The `f` version of a P2PKH fallback. */
export const FALLBACK_P2PKH = 17;
/** The `f` version of a P2SH fallback. */
export const FALLBACK_P2SH = 18;

/** One decoded fallback address (BOLT 11 `f`), with the address string for the invoice's network. */
export interface Fallback {
  /** 0–16: witness version; 17: P2PKH; 18: P2SH. */
  readonly version: number;
  /** The witness program, or the 20-byte public-key / script hash. */
  readonly program: Uint8Array;
  /** The address: base58check for 17/18, bech32 (v0, BIP 173) or bech32m (v1+, BIP 350). */
  readonly address: string;
}

function base58check(crypto: CryptoBackend) {
  return createBase58check((d: Uint8Array) => crypto.sha256(d));
}

/** Checks a version/program pair the way BIP 141 (segwit) and base58 addresses require. */
function checkProgram(version: number, program: Uint8Array): string | undefined {
  if (version === FALLBACK_P2PKH || version === FALLBACK_P2SH) {
    return program.length === 20 ? undefined : 'P2PKH/P2SH fallback must be 20 bytes';
  }
  if (version > 16) return 'unknown fallback version';
  if (program.length < 2 || program.length > 40) return 'witness program must be 2..40 bytes';
  if (version === 0 && program.length !== 20 && program.length !== 32) return 'v0 program must be 20 or 32 bytes';
  return undefined;
}

/** The address string of a fallback on a network. */
export function fallbackAddress(
  network: InvoiceNetwork,
  version: number,
  program: Uint8Array,
  crypto: CryptoBackend,
): string {
  const p = addressParams(network);
  if (version === FALLBACK_P2PKH || version === FALLBACK_P2SH) {
    const payload = new Uint8Array(21);
    payload[0] = version === FALLBACK_P2PKH ? p.p2pkhVersion : p.p2shVersion;
    payload.set(program, 1);
    return base58check(crypto).encode(payload);
  }
  const words = [version, ...bech32.toWords(program)];
  return version === 0 ? bech32.encode(p.bech32Hrp, words) : bech32m.encode(p.bech32Hrp, words);
}

/**
 * Decodes the data words of an `f` field.
 * BOLT 11 reader: "MUST skip over `f` fields that use an unknown `version`" (19–31): those give
 * `undefined`. A known version with a program of the wrong size is an error, as in LDK.
 * Deviation from LDK: a v0 program must be 20 or 32 bytes (BIP 141), where LDK takes 2..40.
 */
export function decodeFallback(
  words: Uint8Array,
  network: InvoiceNetwork,
  crypto: CryptoBackend,
): Fallback | undefined | InvoiceError {
  if (words.length === 0) return new InvoiceError('invalid_fallback', 'empty f field');
  const version = words[0]!;
  if (version > FALLBACK_P2SH) return undefined;
  const program = wordsToBytes(words.subarray(1));
  const bad = checkProgram(version, program);
  if (bad !== undefined) return new InvoiceError('invalid_fallback', bad);
  return { version, program, address: fallbackAddress(network, version, program, crypto) };
}

/** The data words of an `f` field. */
export function encodeFallbackWords(version: number, program: Uint8Array): number[] {
  return [version, ...bytesToWords(program)];
}

/**
 * Parses an address of `network` into a fallback (for the invoice builder).
 * @returns the fallback, or `invalid_fallback` when the address is malformed or for another network.
 */
export function parseFallbackAddress(
  address: string,
  network: InvoiceNetwork,
  crypto: CryptoBackend,
): Fallback | InvoiceError {
  const p = addressParams(network);
  const sep = address.lastIndexOf('1');
  if (sep > 0 && address.slice(0, sep).toLowerCase() === p.bech32Hrp) {
    const d = decodeSegwitAddress(address);
    if (d instanceof DecodeError) return new InvoiceError('invalid_fallback', d.message);
    return { version: d.version, program: d.program, address: address.toLowerCase() };
  }
  let payload: Uint8Array;
  try {
    payload = base58check(crypto).decode(address);
  } catch (e) {
    return new InvoiceError('invalid_fallback', `not an address of ${network}: ${e instanceof Error ? e.message : e}`);
  }
  if (payload.length !== 21) return new InvoiceError('invalid_fallback', 'base58 payload must be 21 bytes');
  const version =
    payload[0] === p.p2pkhVersion ? FALLBACK_P2PKH : payload[0] === p.p2shVersion ? FALLBACK_P2SH : undefined;
  if (version === undefined) return new InvoiceError('invalid_fallback', `base58 version is not for ${network}`);
  return { version, program: payload.slice(1), address };
}

/**
 * Checks a fallback given as version and program (for the invoice builder) and adds its address.
 */
export function makeFallback(
  version: number,
  program: Uint8Array,
  network: InvoiceNetwork,
  crypto: CryptoBackend,
): Fallback | InvoiceError {
  if (!Number.isInteger(version) || version < 0 || version > FALLBACK_P2SH) {
    return new InvoiceError('invalid_fallback', 'fallback version must be 0..18');
  }
  const bad = checkProgram(version, program);
  if (bad !== undefined) return new InvoiceError('invalid_fallback', bad);
  return { version, program: program.slice(), address: fallbackAddress(network, version, program, crypto) };
}
