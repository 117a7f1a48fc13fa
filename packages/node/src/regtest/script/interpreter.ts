/**
 * The script evaluator (Bitcoin Core's `EvalScript`) for legacy and segwit v0 scripts: every
 * opcode enabled on Bitcoin (so BOLT 3's funding, `to_local`, `to_remote`, anchor and HTLC scripts
 * run, and so do the usual templates), with the consensus limits (10,000-byte scripts, 520-byte
 * elements, 201 opcodes, 1,000 stack items) and the policy rules the flags select (MINIMALDATA,
 * MINIMALIF, NULLFAIL, NULLDUMMY, LOW_S, STRICTENC, WITNESS_PUBKEYTYPE, upgradable NOPs).
 * Tapscript (BIP 342) is not implemented.
 * @module
 */
import { ripemd160 } from '@lnts/lightning/bitcoin';
import type { CryptoBackend } from '@lnts/lightning/crypto';
import { sha256d } from '@lnts/lightning/crypto';
import { concat, equalBytes } from '@lnts/lightning/util';
import { sha1 } from '@noble/hashes/legacy.js';
import type { SignatureChecker, SigVersion } from './checker.js';
import { checkPubKeyEncoding, checkSignatureEncoding, SEQUENCE_LOCKTIME_DISABLE_FLAG } from './checker.js';
import { ScriptFailure } from './errors.js';
import { VERIFY } from './flags.js';
import { castToBool, decodeScriptNum, encodeScriptNumber } from './num.js';
import { DISABLED_OPCODES, isMinimalPush, OPS, readInstruction } from './opcodes.js';

/** Consensus limit on a script's size in bytes. */
export const MAX_SCRIPT_SIZE = 10_000;
/** Consensus limit on a pushed or witness stack element. */
export const MAX_SCRIPT_ELEMENT_SIZE = 520;
/** Consensus limit on non-push opcodes per script. */
export const MAX_OPS_PER_SCRIPT = 201;
/** Consensus limit on stack plus altstack items. */
export const MAX_STACK_SIZE = 1000;
const MAX_PUBKEYS_PER_MULTISIG = 20;

const TRUE = Uint8Array.of(1);
const FALSE = new Uint8Array(0);

/** Everything the evaluator needs besides the script and stack. */
export interface EvalContext {
  readonly flags: number;
  readonly sigversion: SigVersion;
  readonly checker: SignatureChecker;
  readonly crypto: CryptoBackend;
}

/** The serialized push of `data` exactly as Core's `CScript() << data` writes it (used by FindAndDelete). */
function pushBytes(data: Uint8Array): Uint8Array {
  const n = data.length;
  if (n < OPS.OP_PUSHDATA1) return concat(Uint8Array.of(n), data);
  if (n <= 0xff) return concat(Uint8Array.of(OPS.OP_PUSHDATA1, n), data);
  if (n <= 0xffff) return concat(Uint8Array.of(OPS.OP_PUSHDATA2, n & 0xff, n >> 8), data);
  return concat(Uint8Array.of(OPS.OP_PUSHDATA4, n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, n >>> 24), data);
}

/** Core's `FindAndDelete`: removes every instruction-aligned occurrence of `needle`; returns the count. */
export function findAndDelete(script: Uint8Array, needle: Uint8Array): { script: Uint8Array; found: number } {
  if (needle.length === 0) return { script, found: 0 };
  const out: number[] = [];
  let found = 0;
  let pc = 0;
  let copied = 0;
  while (pc < script.length) {
    // At each instruction boundary, drop any run of matches before copying on.
    while (script.length - pc >= needle.length && equalBytes(script.subarray(pc, pc + needle.length), needle)) {
      for (let i = copied; i < pc; i++) out.push(script[i]!);
      pc += needle.length;
      copied = pc;
      found++;
    }
    const ins = readInstruction(script, pc);
    if (!ins) break;
    pc = ins.end;
  }
  if (found === 0) return { script, found };
  for (let i = copied; i < script.length; i++) out.push(script[i]!);
  return { script: Uint8Array.from(out), found };
}

/**
 * Runs `script` over `stack` (mutated in place; bottom first). Throws {@link ScriptFailure} on
 * any failure, as Core's `EvalScript` returns false with its `ScriptError`.
 */
export function evalScript(stack: Uint8Array[], script: Uint8Array, ctx: EvalContext): void {
  const { flags, sigversion, checker, crypto } = ctx;
  if (script.length > MAX_SCRIPT_SIZE) throw new ScriptFailure('SCRIPT_SIZE');
  const requireMinimal = (flags & VERIFY.MINIMALDATA) !== 0;
  const exec: boolean[] = [];
  const alt: Uint8Array[] = [];
  let opCount = 0;
  let codeSep = 0;
  let pc = 0;

  const top = (i: number): Uint8Array => {
    const v = stack[stack.length + i];
    if (v === undefined) throw new ScriptFailure('INVALID_STACK_OPERATION');
    return v;
  };
  const need = (n: number): void => {
    if (stack.length < n) throw new ScriptFailure('INVALID_STACK_OPERATION');
  };
  const pop = (): Uint8Array => {
    const v = stack.pop();
    if (v === undefined) throw new ScriptFailure('INVALID_STACK_OPERATION');
    return v;
  };
  const num = (b: Uint8Array, maxSize = 4): number => decodeScriptNum(b, requireMinimal, maxSize);
  const pushBool = (b: boolean): void => {
    stack.push(b ? TRUE : FALSE);
  };

  const checksig = (sig: Uint8Array, pub: Uint8Array): boolean => {
    let scriptCode = script.subarray(codeSep);
    if (sigversion === 'base') {
      // Legacy scripts hash themselves minus the signature (witness v0 dropped this, BIP 143).
      const r = findAndDelete(scriptCode, pushBytes(sig));
      if (r.found > 0 && flags & VERIFY.CONST_SCRIPTCODE) throw new ScriptFailure('SIG_FINDANDDELETE');
      scriptCode = r.script;
    }
    checkSignatureEncoding(sig, flags);
    checkPubKeyEncoding(pub, flags, sigversion);
    const ok = checker.checkEcdsa(sig, pub, scriptCode, sigversion);
    if (!ok && flags & VERIFY.NULLFAIL && sig.length > 0) throw new ScriptFailure('SIG_NULLFAIL');
    return ok;
  };

  while (pc < script.length) {
    const fExec = !exec.includes(false);
    const ins = readInstruction(script, pc);
    if (!ins) throw new ScriptFailure('BAD_OPCODE');
    pc = ins.end;
    const op = ins.opcode;
    if (ins.data && ins.data.length > MAX_SCRIPT_ELEMENT_SIZE) throw new ScriptFailure('PUSH_SIZE');
    if (op > OPS.OP_16 && ++opCount > MAX_OPS_PER_SCRIPT) throw new ScriptFailure('OP_COUNT');
    if (DISABLED_OPCODES.has(op)) throw new ScriptFailure('DISABLED_OPCODE');
    if (op === OPS.OP_CODESEPARATOR && sigversion === 'base' && flags & VERIFY.CONST_SCRIPTCODE) throw new ScriptFailure('OP_CODESEPARATOR');

    if (fExec && ins.data !== undefined) {
      if (requireMinimal && !isMinimalPush(ins.data, op)) throw new ScriptFailure('MINIMALDATA');
      stack.push(ins.data);
    } else if (fExec || (op >= OPS.OP_IF && op <= OPS.OP_ENDIF)) {
      switch (op) {
        case OPS.OP_1NEGATE:
          stack.push(encodeScriptNumber(-1));
          break;
        case OPS.OP_NOP:
          break;
        case OPS.OP_CHECKLOCKTIMEVERIFY: {
          if (!(flags & VERIFY.CHECKLOCKTIMEVERIFY)) {
            if (flags & VERIFY.DISCOURAGE_UPGRADABLE_NOPS) throw new ScriptFailure('DISCOURAGE_UPGRADABLE_NOPS');
            break;
          }
          // Five bytes: lock times reach 2^32 - 1, past CScriptNum's usual four (BIP 65).
          const lock = num(top(-1), 5);
          if (lock < 0) throw new ScriptFailure('NEGATIVE_LOCKTIME');
          if (!checker.checkLockTime(lock)) throw new ScriptFailure('UNSATISFIED_LOCKTIME');
          break;
        }
        case OPS.OP_CHECKSEQUENCEVERIFY: {
          if (!(flags & VERIFY.CHECKSEQUENCEVERIFY)) {
            if (flags & VERIFY.DISCOURAGE_UPGRADABLE_NOPS) throw new ScriptFailure('DISCOURAGE_UPGRADABLE_NOPS');
            break;
          }
          const seq = num(top(-1), 5);
          if (seq < 0) throw new ScriptFailure('NEGATIVE_LOCKTIME');
          // BIP 112: with the disable flag set the opcode is a NOP, left for future soft forks.
          if ((seq & SEQUENCE_LOCKTIME_DISABLE_FLAG) !== 0) break;
          if (!checker.checkSequence(seq)) throw new ScriptFailure('UNSATISFIED_LOCKTIME');
          break;
        }
        case OPS.OP_NOP1:
        case 0xb3:
        case 0xb4:
        case 0xb5:
        case 0xb6:
        case 0xb7:
        case 0xb8:
        case OPS.OP_NOP10:
          if (flags & VERIFY.DISCOURAGE_UPGRADABLE_NOPS) throw new ScriptFailure('DISCOURAGE_UPGRADABLE_NOPS');
          break;
        case OPS.OP_IF:
        case OPS.OP_NOTIF: {
          let value = false;
          if (fExec) {
            if (stack.length < 1) throw new ScriptFailure('UNBALANCED_CONDITIONAL');
            const v = top(-1);
            // MINIMALIF (policy for witness v0): the argument must be exactly empty or 0x01.
            if (sigversion === 'witness_v0' && flags & VERIFY.MINIMALIF) {
              if (v.length > 1 || (v.length === 1 && v[0] !== 1)) throw new ScriptFailure('MINIMALIF');
            }
            value = castToBool(v);
            if (op === OPS.OP_NOTIF) value = !value;
            stack.pop();
          }
          exec.push(value);
          break;
        }
        case OPS.OP_ELSE:
          if (exec.length === 0) throw new ScriptFailure('UNBALANCED_CONDITIONAL');
          exec[exec.length - 1] = !exec[exec.length - 1];
          break;
        case OPS.OP_ENDIF:
          if (exec.length === 0) throw new ScriptFailure('UNBALANCED_CONDITIONAL');
          exec.pop();
          break;
        case OPS.OP_VERIFY:
          if (!castToBool(top(-1))) throw new ScriptFailure('VERIFY');
          stack.pop();
          break;
        case OPS.OP_RETURN:
          throw new ScriptFailure('OP_RETURN');
        case OPS.OP_TOALTSTACK:
          alt.push(pop());
          break;
        case OPS.OP_FROMALTSTACK: {
          const v = alt.pop();
          if (v === undefined) throw new ScriptFailure('INVALID_ALTSTACK_OPERATION');
          stack.push(v);
          break;
        }
        case OPS.OP_2DROP:
          need(2);
          stack.length -= 2;
          break;
        case OPS.OP_2DUP: {
          need(2);
          const a = top(-2);
          const b = top(-1);
          stack.push(a, b);
          break;
        }
        case OPS.OP_3DUP: {
          need(3);
          const a = top(-3);
          const b = top(-2);
          const c = top(-1);
          stack.push(a, b, c);
          break;
        }
        case OPS.OP_2OVER: {
          need(4);
          const a = top(-4);
          const b = top(-3);
          stack.push(a, b);
          break;
        }
        case OPS.OP_2ROT: {
          need(6);
          const moved = stack.splice(stack.length - 6, 2);
          stack.push(...moved);
          break;
        }
        case OPS.OP_2SWAP: {
          need(4);
          const moved = stack.splice(stack.length - 4, 2);
          stack.push(...moved);
          break;
        }
        case OPS.OP_IFDUP: {
          const v = top(-1);
          if (castToBool(v)) stack.push(v);
          break;
        }
        case OPS.OP_DEPTH:
          stack.push(encodeScriptNumber(stack.length));
          break;
        case OPS.OP_DROP:
          pop();
          break;
        case OPS.OP_DUP:
          stack.push(top(-1));
          break;
        case OPS.OP_NIP:
          need(2);
          stack.splice(stack.length - 2, 1);
          break;
        case OPS.OP_OVER:
          stack.push(top(-2));
          break;
        case OPS.OP_PICK:
        case OPS.OP_ROLL: {
          need(2);
          const n = num(top(-1));
          stack.pop();
          if (n < 0 || n >= stack.length) throw new ScriptFailure('INVALID_STACK_OPERATION');
          const v = top(-n - 1);
          if (op === OPS.OP_ROLL) stack.splice(stack.length - n - 1, 1);
          stack.push(v);
          break;
        }
        case OPS.OP_ROT: {
          need(3);
          const [v] = stack.splice(stack.length - 3, 1);
          stack.push(v!);
          break;
        }
        case OPS.OP_SWAP: {
          need(2);
          const a = top(-2);
          stack[stack.length - 2] = top(-1);
          stack[stack.length - 1] = a;
          break;
        }
        case OPS.OP_TUCK: {
          need(2);
          stack.splice(stack.length - 2, 0, top(-1));
          break;
        }
        case OPS.OP_SIZE:
          stack.push(encodeScriptNumber(top(-1).length));
          break;
        case OPS.OP_EQUAL:
        case OPS.OP_EQUALVERIFY: {
          need(2);
          const eq = equalBytes(top(-2), top(-1));
          stack.length -= 2;
          if (op === OPS.OP_EQUALVERIFY) {
            if (!eq) throw new ScriptFailure('EQUALVERIFY');
          } else pushBool(eq);
          break;
        }
        case OPS.OP_1ADD:
        case OPS.OP_1SUB:
        case OPS.OP_NEGATE:
        case OPS.OP_ABS:
        case OPS.OP_NOT:
        case OPS.OP_0NOTEQUAL: {
          let n = num(top(-1));
          if (op === OPS.OP_1ADD) n += 1;
          else if (op === OPS.OP_1SUB) n -= 1;
          else if (op === OPS.OP_NEGATE) n = -n;
          else if (op === OPS.OP_ABS) n = Math.abs(n);
          else if (op === OPS.OP_NOT) n = n === 0 ? 1 : 0;
          else n = n !== 0 ? 1 : 0;
          stack[stack.length - 1] = encodeScriptNumber(n);
          break;
        }
        case OPS.OP_ADD:
        case OPS.OP_SUB:
        case OPS.OP_BOOLAND:
        case OPS.OP_BOOLOR:
        case OPS.OP_NUMEQUAL:
        case OPS.OP_NUMEQUALVERIFY:
        case OPS.OP_NUMNOTEQUAL:
        case OPS.OP_LESSTHAN:
        case OPS.OP_GREATERTHAN:
        case OPS.OP_LESSTHANOREQUAL:
        case OPS.OP_GREATERTHANOREQUAL:
        case OPS.OP_MIN:
        case OPS.OP_MAX: {
          need(2);
          const a = num(top(-2));
          const b = num(top(-1));
          let r: number;
          switch (op) {
            case OPS.OP_ADD:
              r = a + b;
              break;
            case OPS.OP_SUB:
              r = a - b;
              break;
            case OPS.OP_BOOLAND:
              r = a !== 0 && b !== 0 ? 1 : 0;
              break;
            case OPS.OP_BOOLOR:
              r = a !== 0 || b !== 0 ? 1 : 0;
              break;
            case OPS.OP_NUMEQUAL:
            case OPS.OP_NUMEQUALVERIFY:
              r = a === b ? 1 : 0;
              break;
            case OPS.OP_NUMNOTEQUAL:
              r = a !== b ? 1 : 0;
              break;
            case OPS.OP_LESSTHAN:
              r = a < b ? 1 : 0;
              break;
            case OPS.OP_GREATERTHAN:
              r = a > b ? 1 : 0;
              break;
            case OPS.OP_LESSTHANOREQUAL:
              r = a <= b ? 1 : 0;
              break;
            case OPS.OP_GREATERTHANOREQUAL:
              r = a >= b ? 1 : 0;
              break;
            case OPS.OP_MIN:
              r = Math.min(a, b);
              break;
            default:
              r = Math.max(a, b);
          }
          stack.length -= 2;
          stack.push(encodeScriptNumber(r));
          if (op === OPS.OP_NUMEQUALVERIFY) {
            if (!castToBool(top(-1))) throw new ScriptFailure('NUMEQUALVERIFY');
            stack.pop();
          }
          break;
        }
        case OPS.OP_WITHIN: {
          need(3);
          const x = num(top(-3));
          const lo = num(top(-2));
          const hi = num(top(-1));
          stack.length -= 3;
          pushBool(lo <= x && x < hi);
          break;
        }
        case OPS.OP_RIPEMD160:
          stack[stack.length - 1] = ripemd160(top(-1));
          break;
        case OPS.OP_SHA1:
          stack[stack.length - 1] = sha1(top(-1));
          break;
        case OPS.OP_SHA256:
          stack[stack.length - 1] = crypto.sha256(top(-1));
          break;
        case OPS.OP_HASH160:
          stack[stack.length - 1] = crypto.hash160(top(-1));
          break;
        case OPS.OP_HASH256:
          stack[stack.length - 1] = sha256d(crypto, top(-1));
          break;
        case OPS.OP_CODESEPARATOR:
          // Signatures after this point commit to the script from here on.
          codeSep = pc;
          break;
        case OPS.OP_CHECKSIG:
        case OPS.OP_CHECKSIGVERIFY: {
          need(2);
          const ok = checksig(top(-2), top(-1));
          stack.length -= 2;
          if (op === OPS.OP_CHECKSIGVERIFY) {
            if (!ok) throw new ScriptFailure('CHECKSIGVERIFY');
          } else pushBool(ok);
          break;
        }
        case OPS.OP_CHECKMULTISIG:
        case OPS.OP_CHECKMULTISIGVERIFY: {
          // Transcribed from Core so stack accounting, lazy key checks and NULLFAIL match exactly.
          let i = 1;
          need(i);
          let nKeys = num(top(-i));
          if (nKeys < 0 || nKeys > MAX_PUBKEYS_PER_MULTISIG) throw new ScriptFailure('PUBKEY_COUNT');
          opCount += nKeys;
          if (opCount > MAX_OPS_PER_SCRIPT) throw new ScriptFailure('OP_COUNT');
          let ikey = ++i;
          let ikey2 = nKeys + 2;
          i += nKeys;
          need(i);
          let nSigs = num(top(-i));
          if (nSigs < 0 || nSigs > nKeys) throw new ScriptFailure('SIG_COUNT');
          let isig = ++i;
          i += nSigs;
          need(i);
          let scriptCode = script.subarray(codeSep);
          if (sigversion === 'base') {
            for (let k = 0; k < nSigs; k++) {
              const r = findAndDelete(scriptCode, pushBytes(top(-isig - k)));
              if (r.found > 0 && flags & VERIFY.CONST_SCRIPTCODE) throw new ScriptFailure('SIG_FINDANDDELETE');
              scriptCode = r.script;
            }
          }
          let success = true;
          while (success && nSigs > 0) {
            const sig = top(-isig);
            const pub = top(-ikey);
            checkSignatureEncoding(sig, flags);
            checkPubKeyEncoding(pub, flags, sigversion);
            if (checker.checkEcdsa(sig, pub, scriptCode, sigversion)) {
              isig++;
              nSigs--;
            }
            ikey++;
            nKeys--;
            if (nSigs > nKeys) success = false;
          }
          while (i-- > 1) {
            if (!success && flags & VERIFY.NULLFAIL && !ikey2 && top(-1).length > 0) throw new ScriptFailure('SIG_NULLFAIL');
            if (ikey2 > 0) ikey2--;
            stack.pop();
          }
          // The extra element consumed by CHECKMULTISIG's off-by-one (BIP 147: must be empty).
          need(1);
          if (flags & VERIFY.NULLDUMMY && top(-1).length > 0) throw new ScriptFailure('SIG_NULLDUMMY');
          stack.pop();
          if (op === OPS.OP_CHECKMULTISIGVERIFY) {
            if (!success) throw new ScriptFailure('CHECKMULTISIGVERIFY');
          } else pushBool(success);
          break;
        }
        default:
          if (op >= OPS.OP_1 && op <= OPS.OP_16) {
            stack.push(encodeScriptNumber(op - OPS.OP_1 + 1));
            break;
          }
          if (op === OPS.OP_0) {
            stack.push(FALSE);
            break;
          }
          throw new ScriptFailure('BAD_OPCODE');
      }
    }
    if (stack.length + alt.length > MAX_STACK_SIZE) throw new ScriptFailure('STACK_SIZE');
  }
  if (exec.length > 0) throw new ScriptFailure('UNBALANCED_CONDITIONAL');
}
