import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

// ARCHITECTURE.md principle 1: the core has no runtime. Scan every source file of the core for
// what would give it one: node: imports, Node-only packages, timers, clocks, unseeded randomness.
const SRC = new URL('../src/', import.meta.url).pathname;
function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}
const ALLOWED_PACKAGES = ['@noble/curves', '@noble/hashes', '@noble/ciphers', '@scure/base', '@scure/btc-signer'];
const FORBIDDEN: Array<[RegExp, string]> = [
  [/\bsetTimeout\s*\(|\bsetInterval\s*\(|\bsetImmediate\s*\(|\bqueueMicrotask\s*\(/, 'timer'],
  [/\bDate\.now\s*\(|\bnew Date\s*\(|\bperformance\.now\s*\(/, 'clock'],
  [/\bMath\.random\s*\(|\bcrypto\.getRandomValues\s*\(|\brandomBytes\s*\(/, 'unseeded randomness'],
  [/\bprocess\.|\bBuffer\.|\brequire\s*\(/, 'Node global'],
  [/\bfetch\s*\(|\bWebSocket\b/, 'network I/O'],
];

test('the core imports no node: module and only audited packages', () => {
  const bad: string[] = [];
  for (const f of files(SRC)) {
    const src = readFileSync(f, 'utf8');
    for (const m of src.matchAll(/(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]/g)) {
      const spec = m[1] ?? m[2]!;
      if (spec.startsWith('.')) continue;
      if (spec.startsWith('node:') || !ALLOWED_PACKAGES.some((p) => spec === p || spec.startsWith(`${p}/`))) {
        bad.push(`${f.slice(SRC.length)} imports ${spec}`);
      }
    }
  }
  assert.deepEqual(bad, []);
});

test('the core starts no timer, reads no clock, draws no unseeded randomness', () => {
  const bad: string[] = [];
  for (const f of files(SRC)) {
    const lines = readFileSync(f, 'utf8').split('\n');
    lines.forEach((line, i) => {
      const code = line.replace(/\/\/.*$/, '');
      if (/^\s*\*/.test(code)) return; // doc comment line
      for (const [re, what] of FORBIDDEN) if (re.test(code)) bad.push(`${f.slice(SRC.length)}:${i + 1} ${what}: ${line.trim()}`);
    });
  }
  assert.deepEqual(bad, []);
});
