/**
 * Utilities shared by every layer: errors, byte helpers, serialization.
 * @module
 */
export * from './errors.js';
export * from './bytes.js';
export * from './hex.js';
export * as ser from './ser/index.js';
