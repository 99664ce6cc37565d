// Which code cache a start uses, one Node process per start as in production (within one
// process V8 reuses a script it compiled before and never reads a cache).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, test } from 'vitest';
import type { CodeCacheUse } from './code-cache.ts';

// A CommonJS file with functions V8 compiles lazily, on their first call.
const source = (n: number) => `
function square(x) { return x * x; }
function sumOfSquares(xs) { return xs.reduce((sum, x) => sum + square(x), 0); }
module.exports = { answer: ${n}, sumOfSquares };
`;

// One start, as refnode's bundle entry does it: runs the file with its cache, saves the boot
// cache (a node does once it serves), calls functions, and with `warm` writes the warm cache.
const driver = `
import { runCachedCommonJs } from ${JSON.stringify(pathToFileURL(join(import.meta.dirname, 'code-cache.ts')).href)};
const [file, dir, warm] = process.argv.slice(2);
const started = runCachedCommonJs(file, dir);
const booted = started.saveBoot();
const sum = started.exports.sumOfSquares([1, 2, 3]);
const saved = warm === 'warm' ? started.saveWarm() : false;
console.log(JSON.stringify({ used: started.used, answer: started.exports.answer, sum, booted, saved }));
`;

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function scratch() {
  const dir = mkdtempSync(join(tmpdir(), 'refnode-code-cache-e2e-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'driver.mjs'), driver);
  writeFileSync(join(dir, 'app.cjs'), source(42));
  const cache = join(dir, 'cache');
  const start = (warm = false) =>
    JSON.parse(
      execFileSync(
        process.execPath,
        [join(dir, 'driver.mjs'), join(dir, 'app.cjs'), cache, warm ? 'warm' : ''],
        {
          encoding: 'utf8',
        },
      ),
    ) as { used: CodeCacheUse; answer: number; sum: number; booted: boolean; saved: boolean };
  const files = () =>
    readdirSync(cache)
      .filter((n) => n.endsWith('.v8'))
      .sort();
  return { dir, cache, start, files };
}

describe('the code cache across processes', () => {
  test('a first start writes the boot cache; a warm start adds every function it compiled since; later starts use that', () => {
    const { cache, start, files } = scratch();
    expect(start()).toEqual({ used: 'none', answer: 42, sum: 14, booted: true, saved: false });
    const [boot] = files();
    expect(boot).toMatch(/^app\.cjs-v\d+\.\d+\.\d+-\w+-[0-9a-f]{16}\.boot\.v8$/);

    expect(start(true)).toEqual({ used: 'boot', answer: 42, sum: 14, booted: false, saved: true });
    const warm = boot!.replace('.boot.', '.warm.');
    expect(files()).toEqual([boot, warm]);
    // Taken after the functions ran, it holds their bytecode too.
    expect(statSync(join(cache, warm)).size).toBeGreaterThan(statSync(join(cache, boot!)).size);

    expect(start(true)).toEqual({ used: 'warm', answer: 42, sum: 14, booted: false, saved: false });
  });

  test('a damaged cache is rejected by V8: the file compiles anew, runs, and the next start has a sound cache', () => {
    const { cache, start, files } = scratch();
    start();
    const [boot] = files();
    writeFileSync(join(cache, boot!), Buffer.alloc(4096, 7));
    expect(start()).toEqual({ used: 'rejected', answer: 42, sum: 14, booted: true, saved: false });
    expect(start()).toMatchObject({ used: 'boot', answer: 42 });
  });

  test('a rebuilt file never runs the cache of the old one', () => {
    const { dir, start } = scratch();
    start(true);
    // The same length (all V8 checks of the source) and modification time, other code.
    const { atime, mtime } = statSync(join(dir, 'app.cjs'));
    writeFileSync(join(dir, 'app.cjs'), source(43));
    utimesSync(join(dir, 'app.cjs'), atime, mtime);
    expect(start()).toEqual({ used: 'none', answer: 43, sum: 14, booted: true, saved: false });
  });
});
