/**
 * `@lnts/node`: Node.js adapters for the lnts core — TCP for `PeerManager`, fast crypto backends
 * (libsecp256k1 native or WASM, OpenSSL hashes and AEAD), the filesystem store for the HTLC
 * history monitors move out of memory, and the embedded regtest chain with its wallet and block source.
 * @module
 */
export * from './net/tcp.js';
export * from './crypto/index.js';
export * from './persist/htlc_history_file.js';
export * as regtest from './regtest/index.js';
