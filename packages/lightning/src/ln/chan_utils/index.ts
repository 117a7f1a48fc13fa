/**
 * BOLT 3 channel utilities (LDK: `ln::chan_utils`): per-commitment keys and secrets, the
 * channel's scripts, commitment / HTLC / closing transactions and their signatures.
 * @module
 */
export * from './keys.js';
export * from './secrets.js';
export * from './scripts.js';
export * from './fees.js';
export * from './commitment.js';
export * from './htlc_tx.js';
export * from './signing.js';
export * from './closing.js';
