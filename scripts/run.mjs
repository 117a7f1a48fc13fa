#!/usr/bin/env node
// Runs a TypeScript entry point of the workspace from source (tsx + the `lnts-source` condition).
import { spawnSync } from 'node:child_process';
const [entry, ...args] = process.argv.slice(2);
const r = spawnSync(process.execPath, ['--conditions=lnts-source', '--import', 'tsx', entry, ...args], {
  stdio: 'inherit',
});
process.exit(r.status ?? 1);
