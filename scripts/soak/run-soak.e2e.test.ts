// The whole soak loop on small case files (no cluster): a failure and a leak reach the
// table, the leak is removed after its run, and the soak itself leaves nothing behind.
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { pidAlive } from '../../src/cluster/cleanup/sweeper.ts';
import { processesWithEnv } from '../../test/helpers.ts';
import { runSoak, soakRunRoot } from './run-soak.ts';
import { parseSoakArgs } from './soak-options.ts';

const repo = join(import.meta.dirname, '..', '..');
const out = await mkdtemp(join(tmpdir(), 'chainlab-soak-run-'));
afterAll(() => rm(out, { recursive: true, force: true }));

test('two runs with a core busy: each failure and each leak per run in the table, leaks removed', async () => {
  const lines: string[] = [];
  const files = ['passing', 'failing', 'leaky'].map((f) => `scripts/soak/fixtures/${f}.case.ts`);
  const options = parseSoakArgs([
    '--runs',
    '2',
    '--busy-cores',
    '1',
    '--config',
    'scripts/soak/fixtures/vitest.config.ts',
    '--out',
    out,
    ...files,
  ]);
  const result = await runSoak(options, repo, (line) => lines.push(line));

  expect(result.passed).toBe(false);
  const rows = result.table.split('\n').filter((l) => l.startsWith('| scripts/'));
  expect(rows).toEqual([
    '| scripts/soak/fixtures/passing.case.ts | 2 | 0 |  | none, none |',
    '| scripts/soak/fixtures/failing.case.ts | 2 | 2 | run 1: a suite fails: AssertionError: a multi-line<br>run 2: a suite fails: AssertionError: a multi-line | none, none |',
    '| scripts/soak/fixtures/leaky.case.ts | 2 | 0 |  | 1 process, 1 dir, 1 process, 1 dir |',
  ]);
  expect(result.table).toMatch(/^2 runs of 3 files, 1 core kept busy, CHAINLAB_PROFILE=ci, load average/);
  expect(readFileSync(join(out, 'table.md'), 'utf8')).toBe(result.table);
  expect(existsSync(join(out, 'run-2', 'scripts-soak-fixtures-failing.case.ts.log'))).toBe(true);
  expect(lines[0]).toMatch(/^soak: 1 core\(s\) kept busy by pids \d+$/);

  // What the leaky file left was removed after each run; the hog is gone.
  const leaked = result.records.flatMap((r) => r.leaks.processes);
  expect(leaked).toHaveLength(2);
  expect(leaked.filter(pidAlive)).toEqual([]);
  const hogPid = Number(lines[0]!.split(' ').at(-1));
  expect(pidAlive(hogPid)).toBe(false);
  for (const r of result.records) {
    const root = soakRunRoot(process.pid, r.run, r.file);
    expect(existsSync(root)).toBe(false);
    expect(await processesWithEnv(`CHAINLAB_RUN_ROOT=${root}`)).toEqual([]);
  }
}, 120_000);
