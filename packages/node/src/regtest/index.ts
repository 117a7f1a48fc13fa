/**
 * The embedded regtest chain (project issue 7): script interpreter, chain and mempool, wallet,
 * `chain.Access` and a block source feeding `chain.Listen` / `chain.Confirm` listeners.
 * @module
 */
export * from './script/index.js';
export * from './block.js';
export * from './policy.js';
export * from './validation.js';
export * from './rbf.js';
export * from './chain.js';
export * from './access.js';
export * from './wallet.js';
export * from './block_source.js';
export * from './fee_estimator.js';
