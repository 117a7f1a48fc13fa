/**
 * The regtest script interpreter: legacy and segwit v0 scripts under consensus and standard
 * policy flags, as Bitcoin Core 26 evaluates them.
 * @module
 */
export * from './errors.js';
export * from './flags.js';
export * from './num.js';
export * from './opcodes.js';
export * from './checker.js';
export * from './interpreter.js';
export * from './verify.js';
export * from './taproot.js';
