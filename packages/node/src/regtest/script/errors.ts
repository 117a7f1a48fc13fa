/**
 * Script failures, named and worded as Bitcoin Core's `ScriptError` / `ScriptErrorString`
 * (`script/script_error.cpp`), so a mempool rejection reads like `testmempoolaccept`'s.
 * @module
 */

/** Why a script failed (Bitcoin Core's `SCRIPT_ERR_*`, lower-cased without the prefix). */
export type ScriptErrorCode =
  | 'EVAL_FALSE'
  | 'OP_RETURN'
  | 'SCRIPT_SIZE'
  | 'PUSH_SIZE'
  | 'OP_COUNT'
  | 'STACK_SIZE'
  | 'SIG_COUNT'
  | 'PUBKEY_COUNT'
  | 'VERIFY'
  | 'EQUALVERIFY'
  | 'CHECKMULTISIGVERIFY'
  | 'CHECKSIGVERIFY'
  | 'NUMEQUALVERIFY'
  | 'BAD_OPCODE'
  | 'DISABLED_OPCODE'
  | 'INVALID_STACK_OPERATION'
  | 'INVALID_ALTSTACK_OPERATION'
  | 'UNBALANCED_CONDITIONAL'
  | 'NEGATIVE_LOCKTIME'
  | 'UNSATISFIED_LOCKTIME'
  | 'SIG_HASHTYPE'
  | 'SIG_DER'
  | 'MINIMALDATA'
  | 'SIG_PUSHONLY'
  | 'SIG_HIGH_S'
  | 'SIG_NULLDUMMY'
  | 'PUBKEYTYPE'
  | 'CLEANSTACK'
  | 'MINIMALIF'
  | 'SIG_NULLFAIL'
  | 'DISCOURAGE_UPGRADABLE_NOPS'
  | 'DISCOURAGE_UPGRADABLE_WITNESS_PROGRAM'
  | 'WITNESS_PROGRAM_WRONG_LENGTH'
  | 'WITNESS_PROGRAM_WITNESS_EMPTY'
  | 'WITNESS_PROGRAM_MISMATCH'
  | 'WITNESS_MALLEATED'
  | 'WITNESS_MALLEATED_P2SH'
  | 'WITNESS_UNEXPECTED'
  | 'WITNESS_PUBKEYTYPE'
  | 'OP_CODESEPARATOR'
  | 'SIG_FINDANDDELETE'
  | 'SCRIPTNUM'
  | 'SCHNORR_SIG_SIZE'
  | 'SCHNORR_SIG_HASHTYPE'
  | 'SCHNORR_SIG'
  | 'UNSUPPORTED';

const MESSAGES: Record<ScriptErrorCode, string> = {
  EVAL_FALSE: 'Script evaluated without error but finished with a false/empty top stack element',
  OP_RETURN: 'OP_RETURN was encountered',
  SCRIPT_SIZE: 'Script is too big',
  PUSH_SIZE: 'Push value size limit exceeded',
  OP_COUNT: 'Operation limit exceeded',
  STACK_SIZE: 'Stack size limit exceeded',
  SIG_COUNT: 'Signature count negative or greater than pubkey count',
  PUBKEY_COUNT: 'Pubkey count negative or limit exceeded',
  VERIFY: 'Script failed an OP_VERIFY operation',
  EQUALVERIFY: 'Script failed an OP_EQUALVERIFY operation',
  CHECKMULTISIGVERIFY: 'Script failed an OP_CHECKMULTISIGVERIFY operation',
  CHECKSIGVERIFY: 'Script failed an OP_CHECKSIGVERIFY operation',
  NUMEQUALVERIFY: 'Script failed an OP_NUMEQUALVERIFY operation',
  BAD_OPCODE: 'Opcode missing or not understood',
  DISABLED_OPCODE: 'Attempted to use a disabled opcode',
  INVALID_STACK_OPERATION: 'Operation not valid with the current stack size',
  INVALID_ALTSTACK_OPERATION: 'Operation not valid with the current altstack size',
  UNBALANCED_CONDITIONAL: 'Invalid OP_IF construction',
  NEGATIVE_LOCKTIME: 'Negative locktime',
  UNSATISFIED_LOCKTIME: 'Locktime requirement not satisfied',
  SIG_HASHTYPE: 'Signature hash type missing or not understood',
  SIG_DER: 'Non-canonical DER signature',
  MINIMALDATA: 'Data push larger than necessary',
  SIG_PUSHONLY: 'Only push operators allowed in signatures',
  SIG_HIGH_S: 'Non-canonical signature: S value is unnecessarily high',
  SIG_NULLDUMMY: 'Dummy CHECKMULTISIG argument must be zero',
  PUBKEYTYPE: 'Public key is neither compressed or uncompressed',
  CLEANSTACK: 'Stack size must be exactly one after execution',
  MINIMALIF: 'OP_IF/NOTIF argument must be minimal',
  SIG_NULLFAIL: 'Signature must be zero for failed CHECK(MULTI)SIG operation',
  DISCOURAGE_UPGRADABLE_NOPS: 'NOPx reserved for soft-fork upgrades',
  DISCOURAGE_UPGRADABLE_WITNESS_PROGRAM: 'Witness version reserved for soft-fork upgrades',
  WITNESS_PROGRAM_WRONG_LENGTH: 'Witness program has incorrect length',
  WITNESS_PROGRAM_WITNESS_EMPTY: 'Witness program was passed an empty witness',
  WITNESS_PROGRAM_MISMATCH: 'Witness program hash mismatch',
  WITNESS_MALLEATED: 'Witness requires empty scriptSig',
  WITNESS_MALLEATED_P2SH: 'Witness requires only-redeemscript scriptSig',
  WITNESS_UNEXPECTED: 'Witness provided for non-witness script',
  WITNESS_PUBKEYTYPE: 'Using non-compressed keys in segwit',
  OP_CODESEPARATOR: 'Using OP_CODESEPARATOR in non-witness script',
  SIG_FINDANDDELETE: 'Signature is found in scriptCode',
  // Core reports a thrown scriptnum_error as SCRIPT_ERR_UNKNOWN_ERROR.
  SCRIPTNUM: 'unknown error',
  SCHNORR_SIG_SIZE: 'Invalid Schnorr signature size',
  SCHNORR_SIG_HASHTYPE: 'Invalid Schnorr signature hash type',
  SCHNORR_SIG: 'Invalid Schnorr signature',
  UNSUPPORTED: 'unsupported by the lnts regtest interpreter (tapscript spends are not implemented)',
};

/** Bitcoin Core's human-readable text for a script error. */
export function scriptErrorString(code: ScriptErrorCode): string {
  return MESSAGES[code];
}

/** Thrown inside the interpreter and caught at its boundary; never escapes {@link verifyScript}. */
export class ScriptFailure extends Error {
  override readonly name = 'ScriptFailure';
  constructor(readonly code: ScriptErrorCode) {
    super(MESSAGES[code]);
  }
}
