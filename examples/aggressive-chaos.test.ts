/**
 * Scenario 3, aggressive chaos: 4 validators + 2 executors with node control, 50 wallets,
 * 10 tx/s, and a random validator restarted every 10–20 s with a 15 s per-target cooldown.
 * The cluster must stay live throughout (each restarted node is excused during its
 * restart and a catch-up grace), converge after the last restart, and never revert a
 * final block. The fault schedule comes from the seed: a failure prints it, and
 * `CHAINLAB_SEED=<seed>` replays the same steps.
 *
 * CI profile: 25 s, restarts every 1.4–2.8 s, 2.1 s cooldown (the seed's schedule scaled by
 * 25/180: the seed's count of restarts, about 12, with less idle time between them).
 * `CHAINLAB_PROFILE=full`: 180 s with the seed's own schedule.
 * Runs on local processes by default and in containers with `CHAINLAB_DEPLOYER=docker`.
 */

import { createClusterTest, restarts, transactions } from 'chainlab/vitest';
import { expect, onTestFailed } from 'vitest';
import { scenarioProfile } from './profile.ts';

const profile = scenarioProfile();

const test = createClusterTest({
  validators: 4,
  executors: 2,
  wallets: 50,
  ...profile.cluster,
  name: 'aggressive-chaos',
});

test('stays live under validator restarts, converges after the last one, never reverts a final block', {
  timeout: profile.timeout(profile.chaosMs),
}, async ({ cluster, background }) => {
  const since = cluster.recording.now();
  const load = await background(transactions({ rate: 10, users: 50 }));
  const chaos = restarts({
    minDelay: profile.scaleChaos(10_000),
    maxDelay: profile.scaleChaos(20_000),
    targetCooldown: profile.scaleChaos(15_000),
    targets: 'validators',
  });
  await using running = await chaos.start(cluster);
  console.log(
    `planned restarts (seed ${cluster.seed}, ${cluster.deployer.name} deployer):\n  ${running.schedule(profile.chaosMs).join('\n  ')}`,
  );
  onTestFailed(() => console.log(`chaos that ran: ${running.summary()}`));

  // A restarted node must be back in step within the seed's 15 s per-target cooldown:
  // restart and sync run on wall-clock time, so this bound is not scaled with the profile.
  await expect(cluster).toStayLive({ since, for: profile.chaosMs, graceMs: 15_000 });
  await running.stop();
  await load.stop();
  expect(running.executed.length, 'the chaos ran too few restarts to mean anything').toBeGreaterThanOrEqual(
    3,
  );
  // Every restart is a fault window on the timeline, closed once the node served again.
  const windows = cluster.recording.faults.filter((f) => f.kind === 'restart' && f.start >= since);
  expect(windows.map((w) => w.nodes[0])).toEqual(running.executed.map((e) => e.step.target));
  expect(windows.every((w) => w.end !== undefined)).toBe(true);

  const blockMs = profile.slots.slotMs / profile.slots.activeSlotCoeff;
  await expect(cluster).toConverge({ within: (profile.slots.securityParam + 20) * blockMs });
  await expect(cluster).toKeepFinality();
  console.log(`ran: ${running.summary()}`);
});
