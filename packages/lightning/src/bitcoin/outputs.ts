/**
 * Standard output scripts (scriptPubKeys) Lightning pays to: P2WPKH and P2WSH (BIP 141),
 * P2TR (BIP 341), and P2PKH / P2SH for legacy shutdown scripts (BOLT 2 §"Closing initiation").
 * @module
 */
import type { CryptoBackend } from '../crypto/backend.js';
import { OP } from './opcodes.js';

function witnessProgram(version: number, program: Uint8Array): Uint8Array {
  const out = new Uint8Array(2 + program.length);
  out[0] = version === 0 ? OP.OP_0 : OP.OP_1 + version - 1;
  out[1] = program.length;
  out.set(program, 2);
  return out;
}

/** `OP_0 <20-byte key hash>`. */
export function p2wpkhScript(pubkeyHash20: Uint8Array): Uint8Array {
  if (pubkeyHash20.length !== 20) throw new TypeError('P2WPKH program must be 20 bytes');
  return witnessProgram(0, pubkeyHash20);
}

/** P2WPKH paying a 33-byte compressed key (HASH160 computed through the backend). */
export function p2wpkhForPubkey(pubkey33: Uint8Array, crypto: CryptoBackend): Uint8Array {
  return p2wpkhScript(crypto.hash160(pubkey33));
}

/** `OP_0 <32-byte script hash>`. */
export function p2wshScript(scriptHash32: Uint8Array): Uint8Array {
  if (scriptHash32.length !== 32) throw new TypeError('P2WSH program must be 32 bytes');
  return witnessProgram(0, scriptHash32);
}

/** P2WSH paying a witness script (SHA256 computed through the backend). */
export function p2wshForScript(witnessScript: Uint8Array, crypto: CryptoBackend): Uint8Array {
  return p2wshScript(crypto.sha256(witnessScript));
}

/** `OP_1 <32-byte x-only output key>` (BIP 341; the tweak is the caller's). */
export function p2trScript(outputKeyXOnly32: Uint8Array): Uint8Array {
  if (outputKeyXOnly32.length !== 32) throw new TypeError('P2TR program must be 32 bytes');
  return witnessProgram(1, outputKeyXOnly32);
}

/** `OP_DUP OP_HASH160 <20> OP_EQUALVERIFY OP_CHECKSIG`. */
export function p2pkhScript(pubkeyHash20: Uint8Array): Uint8Array {
  if (pubkeyHash20.length !== 20) throw new TypeError('P2PKH hash must be 20 bytes');
  const out = new Uint8Array(25);
  out[0] = OP.OP_DUP;
  out[1] = OP.OP_HASH160;
  out[2] = 20;
  out.set(pubkeyHash20, 3);
  out[23] = OP.OP_EQUALVERIFY;
  out[24] = OP.OP_CHECKSIG;
  return out;
}

/** `OP_HASH160 <20> OP_EQUAL`. */
export function p2shScript(scriptHash20: Uint8Array): Uint8Array {
  if (scriptHash20.length !== 20) throw new TypeError('P2SH hash must be 20 bytes');
  const out = new Uint8Array(23);
  out[0] = OP.OP_HASH160;
  out[1] = 20;
  out.set(scriptHash20, 2);
  out[22] = OP.OP_EQUAL;
  return out;
}

/** The witness version and program of a segwit scriptPubKey (BIP 141), or `null` if it is not one. */
export function witnessProgramOf(script: Uint8Array): { version: number; program: Uint8Array } | null {
  if (script.length < 4 || script.length > 42) return null;
  const v = script[0]!;
  if (v !== OP.OP_0 && (v < OP.OP_1 || v > OP.OP_16)) return null;
  if (script[1] !== script.length - 2) return null;
  return { version: v === OP.OP_0 ? 0 : v - OP.OP_1 + 1, program: script.subarray(2) };
}

/** True for a scriptPubKey starting with OP_RETURN (provably unspendable). */
export function isOpReturn(script: Uint8Array): boolean {
  return script.length > 0 && script[0] === OP.OP_RETURN;
}
