/**
 * BOLT 1 serialization: readers and writers of the fundamental types, BigSize, truncated
 * integers, TLV streams and the message declaration that yields both directions of a codec.
 * @module
 */
export * from './reader.js';
export * from './writer.js';
export * from './bigsize.js';
export * from './codec.js';
export * from './tlv.js';
export * from './message.js';
export * from './value.js';
