/**
 * lnts core: the Lightning Network protocol as a library with no runtime of its own.
 * Subpath exports mirror the layers (`@lnts/lightning/ln`, `/chain`, `/routing`, `/sign`,
 * `/util`, `/crypto`, `/bitcoin`, `/invoice`).
 * @module
 */
export * as bitcoin from './bitcoin/index.js';
export * as chain from './chain/index.js';
export * as crypto from './crypto/index.js';
export * as invoice from './invoice/index.js';
export * as ln from './ln/index.js';
export * as routing from './routing/index.js';
export * as sign from './sign/index.js';
export * as util from './util/index.js';
