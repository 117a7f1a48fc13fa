/**
 * The crypto seam ({@link CryptoBackend}) and the default pure-TypeScript backend.
 * @module
 */
export * from './backend.js';
export { nobleBackend } from './noble.js';
