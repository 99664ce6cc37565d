// The soak command stopped by Ctrl-C or SIGTERM in the middle of a run (a real child Vitest
// of a small case file, no cluster): the run in progress is interrupted, what it left is
// removed with its run root, the table of the runs that ended says where it stopped, and the
// exit code is 128 + the signal's number.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { pidAlive } from '../../src/cluster/cleanup/sweeper.ts';
import { eventually, processesWithEnv } from '../../test/helpers.ts';
import { soakRunRoot } from './run-soak.ts';

const repo = join(import.meta.dirname, '..', '..');
const out = await mkdtemp(join(tmpdir(), 'chainlab-soak-stop-'));
afterAll(() => rm(out, { recursive: true, force: true }));

test.each(['SIGINT', 'SIGTERM'] as const)(
  '%s during a run: the run is stopped, what it left is removed, the table says where it stopped',
  async (signal) => {
    const outDir = join(out, signal);
    const soak = spawn(
      process.execPath,
      [
        'scripts/soak.ts',
        '--runs',
        '2',
        '--config',
        'scripts/soak/fixtures/vitest.config.ts',
        '--out',
        outDir,
        'scripts/soak/fixtures/passing.case.ts',
        'scripts/soak/fixtures/stalled.case.ts',
      ],
      { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    soak.stdout.on('data', (d: Buffer) => (stdout += d));
    soak.stderr.on('data', (d: Buffer) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => soak.once('close', resolve));

    // The stalled file's run has made its dir and started its process: stop the soak now.
    const root = soakRunRoot(soak.pid!, 1, 'scripts/soak/fixtures/stalled.case.ts');
    const started = join(root, 'in-progress', 'started');
    expect(await eventually(async () => existsSync(started), 60_000)).toBe(true);
    const leftPid = Number(readFileSync(started, 'utf8'));
    expect(pidAlive(leftPid)).toBe(true);
    soak.kill(signal);

    expect(await exited).toBe(128 + constants.signals[signal]);
    expect(stderr).toMatch(
      new RegExp(
        `soak: stopped by ${signal} at run 1/2 of scripts/soak/fixtures/stalled.case.ts; removed what it left: \\d+ process(es)?, 1 dir\\n`,
      ),
    );
    // Nothing of the interrupted run is left, and the second run never started.
    expect(existsSync(root)).toBe(false);
    expect(pidAlive(leftPid)).toBe(false);
    expect(await processesWithEnv(`CHAINLAB_RUN_ROOT=${root}`)).toEqual([]);
    expect(existsSync(join(outDir, 'run-2'))).toBe(false);
    // The table holds the run that ended and names the one that was stopped.
    const table = readFileSync(join(outDir, 'table.md'), 'utf8');
    expect(stdout).toContain(table);
    expect(table.split('\n')[0]).toMatch(
      `; stopped by ${signal} at run 1 of scripts/soak/fixtures/stalled.case.ts, which is not in the table`,
    );
    expect(table.split('\n').filter((l) => l.startsWith('| scripts/'))).toEqual([
      '| scripts/soak/fixtures/passing.case.ts | 1 | 0 |  | none |',
    ]);
  },
  60_000,
);
