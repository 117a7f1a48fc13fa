/**
 * Many small byte strings kept for a long time, packed into large chunks. A separate
 * `Uint8Array` per string costs its own ArrayBuffer and backing store — about 400 bytes of
 * overhead for a 140-byte `channel_update` — while a view into a shared chunk costs a fraction of
 * that. The network graph keeps every signed gossip message this way.
 *
 * Strings are never freed one by one: the owner {@link ByteArena.release}s what it drops, and
 * when more than half of what was written is dead it copies the live strings into a new arena
 * ({@link ByteArena.wasteful}), so memory stays proportional to what is kept.
 * @module
 */

const CHUNK = 1 << 20;

/** An append-only store of byte strings in 1 MiB chunks. */
export class ByteArena {
  private chunk = new Uint8Array(0);
  private used = 0;
  /** Bytes of the strings still kept (written minus released). */
  private live = 0;
  /** Bytes written since the arena was made. */
  private written = 0;

  /** A copy of `b` inside the arena (large strings get their own buffer). */
  copy(b: Uint8Array): Uint8Array {
    const n = b.length;
    this.live += n;
    this.written += n;
    if (n === 0) return EMPTY;
    if (n > CHUNK >> 4) return b.slice();
    if (this.used + n > this.chunk.length) {
      this.chunk = new Uint8Array(CHUNK);
      this.used = 0;
    }
    const view = this.chunk.subarray(this.used, this.used + n);
    view.set(b);
    this.used += n;
    return view;
  }

  /** `b` (a string from {@link copy}) is no longer kept. */
  release(b: Uint8Array | undefined): void {
    if (b) this.live -= b.length;
  }

  /** True when dead strings outweigh live ones (and there is enough to bother): time to copy the live ones out. */
  wasteful(): boolean {
    const dead = this.written - this.live;
    return dead > this.live && dead > 4 * CHUNK;
  }
}

const EMPTY = new Uint8Array(0);
