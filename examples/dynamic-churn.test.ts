/**
 * Scenario 13, dynamic churn: 4 validators + 1 executor under 10 tx/s while nodes with
 * fresh identities join and others leave for good. Joins take the 2 standby validators
 * (staked at genesis, started only now) and then fresh executors with new keys and empty
 * disks; they bootstrap from two live validators and find the rest by discovery. Leaves
 * stop a node for good and delete its data, and no node keeps it in its address book. The
 * churn never takes the validators below the stake they need to finalize.
 * Consensus must stay live and safe throughout: `toStayLive` over the nodes present at each
 * moment, every joiner reaches the cluster's final height in time (`toSyncJoiners`),
 * `toConverge` and `toKeepFinality` after the last change, and every present node keeps
 * its peers (`toKeepPeers`).
 *
 * CI profile: 25 s, a join every ~4.2 s and a leave every ~5.6 s (the seed's plan scaled by
 * 25/180). `CHAINLAB_PROFILE=full`: 180 s, a join every ~30 s and a leave every ~40 s.
 * Local deployer (nodes join and leave at run time on local processes).
 */

import { churn, createClusterTest, transactions } from 'chainlab/vitest';
import { expect, onTestFailed } from 'vitest';
import { scenarioProfile } from './profile.ts';

const profile = scenarioProfile();

const test = createClusterTest({
  validators: 4,
  executors: 1,
  wallets: 30,
  membership: { standby: 2 },
  ...profile.cluster,
  deployer: 'local',
  name: 'dynamic-churn',
});

test('fresh nodes join and sync, others leave for good; consensus stays live and safe', {
  timeout: profile.timeout(profile.chaosMs),
}, async ({ cluster, background }) => {
  const since = cluster.recording.now();
  // The load goes to the executor that never leaves, so no tx is sent to a departed node.
  const load = await background(transactions({ rate: 10, users: 30, targets: ['exe-0'] }));
  await using running = await churn({
    joinEvery: profile.scaleChaos(30_000),
    leaveEvery: profile.scaleChaos(40_000),
    joinRole: 'mixed',
    minSize: 4,
    maxSize: 7,
    keep: ['exe-0'],
  }).start(cluster);
  console.log(`planned churn (seed ${cluster.seed}):\n  ${running.schedule(profile.chaosMs).join('\n  ')}`);
  onTestFailed(() => console.log(`churn that ran: ${running.summary()}`));

  // A joiner syncs from genesis within its grace; a departed node is judged until it left.
  await expect(cluster).toStayLive({ since, for: profile.chaosMs, graceMs: 15_000 });
  await running.stop();
  await load.stop();
  const changes = running.executed.filter((e) => e.skipped === undefined);
  expect(
    changes.filter((e) => e.step.kind === 'join').length,
    'too few joins to mean anything',
  ).toBeGreaterThanOrEqual(2);
  expect(
    changes.filter((e) => e.step.kind === 'leave').length,
    'too few leaves to mean anything',
  ).toBeGreaterThanOrEqual(1);

  await expect(cluster).toSyncJoiners({ since, within: 20_000 });
  const blockMs = profile.slots.slotMs / profile.slots.activeSlotCoeff;
  await expect(cluster).toConverge({ within: (profile.slots.securityParam + 20) * blockMs });
  await expect(cluster).toKeepFinality();
  // Peer counts follow the membership: every present node keeps at least 2 present peers,
  // short for at most 15 s (a joiner connecting, a node whose bootstrap peers left).
  await expect(cluster).toKeepPeers({ since, atLeast: 2, within: 15_000 });
  console.log(`ran: ${running.summary()}`);
});
