/**
 * Relay policy (Bitcoin Core 26's `policy/policy.cpp`): which output scripts are standard, the
 * dust threshold, standard transaction shape and the witness limits for P2WSH spends. These are
 * the rules `testmempoolaccept` adds on top of consensus; Lightning's BOLT 3 dust limits exist
 * because of them.
 * @module
 */
import type { Transaction, TxOut } from '@lnts/lightning/bitcoin';
import { compactSizeLen, serializeTx } from '@lnts/lightning/bitcoin';
import type { CryptoBackend } from '@lnts/lightning/crypto';
import type { SignatureChecker } from './script/checker.js';
import { ScriptFailure } from './script/errors.js';
import { evalScript } from './script/interpreter.js';
import { isP2sh, witnessProgram } from './script/verify.js';
import { isPushOnly, OPS, readInstruction } from './script/opcodes.js';

/** Core's `TxoutType` names for the scripts Solver recognizes. */
export type OutputType =
  | 'pubkey'
  | 'pubkeyhash'
  | 'scripthash'
  | 'multisig'
  | 'nulldata'
  | 'witness_v0_keyhash'
  | 'witness_v0_scripthash'
  | 'witness_v1_taproot'
  | 'witness_unknown'
  | 'nonstandard';

/** Default `-dustrelayfee`: 3000 sat/kvB. */
export const DUST_RELAY_FEE_PER_KVB = 3000n;
/** Default `-minrelaytxfee`: 1000 sat/kvB, i.e. 1 sat per virtual byte. */
export const MIN_RELAY_FEE_PER_KVB = 1000n;
/** Largest standard transaction weight. */
export const MAX_STANDARD_TX_WEIGHT = 400_000;
/** Smallest standard non-witness serialization (CVE-2017-12842 mitigation). */
export const MIN_STANDARD_TX_NONWITNESS_SIZE = 65;
const MAX_STANDARD_SCRIPTSIG_SIZE = 1650;
const MAX_OP_RETURN_RELAY = 83;
const MAX_STANDARD_P2WSH_SCRIPT_SIZE = 3600;
const MAX_STANDARD_P2WSH_STACK_ITEMS = 100;
const MAX_STANDARD_P2WSH_STACK_ITEM_SIZE = 80;

function isPubkeyPush(d: Uint8Array | undefined): boolean {
  return d !== undefined && ((d.length === 33 && (d[0] === 2 || d[0] === 3)) || (d.length === 65 && d[0] === 4));
}

/** Classifies a scriptPubKey as Core's `Solver` does. */
export function classifyOutput(script: Uint8Array): OutputType {
  if (isP2sh(script)) return 'scripthash';
  const wp = witnessProgram(script);
  if (wp) {
    if (wp.version === 0 && wp.program.length === 20) return 'witness_v0_keyhash';
    if (wp.version === 0 && wp.program.length === 32) return 'witness_v0_scripthash';
    if (wp.version === 1 && wp.program.length === 32) return 'witness_v1_taproot';
    if (wp.version !== 0) return 'witness_unknown';
    return 'nonstandard';
  }
  if (script.length > 0 && script[0] === OPS.OP_RETURN && isPushOnly(script.subarray(1))) return 'nulldata';
  if (
    script.length === 25 &&
    script[0] === OPS.OP_DUP &&
    script[1] === OPS.OP_HASH160 &&
    script[2] === 20 &&
    script[23] === OPS.OP_EQUALVERIFY &&
    script[24] === OPS.OP_CHECKSIG
  )
    return 'pubkeyhash';
  const first = readInstruction(script, 0);
  if (first && isPubkeyPush(first.data) && first.end === script.length - 1 && script[first.end] === OPS.OP_CHECKSIG) return 'pubkey';
  if (multisigShape(script)) return 'multisig';
  return 'nonstandard';
}

function multisigShape(script: Uint8Array): { m: number; n: number } | null {
  if (script.length < 3 || script[script.length - 1] !== OPS.OP_CHECKMULTISIG) return null;
  const m = script[0]! - OPS.OP_1 + 1;
  const n = script[script.length - 2]! - OPS.OP_1 + 1;
  if (m < 1 || m > 16 || n < 1 || n > 16 || m > n) return null;
  let pc = 1;
  let keys = 0;
  while (pc < script.length - 2) {
    const ins = readInstruction(script, pc);
    if (!ins || !isPubkeyPush(ins.data)) return null;
    keys++;
    pc = ins.end;
  }
  return keys === n && pc === script.length - 2 ? { m, n } : null;
}

/** Core's `GetDustThreshold` at the default dust relay fee: the output is dust below this many sat. */
export function dustThreshold(out: TxOut): bigint {
  if ((out.script.length > 0 && out.script[0] === OPS.OP_RETURN) || out.script.length > 10_000) return 0n;
  let size = 8 + compactSizeLen(out.script.length) + out.script.length;
  // The cost of spending it later: an input with a witness signature (discounted) or a scriptSig.
  size += witnessProgram(out.script) ? 32 + 4 + 1 + Math.floor(107 / 4) + 4 : 32 + 4 + 1 + 107 + 4;
  return (DUST_RELAY_FEE_PER_KVB * BigInt(size)) / 1000n;
}

/** True when an output is below {@link dustThreshold}. */
export function isDust(out: TxOut): boolean {
  return out.value < dustThreshold(out);
}

/** Core's `IsStandardTx`: `null`, or the reject reason. */
export function standardTxReason(tx: Transaction, weight: number): string | null {
  const version = tx.version | 0;
  if (version < 1 || version > 2) return 'version';
  if (weight > MAX_STANDARD_TX_WEIGHT) return 'tx-size';
  for (const i of tx.inputs) {
    if (i.scriptSig.length > MAX_STANDARD_SCRIPTSIG_SIZE) return 'scriptsig-size';
    if (!isPushOnly(i.scriptSig)) return 'scriptsig-not-pushonly';
  }
  let dataOut = 0;
  for (const o of tx.outputs) {
    const t = classifyOutput(o.script);
    if (t === 'nonstandard') return 'scriptpubkey';
    if (t === 'nulldata') {
      if (o.script.length > MAX_OP_RETURN_RELAY) return 'scriptpubkey';
      dataOut++;
    } else if (t === 'multisig') {
      const ms = multisigShape(o.script)!;
      if (ms.n > 3) return 'scriptpubkey';
    } else if (isDust(o)) return 'dust';
  }
  if (dataOut > 1) return 'multi-op-return';
  return null;
}

/** Non-witness serialization size (the CVE-2017-12842 check uses it). */
export function nonWitnessSize(tx: Transaction): number {
  return serializeTx(tx, { witness: false }).length;
}

/** Core's `AreInputsStandard` for the previous outputs `prevouts` (same order as the inputs). */
export function inputsStandard(tx: Transaction, prevouts: readonly TxOut[], crypto: CryptoBackend): boolean {
  for (let k = 0; k < tx.inputs.length; k++) {
    const t = classifyOutput(prevouts[k]!.script);
    if (t === 'nonstandard' || t === 'witness_unknown') return false;
    if (t === 'scripthash') {
      const redeem = redeemScriptOf(tx.inputs[k]!.scriptSig, crypto);
      if (!redeem || scriptSigOps(redeem, true) > MAX_P2SH_SIGOPS) return false;
    }
  }
  return true;
}

const NO_CHECKS: SignatureChecker = { checkEcdsa: () => false, checkLockTime: () => false, checkSequence: () => false };

/** The redeem script of a P2SH spend as Core extracts it casually: run the scriptSig with no flags, take the top item. */
function redeemScriptOf(scriptSig: Uint8Array, crypto: CryptoBackend): Uint8Array | null {
  const stack: Uint8Array[] = [];
  try {
    evalScript(stack, scriptSig, { flags: 0, sigversion: 'base', checker: NO_CHECKS, crypto });
  } catch (e) {
    if (e instanceof ScriptFailure) return null;
    throw e;
  }
  return stack[stack.length - 1] ?? null;
}

/** Core's `IsWitnessStandard`: witnesses only on witness programs, P2WSH within 3600/100/80 bytes. */
export function witnessStandard(tx: Transaction, prevouts: readonly TxOut[], crypto: CryptoBackend): boolean {
  for (let k = 0; k < tx.inputs.length; k++) {
    const input = tx.inputs[k]!;
    if (input.witness.length === 0) continue;
    let prev = prevouts[k]!.script;
    if (isP2sh(prev)) {
      const redeem = redeemScriptOf(input.scriptSig, crypto);
      if (!redeem) return false;
      prev = redeem;
    }
    const wp = witnessProgram(prev);
    if (!wp) return false;
    // BIP 341 annexes are reserved: any witness ending in one is non-standard.
    if (wp.version === 1 && wp.program.length === 32 && !isP2sh(prevouts[k]!.script)) {
      const w = input.witness;
      if (w.length >= 2 && w[w.length - 1]!.length > 0 && w[w.length - 1]![0] === 0x50) return false;
    }
    if (wp.version === 0 && wp.program.length === 32) {
      if (input.witness[input.witness.length - 1]!.length > MAX_STANDARD_P2WSH_SCRIPT_SIZE) return false;
      const items = input.witness.length - 1;
      if (items > MAX_STANDARD_P2WSH_STACK_ITEMS) return false;
      for (let j = 0; j < items; j++) if (input.witness[j]!.length > MAX_STANDARD_P2WSH_STACK_ITEM_SIZE) return false;
    }
  }
  return true;
}

/** Core's `MAX_STANDARD_TX_SIGOPS_COST` (a fifth of the block's 80,000). */
export const MAX_STANDARD_TX_SIGOPS_COST = 16_000;
/** Core's `MAX_P2SH_SIGOPS`: a standard P2SH redeem script has at most 15 signature operations. */
export const MAX_P2SH_SIGOPS = 15;
/** Core's `-bytespersigop` default: each sigop is charged as 20 virtual bytes when that exceeds the size. */
export const BYTES_PER_SIGOP = 20;

/** Core's `CScript::GetSigOpCount`: CHECKMULTISIG counts its key count when `accurate` and it follows OP_n, else 20. */
export function scriptSigOps(script: Uint8Array, accurate: boolean): number {
  let n = 0;
  let last = -1;
  let pc = 0;
  while (pc < script.length) {
    const ins = readInstruction(script, pc);
    if (!ins) break;
    const op = ins.opcode;
    if (op === OPS.OP_CHECKSIG || op === OPS.OP_CHECKSIGVERIFY) n++;
    else if (op === OPS.OP_CHECKMULTISIG || op === OPS.OP_CHECKMULTISIGVERIFY) n += accurate && last >= OPS.OP_1 && last <= OPS.OP_16 ? last - OPS.OP_1 + 1 : 20;
    last = op;
    pc = ins.end;
  }
  return n;
}

/**
 * Core's `GetTransactionSigOpCost`: legacy sigops (scriptSigs and output scripts, inaccurate) and
 * P2SH redeem-script sigops count 4 each, witness sigops (BIP 141) 1 each.
 */
export function sigOpCost(tx: Transaction, prevouts: readonly TxOut[], crypto: CryptoBackend): number {
  let legacy = 0;
  for (const i of tx.inputs) legacy += scriptSigOps(i.scriptSig, false);
  for (const o of tx.outputs) legacy += scriptSigOps(o.script, false);
  let p2sh = 0;
  let witness = 0;
  tx.inputs.forEach((input, k) => {
    let prog = witnessProgram(prevouts[k]!.script);
    if (isP2sh(prevouts[k]!.script) && isPushOnly(input.scriptSig)) {
      const redeem = redeemScriptOf(input.scriptSig, crypto);
      if (redeem) {
        p2sh += scriptSigOps(redeem, true);
        prog = witnessProgram(redeem);
      }
    }
    if (prog && prog.version === 0) {
      if (prog.program.length === 20) witness += 1;
      else if (prog.program.length === 32 && input.witness.length > 0) witness += scriptSigOps(input.witness[input.witness.length - 1]!, true);
    }
  });
  return (legacy + p2sh) * 4 + witness;
}

/** Core's `GetVirtualTransactionSize`: weight or sigop cost × 20, whichever is larger, in virtual bytes (rounded up). */
export function sigopAdjustedVsize(weight: number, sigopCost: number): number {
  return Math.ceil(Math.max(weight, sigopCost * BYTES_PER_SIGOP) / 4);
}
