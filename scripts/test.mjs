#!/usr/bin/env node
// Runs every `*.test.ts` under packages/*/test with Node's test runner (Node 20 has no glob for
// `--test`), through tsx and the `lnts-source` export condition so workspaces resolve to source.
// Usage: node scripts/test.mjs [substring filters...]
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist') continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}
const filters = process.argv.slice(2);
const files = [];
for (const pkg of readdirSync(join(root, 'packages'))) {
  const t = join(root, 'packages', pkg, 'test');
  try { walk(t, files); } catch { /* package without tests */ }
}
const picked = files
  .map((f) => relative(root, f))
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
  .sort();
if (picked.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
const r = spawnSync(
  process.execPath,
  ['--conditions=lnts-source', '--import', 'tsx', '--test', '--test-reporter=spec', ...picked],
  { cwd: root, stdio: 'inherit', env: { ...process.env } },
);
process.exit(r.status ?? 1);
