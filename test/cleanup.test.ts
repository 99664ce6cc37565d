/**
 * Nothing leaks: child `vitest run`s of the cases in test/fixtures/ (passing, failing on
 * refnode and on litecoind, start timeout, interrupted by SIGINT) leave no process and no
 * dir behind; a killed run's nodes (Node processes or native litecoind daemons) stop by
 * themselves and the sweeper removes what is left.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, onTestFinished, test } from 'vitest';
import { newRunId, runsRoot } from '../src/cluster/cleanup/run.ts';
import { pidAlive, sweepDeadRuns } from '../src/cluster/cleanup/sweeper.ts';
import { entries, eventually, processesWithEnv } from './helpers.ts';

const repo = join(import.meta.dirname, '..');
const vitestBin = join(repo, 'node_modules', 'vitest', 'vitest.mjs');
const roots: string[] = [];

afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

/**
 * A private run root per child so counting is not confused by other runs on the machine.
 * Named like a run of this worker inside the runs root, so if this worker is killed the
 * next run's sweeper removes it.
 */
function privateRoot(): string {
  const root = join(runsRoot(), newRunId());
  mkdirSync(root, { recursive: true });
  roots.push(root);
  return root;
}

function runCase(
  file: string,
  root: string,
  extraEnv: Record<string, string> = {},
): ChildProcess & { done: Promise<{ code: number | null; signal: string | null; output: string }> } {
  const child = spawn(
    process.execPath,
    [vitestBin, 'run', '--config', 'test/fixtures/vitest.config.ts', file],
    {
      cwd: repo,
      env: { ...process.env, CHAINLAB_RUN_ROOT: root, CI: '1', ...extraEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group, so a test can send it a terminal-style Ctrl-C.
      detached: true,
    },
  );
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const done = new Promise<{ code: number | null; signal: string | null; output: string }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal, output })),
  );
  return Object.assign(child, { done });
}

/** Nothing of that root's runs is left: no process carries it, its dir is empty. */
async function leftovers(root: string): Promise<{ processes: number[]; dirs: string[] }> {
  return { processes: await processesWithEnv(`CHAINLAB_RUN_ROOT=${root}`), dirs: await entries(root) };
}

/** A runner process and the moment it exits. */
interface Runner {
  runner: ChildProcess;
  exited: Promise<unknown>;
}

/**
 * Starts a runner: a Node process running `script` (module text) with its runs under `root`.
 * It is killed when the test ends, so a check that fails before the test kills it leaves
 * neither the runner nor its nodes running.
 */
function startRunner(script: string, root: string): Runner {
  const runner = spawn(process.execPath, ['--input-type=module', '-e', script], {
    cwd: repo,
    env: { ...process.env, CHAINLAB_RUN_ROOT: root },
    stdio: 'ignore',
  });
  onTestFinished(() => void runner.kill('SIGKILL'));
  return { runner, exited: new Promise((r) => runner.once('exit', r)) };
}

/** Sends `signal` to the runner and expects nothing of `root` to be left within 10 s. */
async function expectNothingLeftAfter(
  { runner, exited }: Runner,
  signal: NodeJS.Signals,
  root: string,
): Promise<void> {
  runner.kill(signal);
  await exited;
  await eventually(async () => {
    const l = await leftovers(root);
    return l.processes.length === 0 && l.dirs.length === 0;
  }, 10_000);
  expect(await leftovers(root)).toEqual({ processes: [], dirs: [] });
}

describe('cleanup of child vitest runs', () => {
  test.each([
    ['passing.case.ts', 0, /1 passed/],
    ['failing.case.ts', 1, /expected 'the cluster' to be 'a failing assertion'/],
    // litecoind nodes are native processes (no orphan guard): the registry stops them.
    ['litecoind-fails.case.ts', 1, /expected 'the litecoind cluster' to be 'a failing assertion'/],
    [
      'start-timeout.case.ts',
      1,
      /chainlab cluster fixture cluster\(2 validators.*did not start: cluster not ready after \d+ ms: waiting for every node at height ≥ 1000000/,
    ],
  ])('%s exits %i and leaves nothing', async (file, exitCode, expected) => {
    const root = privateRoot();
    const artifacts = privateRoot();
    const { code, output } = await runCase(file, root, { CHAINLAB_ARTIFACTS: artifacts }).done;
    expect(output).toMatch(expected);
    expect(code, output).toBe(exitCode);
    // The run's reaper exits within a poll period of the run dir's removal.
    await eventually(async () => (await leftovers(root)).processes.length === 0, 2000);
    expect(await leftovers(root)).toEqual({ processes: [], dirs: [] });
    // Only a failed test leaves artifacts (outside the run dir): of a running cluster, or the
    // node logs of a start that failed. These runs have no plugin, so no test is open to hold
    // them: the fixture's start keeps them itself, and its error names where.
    const kept = await entries(artifacts);
    if (file === 'start-timeout.case.ts') {
      expect(kept).toHaveLength(1);
      const dir = join(artifacts, kept[0]!, (await entries(join(artifacts, kept[0]!)))[0]!);
      expect((await entries(dir)).sort()).toEqual(['README.txt', 'val-0.log', 'val-1.log']);
      expect(output).toContain(`every node's log up to the failure is kept in ${dir}`);
      expect(readFileSync(join(dir, 'README.txt'), 'utf8')).toMatch(
        /no test was open; the cluster's start failed:\ncluster not ready after/,
      );
      return;
    }
    if (!['failing.case.ts', 'litecoind-fails.case.ts'].includes(file)) {
      expect(kept).toEqual([]);
      return;
    }
    expect(kept).toHaveLength(1);
    const dir = join(artifacts, kept[0]!, (await entries(join(artifacts, kept[0]!)))[0]!);
    expect((await entries(dir)).sort()).toEqual([
      'README.txt',
      'recording.json',
      'report-meta.json',
      'report.html',
      'val-0.log',
      'val-1.log',
    ]);
    // A failure that is not a chainlab judgement is in the report too, spanning its test.
    expect(JSON.parse(readFileSync(join(dir, 'report-meta.json'), 'utf8')).failures).toMatchObject([
      { test: expect.stringMatching(/^a failing test/), message: expect.stringMatching(/^expected 'the/) },
    ]);
    const seed = /seed (\d+)/.exec(readFileSync(join(dir, 'README.txt'), 'utf8'))?.[1];
    expect(output).toContain(`replay with CHAINLAB_SEED=${seed}`);
    expect(JSON.parse(readFileSync(join(dir, 'recording.json'), 'utf8'))).toMatchObject({
      version: 2,
      seed: Number(seed),
    });
  });

  test.each([
    ['the whole process group (Ctrl-C)', true],
    ['only the vitest main process', false],
  ])('SIGINT to %s mid-test leaves nothing', async (_, group) => {
    const root = privateRoot();
    const readyFile = join(privateRoot(), 'ready');
    const child = runCase('interrupted.case.ts', root, { CHAINLAB_TEST_READY_FILE: readyFile });
    const ready = await eventually(async () => existsSync(readyFile), 90_000, 200);
    expect(ready, 'the interrupted case started its cluster').toBe(true);
    const runId = readFileSync(readyFile, 'utf8').trim();
    const nodes = await processesWithEnv(`CHAINLAB_RUN=${runId}`);
    expect(nodes).toHaveLength(2);
    process.kill(group ? -child.pid! : child.pid!, 'SIGINT');
    await child.done;
    // Nodes stop gracefully (SIGTERM, then SIGKILL after the grace delay): allow for it.
    await eventually(
      async () => {
        const l = await leftovers(root);
        return l.processes.length === 0 && l.dirs.length === 0;
      },
      15_000,
      200,
    );
    expect(await leftovers(root)).toEqual({ processes: [], dirs: [] });
  });
});

describe('killed runs', () => {
  // refnode nodes are Node processes (orphan guard and reaper); litecoind's are native (the reaper alone).
  test.each([
    ['refnode', ''],
    [
      'litecoind',
      `adapter: (await import(${JSON.stringify(join(repo, 'src/adapter/litecoind/adapter.ts'))})).litecoindAdapter()`,
    ],
  ])(
    'a SIGKILLed runner of %s nodes: they stop and its dir goes (orphan guard + run reaper)',
    async (_, adapter) => {
      const root = privateRoot();
      const readyFile = join(privateRoot(), 'ready');
      const script = `
      import { writeFileSync } from 'node:fs';
      import { Cluster } from ${JSON.stringify(join(repo, 'src/cluster/cluster.ts'))};
      const c = await new Cluster({ validators: 2, wallets: 2, ${adapter} }).start();
      writeFileSync(${JSON.stringify(readyFile)}, c.runId);
      setInterval(() => {}, 1000);
    `;
      const runner = startRunner(script, root);
      expect(await eventually(async () => existsSync(readyFile), 90_000, 200)).toBe(true);
      const runId = readFileSync(readyFile, 'utf8');
      expect(await processesWithEnv(`CHAINLAB_RUN=${runId}`)).toHaveLength(2);
      expect(await entries(root)).toEqual([runId]);
      await expectNothingLeftAfter(runner, 'SIGKILL', root);
    },
  );

  // refnode's own tests start their nodes with refnode/test/cluster.ts: into the run as well.
  test.each(['SIGKILL', 'SIGTERM'] as const)(
    'a %s to a process running refnode test nodes: they stop and their genesis dir goes',
    async (signal) => {
      const root = privateRoot();
      const readyFile = join(privateRoot(), 'ready');
      const script = `
      import { writeFileSync } from 'node:fs';
      import { writeGenesis } from ${JSON.stringify(join(repo, 'refnode/test/cluster.ts'))};
      const set = await writeGenesis({ validators: 1, wallets: 1 });
      const node = await set.start(0);
      writeFileSync(${JSON.stringify(readyFile)}, JSON.stringify({ dir: set.dir, pid: node.child.pid }));
      setInterval(() => {}, 1000);
    `;
      const runner = startRunner(script, root);
      expect(await eventually(async () => existsSync(readyFile), 60_000, 200)).toBe(true);
      const started = JSON.parse(readFileSync(readyFile, 'utf8')) as { dir: string; pid: number };
      const runs = await entries(root);
      expect(runs, 'run dirs under the private root').toHaveLength(1);
      const runId = runs[0]!;
      expect(started.dir.startsWith(join(root, runId))).toBe(true);
      expect(await processesWithEnv(`CHAINLAB_RUN=${runId}`)).toEqual([started.pid]);
      await expectNothingLeftAfter(runner, signal, root);
    },
  );

  test('the sweeper kills processes and removes dirs of dead runs, and leaves live runs alone', async () => {
    const root = privateRoot();
    // A dead run: its owner pid has exited, its dir and a process carrying its id remain.
    const dead = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
    await new Promise((r) => dead.once('exit', r));
    const deadRun = newRunId(dead.pid!);
    mkdirSync(join(root, deadRun, 'cluster-1', 'data'), { recursive: true });
    const stray = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], {
      env: { ...process.env, CHAINLAB_RUN: deadRun },
      stdio: 'ignore',
    });
    // A live run (owned by this process) must survive the sweep.
    const liveRun = newRunId(process.pid);
    mkdirSync(join(root, liveRun));
    expect(
      await eventually(async () => (await processesWithEnv(`CHAINLAB_RUN=${deadRun}`)).length === 1, 5000),
    ).toBe(true);

    const swept = await sweepDeadRuns(root);
    expect(swept.killed).toEqual([{ pid: stray.pid, runId: deadRun }]);
    expect(swept.removedDirs).toEqual([join(root, deadRun)]);
    expect(await entries(root)).toEqual([liveRun]);
    await new Promise((r) =>
      stray.exitCode !== null || stray.signalCode !== null ? r(undefined) : stray.once('exit', r),
    );
    expect(pidAlive(stray.pid!)).toBe(false);
  });
});
