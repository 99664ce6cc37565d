/**
 * The chainlab Vitest plugin: the settings it adds (and leaves to the user), its option
 * errors, and, in a child vitest run that uses only the plugin, that the matchers are
 * registered and that a cluster test running out of time names the option to raise,
 * leaving nothing behind.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { newRunId, runsRoot } from '../src/cluster/cleanup/run.ts';
import { chainlab, chainlabTestConfig } from '../src/fixtures/vitest-plugin.ts';
import { addTimeoutHint } from '../src/fixtures/vitest-timeout-hint.ts';
import { ConfigError } from '../src/support/errors.ts';
import { entries, eventually, processesWithEnv } from './helpers.ts';

const repo = join(import.meta.dirname, '..');
const defaults = {
  testTimeout: 120_000,
  hookTimeout: 120_000,
  teardownTimeout: 30_000,
  fileParallelism: false,
};

describe('chainlabTestConfig', () => {
  test('adds timeouts, one file at a time, forks, the setup file and the global sweep', () => {
    const config = chainlabTestConfig(undefined, defaults);
    expect(config).toMatchObject({ ...defaults, pool: 'forks' });
    expect(config.setupFiles).toEqual([join(repo, 'src/vitest-setup.ts')]);
    expect(config.globalSetup).toEqual([join(repo, 'src/fixtures/vitest-global-setup.ts')]);
  });

  test('leaves every key the user set under test alone', () => {
    const config = chainlabTestConfig(
      { testTimeout: 5000, hookTimeout: 6000, teardownTimeout: 7000, fileParallelism: true, pool: 'threads' },
      defaults,
    );
    expect(Object.keys(config).sort()).toEqual(['globalSetup', 'setupFiles']);
  });
});

describe('chainlab() options', () => {
  test('are applied', () => {
    const plugin = chainlab({ testTimeout: 300_000 }) as unknown as { config(c: object): { test: object } };
    expect(plugin.config({}).test).toMatchObject({ testTimeout: 300_000, hookTimeout: 120_000 });
  });

  test('bad ones are refused together, each named with what is allowed', () => {
    const error = (() => {
      try {
        chainlab({ testTimeout: 10, fileParallelism: 'no' as never, timeout: 1 } as never);
      } catch (e) {
        return e;
      }
    })();
    expect(ConfigError.is(error)).toBe(true);
    expect((error as ConfigError).message).toBe(
      [
        'invalid chainlab() Vitest plugin options: 3 problems',
        '  - testTimeout: got 10, allowed: an integer number of ms ≥ 1000 (default 120000: a cluster start plus a scenario)',
        '  - fileParallelism: got "no", allowed: true or false (default false: one cluster at a time keeps slot timing honest)',
        '  - timeout: got 1, allowed: testTimeout, hookTimeout, teardownTimeout, fileParallelism',
      ].join('\n'),
    );
  });
});

describe('the timeout hint', () => {
  test('names the option to raise, in the message and the stack Vitest prints', () => {
    const message =
      'Test timed out in 1500ms.\nIf this is a long-running test, pass a timeout value as the last argument or configure it globally with "testTimeout".';
    const error = {
      name: 'TestTimeoutError',
      message,
      stack: `TestTimeoutError: ${message}\n    at x (a.ts:1:1)`,
    };
    addTimeoutHint(error);
    const hint =
      'chainlab: raise testTimeout (now 1500 ms): chainlab({ testTimeout: … }) in vitest.config.ts, or test.testTimeout there (it wins), or a timeout as the last argument of this test; the first test of a file also waits for its cluster to start';
    expect(error.message).toBe(`${message}\n${hint}`);
    expect(error.stack).toBe(`TestTimeoutError: ${message}\n${hint}\n    at x (a.ts:1:1)`);
    addTimeoutHint(error);
    expect(error.message).toBe(`${message}\n${hint}`);
  });

  test('leaves other errors alone', () => {
    const error = { name: 'AssertionError', message: 'expected 1 to be 2' };
    addTimeoutHint(error);
    expect(error.message).toBe('expected 1 to be 2');
  });
});

describe('a project that uses only the plugin (child vitest run)', () => {
  const root = join(runsRoot(), newRunId());
  const artifacts = `${root}-artifacts`;
  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
    rmSync(artifacts, { recursive: true, force: true });
  });

  test("matchers registered; a cluster test over its time says which option to raise; a failed test names its own cluster's seed and keeps its logs, and those of a start that failed; nothing left", async () => {
    mkdirSync(root, { recursive: true });
    const child = spawn(
      process.execPath,
      [
        join(repo, 'node_modules/vitest/vitest.mjs'),
        'run',
        '--config',
        'test/fixtures/plugin/vitest.config.ts',
      ],
      {
        cwd: repo,
        env: {
          ...process.env,
          CHAINLAB_RUN_ROOT: root,
          CHAINLAB_ARTIFACTS: artifacts,
          CHAINLAB_SEED: '4242',
          CI: '1',
          NO_COLOR: '1',
        },
      },
    );
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect(output).toMatch(/✓ matchers\.case\.ts/);
    expect(output).toContain('Test timed out in 1500ms');
    expect(output).toContain(
      'chainlab: raise testTimeout (now 1500 ms): chainlab({ testTimeout: … }) in vitest.config.ts',
    );
    // A test that started its own cluster and failed names it and the seed; the fixture's
    // cluster is named once, by the fixture.
    expect(output).toContain(
      'chainlab: "fails with a cluster of its own" failed while cluster own-cluster (seed 4242) ran; replay with CHAINLAB_SEED=4242\n',
    );
    expect(output.match(/needs more time than the preset gives" failed/g)).toHaveLength(1);
    // Its cluster was disposed (`await using`) before the failure was known, yet its node
    // logs, recording and report are kept; the passing test's cluster keeps nothing.
    const kept =
      /chainlab: logs, recording and report of the cluster "fails with a cluster of its own" started \(seed 4242\) kept in (\S+) \(report: (\S+)\)/.exec(
        output,
      );
    expect(kept, output).not.toBeNull();
    const [, dir = '', report = ''] = kept ?? [];
    expect(basename(dir)).toMatch(/^own-cluster-\d+$/);
    expect((await entries(dir)).sort()).toEqual(
      ['README.txt', 'recording.json', 'report-meta.json', 'report.html', 'val-0.log', 'val-1.log'].sort(),
    );
    expect(report).toBe(join(dir, 'report.html'));
    for (const log of ['val-0.log', 'val-1.log']) expect(statSync(join(dir, log)).size).toBeGreaterThan(0);
    const meta = JSON.parse(readFileSync(join(dir, 'report-meta.json'), 'utf8'));
    expect(meta.failures).toEqual([
      expect.objectContaining({
        test: 'fails with a cluster of its own',
        message: expect.stringContaining('a failing assertion'),
      }),
    ]);
    const recording = JSON.parse(readFileSync(join(dir, 'recording.json'), 'utf8'));
    expect(recording.nodes.map((n: { name: string }) => n.name)).toEqual(['val-0', 'val-1']);
    expect(output).not.toMatch(/cluster "passes with a cluster of its own" started/);
    const keptClusters = (await entries(artifacts)).flatMap((run) => readdirSync(join(artifacts, run)));
    expect(keptClusters.filter((name) => name.startsWith('own-cluster-'))).toEqual([basename(dir)]);

    // A start that failed after its nodes began to log (never ready), the fixture's or the
    // test's own: the failed test keeps every node's log and a README naming the failure and
    // the seed; the test that expected the failure keeps nothing.
    for (const [test, cluster] of [
      ['a fixture cluster that never becomes ready', 'fixture-start'],
      ['a cluster of its own that never becomes ready', 'own-start'],
    ]) {
      const line = new RegExp(
        `chainlab: node logs of the cluster whose start failed in "${test}" \\(seed 4242\\) kept in (\\S+)\n`,
      ).exec(output);
      expect(line, output).not.toBeNull();
      const startDir = line?.[1] ?? '';
      expect(basename(startDir)).toMatch(new RegExp(`^${cluster}-\\d+$`));
      expect((await entries(startDir)).sort()).toEqual(['README.txt', 'val-0.log', 'val-1.log']);
      for (const log of ['val-0.log', 'val-1.log'])
        expect(readFileSync(join(startDir, log), 'utf8')).toMatch(/"msg":"starting val-\d \(validator\)"/);
      const readme = readFileSync(join(startDir, 'README.txt'), 'utf8');
      expect(readme).toMatch(
        /failed; the cluster's start failed:\ncluster not ready after \d+ ms: waiting for every node at height ≥ 1000000/,
      );
      expect(readme).toContain('seed 4242 (replay: CHAINLAB_SEED=4242 npx vitest run ');
      expect(readme, 'the logs are beside it, not quoted').not.toContain('last log lines');
    }
    expect(keptClusters.filter((name) => name.startsWith('expected-start'))).toEqual([]);
    expect(output).not.toMatch(/start failed in "expects its cluster start to fail"/);
    expect(output).toMatch(/Tests\s+.*4 failed.*3 passed/);
    expect(code, output).toBe(1);
    await eventually(
      async () => (await processesWithEnv(`CHAINLAB_RUN_ROOT=${root}`)).length === 0,
      15_000,
      200,
    );
    expect({
      processes: await processesWithEnv(`CHAINLAB_RUN_ROOT=${root}`),
      dirs: await entries(root),
    }).toEqual({ processes: [], dirs: [] });
  });
});
