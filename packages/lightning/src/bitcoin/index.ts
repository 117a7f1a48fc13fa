/**
 * The Bitcoin pieces Lightning needs: the transaction model and its serialization (BIP 141/144),
 * scripts, BIP 143 signature hashes, signature encodings, output scripts and segwit addresses.
 * @module
 */
export * from './tx.js';
export * from './opcodes.js';
export * from './script.js';
export * from './serialize.js';
export * from './sighash.js';
export * from './der.js';
export * from './outputs.js';
export * from './address.js';
export * from './hashes.js';
