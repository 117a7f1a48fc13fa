/**
 * Script verification flags (Bitcoin Core's `SCRIPT_VERIFY_*`). Consensus needs only the
 * mandatory set; `testmempoolaccept` applies the standard set, and when a script fails under it
 * but passes under the mandatory set the rejection is "non-mandatory-script-verify-flag".
 * @module
 */

/** One bit per rule. Values are lnts's own; names are Core's. */
export const VERIFY = {
  P2SH: 1 << 0,
  STRICTENC: 1 << 1,
  DERSIG: 1 << 2,
  LOW_S: 1 << 3,
  NULLDUMMY: 1 << 4,
  SIGPUSHONLY: 1 << 5,
  MINIMALDATA: 1 << 6,
  DISCOURAGE_UPGRADABLE_NOPS: 1 << 7,
  CLEANSTACK: 1 << 8,
  CHECKLOCKTIMEVERIFY: 1 << 9,
  CHECKSEQUENCEVERIFY: 1 << 10,
  WITNESS: 1 << 11,
  DISCOURAGE_UPGRADABLE_WITNESS_PROGRAM: 1 << 12,
  MINIMALIF: 1 << 13,
  NULLFAIL: 1 << 14,
  WITNESS_PUBKEYTYPE: 1 << 15,
  CONST_SCRIPTCODE: 1 << 16,
  TAPROOT: 1 << 17,
} as const;

/**
 * Consensus rules in force on regtest from block 1 (BIP 16, 66, 65, 112, 141/143, 147 NULLDUMMY,
 * 341): Core's `MANDATORY_SCRIPT_VERIFY_FLAGS`.
 */
export const MANDATORY_FLAGS =
  VERIFY.P2SH |
  VERIFY.DERSIG |
  VERIFY.NULLDUMMY |
  VERIFY.CHECKLOCKTIMEVERIFY |
  VERIFY.CHECKSEQUENCEVERIFY |
  VERIFY.WITNESS |
  VERIFY.TAPROOT;

/** Core 26's `STANDARD_SCRIPT_VERIFY_FLAGS` (relay policy), minus the taproot-only discouragements. */
export const STANDARD_FLAGS =
  MANDATORY_FLAGS |
  VERIFY.STRICTENC |
  VERIFY.LOW_S |
  VERIFY.MINIMALDATA |
  VERIFY.DISCOURAGE_UPGRADABLE_NOPS |
  VERIFY.CLEANSTACK |
  VERIFY.MINIMALIF |
  VERIFY.NULLFAIL |
  VERIFY.DISCOURAGE_UPGRADABLE_WITNESS_PROGRAM |
  VERIFY.WITNESS_PUBKEYTYPE |
  VERIFY.CONST_SCRIPTCODE;
