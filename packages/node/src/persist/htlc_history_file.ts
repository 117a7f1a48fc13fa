/**
 * An `HtlcHistoryStore` on the filesystem: one file per channel, written in place and synced
 * before `write` returns, which is the durability the monitor counts on before it drops records
 * from memory (see `@lnts/lightning/chain`'s `htlc_history_store.ts`). Records are read back
 * only when a revoked commitment appears on chain.
 * @module
 */
import { closeSync, constants, existsSync, fstatSync, fsyncSync, mkdirSync, openSync, readSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { OutPoint } from '@lnts/lightning/bitcoin';
import { type HtlcHistoryStore, htlcHistoryKey } from '@lnts/lightning/chain';

/** Keeps each channel's HTLC history in `<dir>/<funding txid>_<vout>.htlcs`. */
export class FileHtlcHistoryStore implements HtlcHistoryStore {
  /** @param dir - created if missing; give each node its own (files are named by funding outpoint). */
  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  private path(channel: OutPoint): string {
    return join(this.dir, `${htlcHistoryKey(channel)}.htlcs`);
  }

  write(channel: OutPoint, offset: number, data: Uint8Array): boolean {
    const path = this.path(channel);
    const created = !existsSync(path);
    const fd = openSync(path, constants.O_RDWR | constants.O_CREAT, 0o600);
    try {
      let done = 0;
      while (done < data.length) done += writeSync(fd, data, done, data.length - done, offset + done);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    // A new file is durable only once its directory entry is.
    if (created) syncDir(this.dir);
    return true;
  }

  read(channel: OutPoint, offset: number, length: number): Uint8Array | undefined {
    const path = this.path(channel);
    if (!existsSync(path)) return undefined;
    const fd = openSync(path, constants.O_RDONLY);
    try {
      const out = new Uint8Array(Math.max(0, Math.min(length, fstatSync(fd).size - offset)));
      let done = 0;
      while (done < out.length) {
        const n = readSync(fd, out, done, out.length - done, offset + done);
        if (n === 0) break;
        done += n;
      }
      return out.subarray(0, done);
    } finally {
      closeSync(fd);
    }
  }
}

function syncDir(dir: string): void {
  const fd = openSync(dir, constants.O_RDONLY);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
