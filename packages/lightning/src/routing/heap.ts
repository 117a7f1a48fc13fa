/**
 * A binary min-heap with a caller-supplied total order: the router's priority queue (LDK uses
 * `BinaryHeap<RouteGraphNode>`). With a total order, pops are deterministic whatever the
 * insertion order of equal-priority entries.
 * @module
 */

/** A min-heap: {@link pop} returns the least element under `less`. */
export class MinHeap<T> {
  private readonly items: T[] = [];

  /** @param less - strict "comes before"; must be a total order for deterministic output. */
  constructor(private readonly less: (a: T, b: T) => boolean) {}

  /** Number of queued elements. */
  get size(): number {
    return this.items.length;
  }

  /** Queues `x`. */
  push(x: T): void {
    const a = this.items;
    a.push(x);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(a[i]!, a[p]!)) break;
      [a[i], a[p]] = [a[p]!, a[i]!];
      i = p;
    }
  }

  /** Removes and returns the least element, `undefined` when empty. */
  pop(): T | undefined {
    const a = this.items;
    if (a.length === 0) return undefined;
    const top = a[0]!;
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && this.less(a[l]!, a[m]!)) m = l;
        if (r < a.length && this.less(a[r]!, a[m]!)) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m]!, a[i]!];
        i = m;
      }
    }
    return top;
  }
}
