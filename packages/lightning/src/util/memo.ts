/**
 * The one idiom behind lnts's memo tables: a `WeakMap` from an object that owns the answers (a
 * crypto backend, a channel's parameters) to its table, made on first use and gone with the owner.
 * @module
 */

/** `table`'s entry for `owner`, made by `make` the first time it is asked for. */
export function entryOf<K extends object, V>(table: WeakMap<K, V>, owner: K, make: () => V): V {
  let v = table.get(owner);
  if (v === undefined) {
    v = make();
    table.set(owner, v);
  }
  return v;
}
