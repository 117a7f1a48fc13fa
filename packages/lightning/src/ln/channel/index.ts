/**
 * The BOLT 2 channel state machine: typed states (`state.ts`), the pure `step`, channel types,
 * parameters and errors. `ChannelManager` drives it; tests may drive it directly.
 * @module
 */
export * from './state.js';
export * from './step.js';
export * from './channel_type.js';
export * from './params.js';
export * from './errors.js';
export * from './commitments.js';
export * as htlc from './htlc/index.js';
export * from './announcement.js';
