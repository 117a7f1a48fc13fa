/**
 * `ChannelManager` and what it reports (`ChannelDetails`).
 * @module
 */
export * from './manager.js';
export * from './details.js';
export { buildInvoice, type InvoiceOptions } from './invoice_utils.js';
export * from './channel_update.js';
export * from './node_announcement.js';
export * from './own_gossip.js';
export { IDEMPOTENCY_TIMEOUT_TICKS } from './payments.js';
