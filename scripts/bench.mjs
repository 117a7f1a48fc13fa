#!/usr/bin/env node
// `npm run bench [-- NAME_FILTER]`: runs every packages/node/bench/*.bench.ts whose file name
// contains the filter; each prints one JSON object per line and figure.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
const root = new URL('..', import.meta.url).pathname;
const dir = join(root, 'packages/node/bench');
const filter = process.argv[2] ?? '';
const benches = readdirSync(dir).filter((f) => f.endsWith('.bench.ts')).sort();
let failed = 0;
for (const b of benches) {
  const name = b.replace(/\.bench\.ts$/, '');
  if (filter && !name.includes(filter) && !filter.startsWith(name)) {
    // A filter may also name a figure inside a bench (e.g. "crypto.verify"); pass it through.
    if (!filter.split('.')[0] || !name.startsWith(filter.split('.')[0])) continue;
  }
  const r = spawnSync(process.execPath, ['--expose-gc', '--conditions=lnts-source', '--import', 'tsx', join(dir, b), filter, ...process.argv.slice(3)], {
    cwd: root, stdio: 'inherit',
  });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
