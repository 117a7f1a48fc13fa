/**
 * BOLT 4 §"Failure Messages": the flag bits of a `failure_code`.
 * @module
 */

/** 0x8000: unparsable onion encrypted by the sending peer (only in `update_fail_malformed_htlc`). */
export const BADONION = 0x8000;
/** 0x4000: permanent failure (otherwise transient). */
export const PERM = 0x4000;
/** 0x2000: node failure (otherwise channel). */
export const NODE = 0x2000;
/** 0x1000: a channel forwarding parameter was violated; the message carries a `channel_update`. */
export const UPDATE = 0x1000;
