/**
 * lnts core: the Lightning Network protocol as a library with no runtime of its own.
 * Subpath exports mirror the layers (`@lnts/lightning/ln`, `/chain`, `/routing`, `/sign`,
 * `/util`, `/crypto`, `/bitcoin`, `/invoice`).
 * @module
 */
export * as crypto from './crypto/index.js';
export * as util from './util/index.js';
