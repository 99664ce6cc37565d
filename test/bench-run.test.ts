// `npm run bench` (bench/run.ts): lists every bench with its usage line, runs one by name, and
// refuses a name it does not know with the allowed ones.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect, test } from 'vitest';

const root = resolve(import.meta.dirname, '..');
const bench = (...args: string[]) =>
  spawnSync(process.execPath, [resolve(root, 'bench/run.ts'), ...args], { encoding: 'utf8' });

test('lists every bench of bench/ with how to run it', () => {
  const run = bench();
  expect(run.status).toBe(0);
  const helpers = ['proc-cpu.ts', 'run.ts'];
  for (const file of readdirSync(resolve(root, 'bench')).filter(
    (f) => f.endsWith('.ts') && !helpers.includes(f),
  ))
    expect(run.stdout, file).toMatch(new RegExp(`^  ${file.slice(0, -3)} +npx node bench/${file}`, 'm'));
});

test('runs a bench by name with its arguments', () => {
  const run = bench('profile-top');
  // profile-top without its directory argument prints its usage and exits 2: the name reached it.
  expect(run.status).toBe(2);
  expect(run.stderr).toContain('usage: npx node bench/profile-top.ts DIR');
});

test('an unknown name exits 2 and names the benches there are', () => {
  const run = bench('no-such-bench');
  expect(run.status).toBe(2);
  expect(run.stderr).toContain('unknown bench "no-such-bench"; one of: api-flood,');
  expect(run.stderr).toContain('refnode-idle');
});
