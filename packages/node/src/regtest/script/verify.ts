/**
 * Verifying one input's scripts (Bitcoin Core's `VerifyScript` / `VerifyWitnessProgram`):
 * legacy (P2PKH and other bare scripts), P2SH (BIP 16), native and P2SH-nested segwit v0
 * (BIP 141: P2WPKH, P2WSH) and taproot key-path spends (BIP 341); tapscript (BIP 342) spends
 * are reported as `UNSUPPORTED`. Other witness versions are anyone-can-spend under consensus and
 * non-standard under policy, as in Core.
 * @module
 */
import type { CryptoBackend } from '@lnts/lightning/crypto';
import { equalBytes } from '@lnts/lightning/util';
import type { SignatureChecker, SigVersion } from './checker.js';
import type { ScriptErrorCode } from './errors.js';
import { ScriptFailure } from './errors.js';
import { VERIFY } from './flags.js';
import { evalScript, MAX_SCRIPT_ELEMENT_SIZE } from './interpreter.js';
import { castToBool } from './num.js';
import { isPushOnly, OPS } from './opcodes.js';
import { verifyTaprootSpend } from './taproot.js';

/** The witness version and program of a scriptPubKey (BIP 141: 4..42 bytes, version push then 2..40 data). */
export function witnessProgram(script: Uint8Array): { version: number; program: Uint8Array } | null {
  if (script.length < 4 || script.length > 42) return null;
  const v = script[0]!;
  if (v !== OPS.OP_0 && (v < OPS.OP_1 || v > OPS.OP_16)) return null;
  if (script[1]! + 2 !== script.length) return null;
  return { version: v === OPS.OP_0 ? 0 : v - OPS.OP_1 + 1, program: script.subarray(2) };
}

/** `OP_HASH160 <20> OP_EQUAL` (BIP 16). */
export function isP2sh(script: Uint8Array): boolean {
  return script.length === 23 && script[0] === OPS.OP_HASH160 && script[1] === 20 && script[22] === OPS.OP_EQUAL;
}

function p2pkhCode(hash20: Uint8Array): Uint8Array {
  const out = new Uint8Array(25);
  out.set([OPS.OP_DUP, OPS.OP_HASH160, 20]);
  out.set(hash20, 3);
  out[23] = OPS.OP_EQUALVERIFY;
  out[24] = OPS.OP_CHECKSIG;
  return out;
}

function executeWitnessScript(stack: Uint8Array[], script: Uint8Array, flags: number, checker: SignatureChecker, crypto: CryptoBackend): void {
  for (const item of stack) if (item.length > MAX_SCRIPT_ELEMENT_SIZE) throw new ScriptFailure('PUSH_SIZE');
  const sigversion: SigVersion = 'witness_v0';
  evalScript(stack, script, { flags, sigversion, checker, crypto });
  // Witness scripts carry CLEANSTACK as consensus (BIP 141).
  if (stack.length !== 1) throw new ScriptFailure('CLEANSTACK');
  if (!castToBool(stack[0]!)) throw new ScriptFailure('EVAL_FALSE');
}

function verifyWitnessProgram(
  witness: readonly Uint8Array[],
  version: number,
  program: Uint8Array,
  flags: number,
  checker: SignatureChecker,
  crypto: CryptoBackend,
  isP2shWrapped: boolean,
): void {
  if (version === 0) {
    if (program.length === 32) {
      if (witness.length === 0) throw new ScriptFailure('WITNESS_PROGRAM_WITNESS_EMPTY');
      const script = witness[witness.length - 1]!;
      if (!equalBytes(crypto.sha256(script), program)) throw new ScriptFailure('WITNESS_PROGRAM_MISMATCH');
      executeWitnessScript(witness.slice(0, -1), script, flags, checker, crypto);
      return;
    }
    if (program.length === 20) {
      if (witness.length !== 2) throw new ScriptFailure('WITNESS_PROGRAM_MISMATCH');
      executeWitnessScript(witness.slice(), p2pkhCode(program), flags, checker, crypto);
      return;
    }
    throw new ScriptFailure('WITNESS_PROGRAM_WRONG_LENGTH');
  }
  if (version === 1 && program.length === 32 && !isP2shWrapped && flags & VERIFY.TAPROOT) {
    const t = checker.taprootContext;
    if (!t) throw new ScriptFailure('UNSUPPORTED');
    verifyTaprootSpend(witness, program, t.tx, t.index, t.spent, crypto);
    return;
  }
  if (flags & VERIFY.DISCOURAGE_UPGRADABLE_WITNESS_PROGRAM) throw new ScriptFailure('DISCOURAGE_UPGRADABLE_WITNESS_PROGRAM');
}

/**
 * Verifies one input: `scriptSig` then `scriptPubKey`, then P2SH and witness programs.
 * @returns `null` when the input is valid under `flags`, else the first failure (Core's error).
 */
export function verifyScript(
  scriptSig: Uint8Array,
  scriptPubKey: Uint8Array,
  witness: readonly Uint8Array[],
  flags: number,
  checker: SignatureChecker,
  crypto: CryptoBackend,
): ScriptErrorCode | null {
  try {
    if (flags & VERIFY.SIGPUSHONLY && !isPushOnly(scriptSig)) throw new ScriptFailure('SIG_PUSHONLY');
    const base = { flags, sigversion: 'base' as const, checker, crypto };
    const stack: Uint8Array[] = [];
    evalScript(stack, scriptSig, base);
    const copy = flags & VERIFY.P2SH ? stack.slice() : [];
    evalScript(stack, scriptPubKey, base);
    if (stack.length === 0 || !castToBool(stack[stack.length - 1]!)) throw new ScriptFailure('EVAL_FALSE');

    let hadWitness = false;
    const wp = flags & VERIFY.WITNESS ? witnessProgram(scriptPubKey) : null;
    if (wp) {
      hadWitness = true;
      if (scriptSig.length !== 0) throw new ScriptFailure('WITNESS_MALLEATED');
      verifyWitnessProgram(witness, wp.version, wp.program, flags, checker, crypto, false);
      // Leave one element so CLEANSTACK below holds (Core: stack.resize(1)).
      stack.length = 1;
    }

    let finalStack = stack;
    if (flags & VERIFY.P2SH && isP2sh(scriptPubKey)) {
      if (!isPushOnly(scriptSig)) throw new ScriptFailure('SIG_PUSHONLY');
      finalStack = copy;
      const redeem = finalStack.pop();
      if (redeem === undefined) throw new ScriptFailure('EVAL_FALSE');
      evalScript(finalStack, redeem, base);
      if (finalStack.length === 0 || !castToBool(finalStack[finalStack.length - 1]!)) throw new ScriptFailure('EVAL_FALSE');
      const nested = flags & VERIFY.WITNESS ? witnessProgram(redeem) : null;
      if (nested) {
        hadWitness = true;
        // The scriptSig must be exactly one push of the redeem script, or it could be malleated.
        const expect = redeem.length < OPS.OP_PUSHDATA1 ? Uint8Array.of(redeem.length, ...redeem) : null;
        if (!expect || !equalBytes(scriptSig, expect)) throw new ScriptFailure('WITNESS_MALLEATED_P2SH');
        verifyWitnessProgram(witness, nested.version, nested.program, flags, checker, crypto, true);
        finalStack.length = 1;
      }
    }

    if (flags & VERIFY.CLEANSTACK && finalStack.length !== 1) throw new ScriptFailure('CLEANSTACK');
    if (flags & VERIFY.WITNESS && !hadWitness && witness.length > 0) throw new ScriptFailure('WITNESS_UNEXPECTED');
    return null;
  } catch (e) {
    if (e instanceof ScriptFailure) return e.code;
    throw e;
  }
}
