// Real child Vitest runs of small case files (no cluster): what each kind of failure looks
// like in the soak table.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { failuresOf, runFileOnce } from './vitest-outcome.ts';

const repo = join(import.meta.dirname, '..', '..');
const logDir = await mkdtemp(join(tmpdir(), 'chainlab-soak-outcome-'));
afterAll(() => rm(logDir, { recursive: true, force: true }));

const run = (name: string) =>
  runFileOnce({
    file: `scripts/soak/fixtures/${name}.case.ts`,
    config: 'scripts/soak/fixtures/vitest.config.ts',
    cwd: repo,
    env: {},
    logDir,
    name,
  });

// Child Vitest runs take seconds each on a busy machine: more than a unit test's default.
describe('runFileOnce', { timeout: 30_000 }, () => {
  test('a passing file has no failures, and its output is kept', async () => {
    const outcome = await run('passing');
    expect([outcome.exitCode, outcome.failures]).toEqual([0, []]);
    expect(await readFile(join(logDir, 'passing.log'), 'utf8')).toContain('1 passed');
  });

  test('a failed test gives its full name and the first line of its message', async () => {
    expect((await run('failing')).failures).toEqual(['a suite fails: AssertionError: a multi-line']);
  });

  test('a file that fails before any test runs gives its error', async () => {
    expect((await run('broken')).failures).toEqual(['this file cannot load']);
  });
});

describe('failuresOf', () => {
  test('no report: the exit code and the last line printed', () => {
    expect(failuresOf(undefined, 137, 'Killed')).toEqual([
      'vitest exited with code 137 and wrote no report: Killed',
    ]);
  });

  test('every test passed but the run exited non-zero (an unhandled error): that is a failure', () => {
    const report = {
      testResults: [{ name: 'f', status: 'passed', assertionResults: [{ fullName: 't', status: 'passed' }] }],
    };
    expect(failuresOf(report, 1, 'Unhandled Rejection')).toEqual([
      'vitest exited with code 1: Unhandled Rejection',
    ]);
    expect(failuresOf(report, 0, '')).toEqual([]);
  });
});
