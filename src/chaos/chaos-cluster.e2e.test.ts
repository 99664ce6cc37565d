// End to end: node faults on real refnode clusters. Every variant runs, is recorded as a
// closed fault window, follows the seeded plan; a failing run prints its seed, and that
// seed replays the same fault schedule in a fresh run.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { Cluster } from '../cluster/cluster.ts';
import '../matchers/vitest.ts';
import { describeStep } from './fault-plan.ts';
import { kills, type NodeFaults, pauses, restarts } from './node-faults.ts';

const repo = join(import.meta.dirname, '..', '..');

describe('node faults on a real cluster', () => {
  test('restart, kill and pause each run as planned and leave closed fault windows', async () => {
    await using cluster = await Cluster.of({
      validators: 3,
      wallets: 2,
      slotMs: 250,
      securityParam: 4,
      seed: 913,
      name: 'chaos-variants',
    }).start();
    const variants: [NodeFaults, string][] = [
      [restarts({ minDelay: 300, maxDelay: 600, targetCooldown: 0, maxFaults: 2 }), 'restart'],
      [kills({ minDelay: 300, maxDelay: 600, targetCooldown: 0, maxFaults: 2, downtime: 500 }), 'kill'],
      [pauses({ minDelay: 300, maxDelay: 600, targetCooldown: 0, maxFaults: 2, downtime: 500 }), 'pause'],
    ];
    for (const [faults, kind] of variants) {
      const chaos = await faults.start(cluster);
      const planned = chaos.schedule(60_000).slice(0, 2);
      await chaos.done;
      await chaos.stop();
      expect(chaos.executed.map((e) => describeStep(e.step))).toEqual(planned);
      const windows = cluster.recording.faults.filter((f) => f.kind === kind);
      expect(windows.map((w) => w.nodes[0])).toEqual(chaos.executed.map((e) => e.step.target));
      for (const w of windows) {
        expect(w.end, `${w.description} still open`).toBeDefined();
        // A killed or paused node stays down for its downtime before it is brought back.
        if (kind !== 'restart') expect(w.end! - w.start).toBeGreaterThanOrEqual(450);
      }
      expect(
        cluster.recording.marks.filter((m) => m.label === 'chaos' && m.detail?.startsWith(chaos.name)),
      ).toHaveLength(2);
    }
    // Every node serves again and the cluster agrees afterwards.
    await expect(cluster).toConverge({ within: 20_000 });
  });

  test('a failing chaos run prints its seed, and that seed replays the same fault schedule', async () => {
    const run = (seed?: string): Promise<{ code: number | null; output: string }> =>
      new Promise((resolve) => {
        const env: NodeJS.ProcessEnv = { ...process.env, CI: '1' };
        delete env.CHAINLAB_SEED;
        if (seed !== undefined) env.CHAINLAB_SEED = seed;
        const child = spawn(
          process.execPath,
          [
            join(repo, 'node_modules', 'vitest', 'vitest.mjs'),
            'run',
            '--config',
            'test/fixtures/vitest.config.ts',
            'chaos-replay',
          ],
          {
            cwd: repo,
            env,
            stdio: ['ignore', 'pipe', 'pipe'],
          },
        );
        let output = '';
        child.stdout.on('data', (d) => (output += d));
        child.stderr.on('data', (d) => (output += d));
        child.once('exit', (code) => resolve({ code, output }));
      });
    const steps = (output: string): string | undefined =>
      /CHAOS (restarts \(seed \d+\): .*)/.exec(output)?.[1];

    const first = await run();
    expect(first.code).toBe(1);
    const seed = /replay with CHAINLAB_SEED=(\d+)/.exec(first.output)?.[1];
    expect(seed, first.output).toBeDefined();
    expect(steps(first.output)).toMatch(
      new RegExp(`^restarts \\(seed ${seed}\\): t=\\d+\\.\\ds restart\\(val-\\d\\), t=`),
    );

    const replay = await run(seed);
    expect(replay.code).toBe(1);
    expect(steps(replay.output)).toBe(steps(first.output));
  }, 240_000);
});
