/**
 * Utilities shared by every layer: errors, byte helpers, serialization.
 * @module
 */
export * from './errors.js';
export * from './bytes.js';
export * from './hex.js';
export * from './logger.js';
export * from './events.js';
export * from './config.js';
export * as ser from './ser/index.js';
