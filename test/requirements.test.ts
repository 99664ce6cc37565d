// The rule for a missing requirement (skip locally with the reason, fail in CI with it),
// pure and in real child Vitest runs, and the probes against this machine.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { runFileOnce } from '../scripts/soak/vitest-outcome.ts';
import {
  chromiumRequirement,
  decide,
  inCi,
  kubernetesClusterRequirement,
  programRequirement,
} from './requirements.ts';

const missing = { what: 'Chromium', missing: 'no Chromium at /no/such/chromium' };

describe('decide', () => {
  test('present: run, in CI or not', () => {
    expect(decide({ what: 'Chromium', missing: undefined }, { CI: 'true' })).toEqual({ kind: 'run' });
  });

  test('missing outside CI: skipped with the reason', () => {
    expect(decide(missing, {})).toEqual({
      kind: 'skip',
      reason: 'needs Chromium: no Chromium at /no/such/chromium',
    });
  });

  test('missing in CI: a failure with the reason and why it is not a skip', () => {
    expect(decide(missing, { CI: '1' })).toEqual({
      kind: 'fail',
      reason:
        'needs Chromium: no Chromium at /no/such/chromium (CI=1: a missing requirement fails in CI instead of skipping)',
    });
  });

  test('an opt-in requirement (a cluster someone configured) skips even in CI', () => {
    expect(decide(kubernetesClusterRequirement({ CI: 'true' }), { CI: 'true' }).kind).toBe('skip');
  });

  test('CI is on for any value but empty, 0 and false', () => {
    expect([{ CI: 'true' }, { CI: '1' }, {}, { CI: '' }, { CI: 'false' }, { CI: '0' }].map(inCi)).toEqual([
      true,
      true,
      false,
      false,
      false,
      false,
    ]);
  });
});

describe('probes', () => {
  test('Chromium: any executable at the path counts; a missing one says how to get it', () => {
    expect(chromiumRequirement(process.execPath).missing).toBeUndefined();
    expect(chromiumRequirement('/no/such/chromium').missing).toBe(
      "no Chromium at /no/such/chromium (install Debian's chromium, or set CHAINLAB_CHROMIUM)",
    );
  });

  test('a program: found when it runs, named with its install hint when not on PATH', async () => {
    expect((await programRequirement(process.execPath, ['--version'], 'n/a')).missing).toBeUndefined();
    expect(
      (await programRequirement('chainlab-no-such-program', ['--version'], 'Debian: nothing')).missing,
    ).toBe('no chainlab-no-such-program on PATH (Debian: nothing)');
  });
});

const repo = join(import.meta.dirname, '..');
const logDir = await mkdtemp(join(tmpdir(), 'chainlab-requirements-'));
afterAll(() => rm(logDir, { recursive: true, force: true }));

// Child Vitest runs take seconds each on a busy machine: more than a unit test's default.
describe('in a real run', { timeout: 30_000 }, () => {
  const run = (name: string, ci: string) =>
    runFileOnce({
      file: 'test/fixtures/missing-requirement.case.ts',
      config: 'test/fixtures/vitest.config.ts',
      cwd: repo,
      env: { CI: ci },
      logDir,
      name,
    });

  test('locally the suite and the test are skipped, each with the reason printed', async () => {
    const outcome = await run('local', '');
    expect([outcome.exitCode, outcome.failures]).toEqual([0, []]);
    const log = await readFile(join(logDir, 'local.log'), 'utf8');
    expect(log).toContain(
      'chainlab: skipping "time travel": needs a flux capacitor: none at /dev/flux (install one)',
    );
    expect(log).toContain('chainlab: skipping: needs a flux capacitor: none at /dev/flux (install one)');
    expect(log).toMatch(/Tests\s+2 skipped/);
  });

  test('in CI both fail, with the reason', async () => {
    const reason =
      'Error: needs a flux capacitor: none at /dev/flux (install one) (CI=true: a missing requirement fails in CI instead of skipping)';
    expect((await run('ci', 'true')).failures).toEqual([
      `time travel the machine has what "time travel" needs: ${reason}`,
      `needs it inside the test: ${reason}`,
    ]);
  });
});
