/**
 * `@lnts/node`: Node.js adapters for the lnts core — TCP for `PeerManager`, fast crypto backends,
 * and (as they land) persistence, block sources, the embedded regtest chain and the CLI.
 * @module
 */
export * from './net/tcp.js';
