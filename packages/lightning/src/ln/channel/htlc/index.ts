/**
 * HTLCs in a channel: commitment specs and the update/commit/revoke dance as pure data.
 * @module
 */
export * from './spec.js';
export * from './commitments.js';
