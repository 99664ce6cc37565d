/**
 * A second real chain: Litecoin Core in regtest (Debian package `litecoind`) through the
 * litecoind adapter — UTXO ledger, proof-of-work-like blocks from a seeded mining lottery,
 * coinbase emission, wallets in the nodes' wallet RPC that sign when a transfer is sent.
 * The same matchers as on refnode, with bounds derived from what the adapter states
 * (Poisson block arrivals, finality 6 confirmations deep, halving emission):
 * 1. under transfer load the cluster stays live, every transfer is included, and the
 *    UTXO-set total equals the coins the emission rule allows at the tip;
 * 2. while random nodes are restarted (each restart confirmed: its port closed, then it
 *    served again), it stays live, converges after the last restart, never reverts a final
 *    block, and the supply still matches the emission.
 *
 * CI profile: 1 s blocks, 10 s of load, 15 s of restarts every 2.5–5 s. `CHAINLAB_PROFILE=full`:
 * 2.5 s blocks, 60 s of load, 180 s of restarts every 10–20 s. Runs on local processes by
 * default and in containers with `CHAINLAB_DEPLOYER=docker`.
 */

import { createClusterTest, litecoindAdapter, restarts, transactions } from 'chainlab/vitest';
import { expect, onTestFailed } from 'vitest';
import { scenarioProfile } from './profile.ts';

const profile = scenarioProfile();
const { litecoin } = profile;

const test = createClusterTest({
  adapter: litecoindAdapter(),
  validators: 4,
  wallets: 20,
  blockIntervalMs: litecoin.blockIntervalMs,
  securityParam: 6,
  startTimeoutMs: 120_000,
  name: 'litecoin',
});

test('stays live under transfer load, includes every transfer, and conserves the emitted supply', {
  timeout: profile.timeout(litecoin.loadMs),
}, async ({ cluster, background }) => {
  const since = cluster.recording.now();
  // Transfers signed by each user's wallet daemon when sent, to random nodes, fee per vbyte.
  const load = await background(transactions({ rate: 5, users: 20 }));
  await expect(cluster).toStayLive({ since, for: litecoin.loadMs });
  await load.stop();
  expect(load.sent, 'the load sent too few transfers to mean anything').toBeGreaterThanOrEqual(20);
  await expect(cluster).toIncludeAll(load, { within: 20 * litecoin.blockIntervalMs });
  // The UTXO-set total at each node's tip equals the subsidies of blocks 1..tip: fees moved
  // coins to the miners, nothing was made or lost.
  await expect(cluster).toConserveSupply();
});

test('restarted nodes: stays live, converges after the last restart, never reverts a final block', {
  timeout: profile.timeout(litecoin.chaosMs),
}, async ({ cluster, background }) => {
  const since = cluster.recording.now();
  const load = await background(transactions({ rate: 3, users: 20 }));
  const chaos = restarts({
    minDelay: litecoin.restartEvery.min,
    maxDelay: litecoin.restartEvery.max,
    targetCooldown: litecoin.cooldownMs,
    targets: 'validators',
  });
  await using running = await chaos.start(cluster);
  console.log(
    `planned restarts (seed ${cluster.seed}, ${cluster.deployer.name} deployer):\n  ${running.schedule(litecoin.chaosMs).join('\n  ')}`,
  );
  onTestFailed(() => console.log(`chaos that ran: ${running.summary()}`));

  await expect(cluster).toStayLive({ since, for: litecoin.chaosMs });
  await running.stop();
  await load.stop();
  expect(running.executed.length, 'the chaos ran too few restarts to mean anything').toBeGreaterThanOrEqual(
    2,
  );
  // Every restart is a fault window, closed only once the node was confirmed down and serving again.
  const windows = cluster.recording.faults.filter((f) => f.kind === 'restart' && f.start >= since);
  expect(windows.map((w) => w.nodes[0])).toEqual(running.executed.map((e) => e.step.target));
  expect(windows.every((w) => w.end !== undefined)).toBe(true);

  await expect(cluster).toConverge({ within: 20 * litecoin.blockIntervalMs });
  await expect(cluster).toKeepFinality();
  await expect(cluster).toConserveSupply();
  console.log(`ran: ${running.summary()}`);
});
