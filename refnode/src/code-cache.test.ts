import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { codeCacheDir, runCachedCommonJs } from './code-cache.ts';

// Which cache a start used is checked in code-cache.e2e.test.ts, one process per start: within
// one process V8 reuses a script it compiled before and never reads the cache.

// A CommonJS file with functions V8 compiles lazily, on their first call.
const source = (n: number) => `
const { basename } = require('node:path');
function square(x) { return x * x; }
function sumOfSquares(xs) { return xs.reduce((sum, x) => sum + square(x), 0); }
module.exports = { answer: ${n}, here: basename(__filename), sumOfSquares, self: this === module.exports };
`;

const dirs: string[] = [];
function scratch(): { file: string; cache: string } {
  const dir = mkdtempSync(join(tmpdir(), 'refnode-code-cache-test-'));
  dirs.push(dir);
  const file = join(dir, 'app.cjs');
  writeFileSync(file, source(42));
  return { file, cache: join(dir, 'cache') };
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

type App = { answer: number; here: string; sumOfSquares(xs: number[]): number; self: boolean };

describe('runCachedCommonJs', () => {
  test('runs the file as Node runs CommonJS: module.exports, require, __filename, this', () => {
    const { file, cache } = scratch();
    const app = runCachedCommonJs(file, cache).exports as App;
    expect(app).toMatchObject({ answer: 42, here: 'app.cjs', self: true });
    expect(app.sumOfSquares([1, 2, 3])).toBe(14);
  });

  test('a cache dir that cannot be written costs only the compile', async () => {
    const { file } = scratch();
    const blocked = join(file, 'not-a-dir');
    const app = runCachedCommonJs(file, blocked);
    expect((app.exports as App).answer).toBe(42);
    expect(app.saveBoot()).toBe(false);
    expect(app.saveWarm()).toBe(false);
  });

  test('the cache dir is $NODE_COMPILE_CACHE/refnode, else the OS temp dir’s node-compile-cache/refnode', () => {
    expect(codeCacheDir({ NODE_COMPILE_CACHE: '/x/cc' })).toBe(join('/x/cc', 'refnode'));
    expect(codeCacheDir({})).toBe(join(tmpdir(), 'node-compile-cache', 'refnode'));
  });
});
