/**
 * The logs of a cluster a test disposes itself, held until the test's verdict
 * (src/cluster/verdict-hold.ts): what `removeOrHold`, a cluster's last teardown step, does
 * with a real run dir, with and without an open test. Real clusters under the plugin and
 * under Jest: test/vitest-plugin.test.ts and the consumer test.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { describe, expect, test, vi } from 'vitest';
import { runRegistry } from '../src/cluster/cleanup/registry.ts';
import { acquireRun } from '../src/cluster/cleanup/run.ts';
import { journalClusterStart, markFixtureCluster } from '../src/cluster/cluster-journal.ts';
import { type HeldCluster, openTest, removeOrHold } from '../src/cluster/verdict-hold.ts';
import { keepOwnClusters } from '../src/fixtures/own-cluster-artifacts.ts';

/** A cluster dir in this process's run, with a node log, and a stand-in for the cluster. */
async function clusterDir(name: string) {
  const run = await acquireRun();
  const dir = join(run.dir, name);
  mkdirSync(join(dir, 'logs'), { recursive: true });
  mkdirSync(join(dir, 'chain'));
  writeFileSync(join(dir, 'logs', 'val-0.log'), `${name}: val-0 serving\n`);
  return { run, dir, cluster: { recording: { now: () => 1234 } } };
}

describe('removeOrHold', () => {
  test('with no test open, the dir goes at once', async () => {
    const { run, dir, cluster } = await clusterDir('no-test');
    // The plugin's setup file opened this test: close it, as a script would have none.
    await openTest().close();
    await removeOrHold(cluster, dir);
    expect(existsSync(dir)).toBe(false);
    expect(existsSync(join(run.dir, 'held', 'no-test'))).toBe(false);
    await run.release();
  });

  test('in an open test the dir goes at once but its logs wait for the verdict; a failed one keeps them', async () => {
    const { run, dir, cluster } = await clusterDir('own-failed');
    const open = openTest();
    const registered = runRegistry.size;
    await removeOrHold(cluster, dir);
    await run.release(); // the cluster's own hold on the run: the held logs keep the run dir
    const held = join(run.dir, 'held', 'own-failed');
    expect(existsSync(dir)).toBe(false);
    expect(readdirSync(held)).toEqual(['val-0.log']);
    expect(runRegistry.size, 'Ctrl-C would remove the held logs').toBe(registered + 1);

    const seen: { held: HeldCluster; log: string }[] = [];
    await open.close(async (h) => {
      seen.push({ held: h, log: readFileSync(join(h.logsDir, 'val-0.log'), 'utf8') });
    });
    expect(seen).toEqual([
      { held: { cluster, disposedAt: 1234, logsDir: held }, log: 'own-failed: val-0 serving\n' },
    ]);
    expect(existsSync(held)).toBe(false);
    expect(runRegistry.size).toBe(registered);
  });

  test('a passed test keeps nothing, and a failed keep still removes the logs', async () => {
    const { run, dir, cluster } = await clusterDir('own-passed');
    const open = openTest();
    await removeOrHold(cluster, dir);
    await run.release();
    const held = join(run.dir, 'held', 'own-passed');
    expect(existsSync(held)).toBe(true);
    await open.close();
    expect(existsSync(held)).toBe(false);

    const again = await clusterDir('own-keep-fails');
    const second = openTest();
    await removeOrHold(again.cluster, again.dir);
    await again.run.release();
    await second.close(async () => {
      throw new Error('disk full');
    });
    expect(existsSync(join(again.run.dir, 'held', 'own-keep-fails'))).toBe(false);
  });

  test("a fixture's cluster is never held: the fixture keeps its own artifacts", async () => {
    const { run, dir, cluster } = await clusterDir('fixture');
    journalClusterStart({ name: 'fixture', seed: 1, seedPinned: true }).bind(cluster);
    markFixtureCluster(cluster);
    const open = openTest();
    await removeOrHold(cluster, dir);
    expect(existsSync(dir)).toBe(false);
    expect(existsSync(join(run.dir, 'held', 'fixture'))).toBe(false);
    await open.close();
    await run.release();
  });
});

describe('a start that failed', () => {
  test('holds its logs like a disposed cluster; a failed test keeps them with a README, a passed one nothing', async () => {
    const artifacts = join(tmpdir(), `chainlab-failed-start-${process.pid}`);
    vi.stubEnv('CHAINLAB_ARTIFACTS', artifacts);
    try {
      for (const failure of ['not ready', undefined]) {
        const { run, dir } = await clusterDir(`start-${failure === undefined ? 'passed' : 'failed'}-1`);
        const failed = {
          failedStart: {
            name: basename(dir),
            runId: run.id,
            seed: 77,
            message: 'cluster not ready after 2000 ms',
          },
        };
        const open = openTest();
        await removeOrHold(failed, dir);
        await run.release();
        const held = join(run.dir, 'held', basename(dir));
        expect(existsSync(dir)).toBe(false);
        expect(readdirSync(held)).toEqual(['val-0.log']);
        await open.close(keepOwnClusters({ name: 'starts a cluster', failure, testFile: 'x.test.ts' }));
        expect(existsSync(held)).toBe(false);
        const kept = join(artifacts, run.id, basename(dir));
        if (failure === undefined) {
          expect(existsSync(kept)).toBe(false);
          continue;
        }
        expect(readdirSync(kept).sort()).toEqual(['README.txt', 'val-0.log']);
        expect(readFileSync(join(kept, 'val-0.log'), 'utf8')).toBe(`${basename(dir)}: val-0 serving\n`);
        expect(readFileSync(join(kept, 'README.txt'), 'utf8')).toBe(
          [
            `chainlab run ${run.id}: "starts a cluster" failed; the cluster's start failed:`,
            'cluster not ready after 2000 ms',
            'seed 77 (replay: CHAINLAB_SEED=77 npx vitest run x.test.ts)',
            "val-0.log: each node's log up to the failure",
            '',
          ].join('\n'),
        );
      }
    } finally {
      vi.unstubAllEnvs();
      rmSync(artifacts, { recursive: true, force: true });
    }
  });
});

describe('a start that failed with no test open', () => {
  test('keeps its node logs at once with a README and names where; with no node log, or artifacts off, keeps nothing', async () => {
    const artifacts = join(tmpdir(), `chainlab-failed-start-now-${process.pid}`);
    vi.stubEnv('CHAINLAB_ARTIFACTS', artifacts);
    try {
      // The plugin's setup file opened this test: close it, as a script or a beforeAll has none.
      await openTest().close();
      const failedStartOf = (run: { id: string }, dir: string) => ({
        failedStart: { name: basename(dir), runId: run.id, seed: 78, message: 'node val-0 exited' },
      });

      const { run, dir } = await clusterDir('start-outside-1');
      const kept = await removeOrHold(failedStartOf(run, dir), dir);
      expect(kept).toBe(join(artifacts, run.id, basename(dir)));
      expect(existsSync(dir)).toBe(false);
      expect(existsSync(join(run.dir, 'held')), 'nothing held: no verdict will come').toBe(false);
      expect(readdirSync(kept!).sort()).toEqual(['README.txt', 'val-0.log']);
      expect(readFileSync(join(kept!, 'val-0.log'), 'utf8')).toBe('start-outside-1: val-0 serving\n');
      expect(readFileSync(join(kept!, 'README.txt'), 'utf8')).toBe(
        [
          `chainlab run ${run.id}: no test was open; the cluster's start failed:`,
          'node val-0 exited',
          'seed 78 (replay: CHAINLAB_SEED=78 and the same command)',
          "val-0.log: each node's log up to the failure",
          '',
        ].join('\n'),
      );

      // Refused before any node logged (no log file): the error says it all.
      const bare = await clusterDir('start-outside-2');
      rmSync(join(bare.dir, 'logs', 'val-0.log'));
      expect(await removeOrHold(failedStartOf(bare.run, bare.dir), bare.dir)).toBeUndefined();
      expect(existsSync(bare.dir)).toBe(false);
      expect(existsSync(join(artifacts, bare.run.id, basename(bare.dir)))).toBe(false);

      vi.stubEnv('CHAINLAB_ARTIFACTS', '0');
      const off = await clusterDir('start-outside-3');
      expect(await removeOrHold(failedStartOf(off.run, off.dir), off.dir)).toBeUndefined();
      expect(existsSync(off.dir)).toBe(false);
      await Promise.all([run, bare.run, off.run].map((r) => r.release()));
    } finally {
      vi.unstubAllEnvs();
      rmSync(artifacts, { recursive: true, force: true });
    }
  });
});

describe('keepOwnClusters', () => {
  // A held cluster whose artifacts cannot be written: keeping it rejects with "kept".
  const held = {
    cluster: {
      get runId(): string {
        throw new Error('kept');
      },
    },
    disposedAt: 0,
    logsDir: '/nonexistent',
  };

  test('keeps for a failed test; for a passed one only with CHAINLAB_REPORT=always; a bad value is named', async () => {
    vi.stubEnv('CHAINLAB_ARTIFACTS', join(tmpdir(), 'chainlab-keep-own-never-written'));
    try {
      await expect(keepOwnClusters({ name: 'failed', failure: 'boom' })(held)).rejects.toThrow('kept');
      await expect(keepOwnClusters({ name: 'passed', failure: undefined })(held)).resolves.toBeUndefined();
      vi.stubEnv('CHAINLAB_REPORT', 'always');
      await expect(keepOwnClusters({ name: 'passed', failure: undefined })(held)).rejects.toThrow('kept');
      vi.stubEnv('CHAINLAB_REPORT', 'sometimes');
      await expect(keepOwnClusters({ name: 'passed', failure: undefined })(held)).rejects.toThrow(
        /CHAINLAB_REPORT: got "sometimes"/,
      );
    } finally {
      vi.unstubAllEnvs();
    }
  });
});
