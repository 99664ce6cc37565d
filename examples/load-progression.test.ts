/**
 * Scenario 1, load progression: 3 validators + 2 executors, 50 wallets, 20 users sending
 * at 5, 10, 20 and 30 tx/s, one step after another. The cluster must stay live at every
 * step; the report gives each step's inclusion rate and latency and the highest rate
 * that stayed live with full inclusion.
 *
 * CI profile: 5 s per step (10 blocks expected), 250 ms slots. `CHAINLAB_PROFILE=full`: 60 s
 * per step, 1 s slots.
 */

import { checkStayLive } from 'chainlab/matchers';
import { awaitInclusion, createClusterTest, loadSteps, stepStats } from 'chainlab/vitest';
import { expect } from 'vitest';
import { scenarioProfile } from './profile.ts';
import { duration, formatTable, pct } from './table.ts';

const profile = scenarioProfile();
const rates = [5, 10, 20, 30];

const test = createClusterTest({
  validators: 3,
  executors: 2,
  wallets: 50,
  ...profile.cluster,
  name: 'load-progression',
});

test('stays live at 5, 10, 20 and 30 tx/s and reports the highest rate with full inclusion', {
  timeout: profile.timeout(rates.length * profile.loadStepMs),
}, async ({ cluster, background }) => {
  const progression = await background(loadSteps({ rates, stepMs: profile.loadStepMs, users: 20 }));
  for await (const step of progression.completed()) {
    // Liveness is judged per step, right as it ends, over that step's window only.
    await expect(cluster).toStayLive({ since: step.from });
  }

  // The last txs of each step need a few blocks to land; then every step is read back.
  const blockMs = profile.slots.slotMs / profile.slots.activeSlotCoeff;
  await awaitInclusion(
    cluster.recording,
    () => progression.submitted(),
    (profile.slots.securityParam + 10) * blockMs,
  );
  const rows = progression.steps.map((step) => {
    const stats = stepStats(cluster.recording, step.rate, step.load.submitted());
    const live = checkStayLive(
      cluster.recording,
      {},
      { from: step.from, to: step.to ?? cluster.recording.now() },
    );
    return { ...stats, live: live.kind === 'live' };
  });
  const best = rows.filter((r) => r.live && r.inclusion === 1).at(-1);
  console.log(
    `load progression (seed ${cluster.seed}, ${profile.name} profile, ${duration(profile.loadStepMs)} per step)\n` +
      formatTable(
        ['tx/s', 'sent', 'included', 'inclusion', 'latency p50', 'p95', 'max', 'live'],
        rows.map((r) => [
          r.rate,
          r.sent,
          r.included,
          pct(r.inclusion),
          duration(r.latencyP50Ms),
          duration(r.latencyP95Ms),
          duration(r.latencyMaxMs),
          r.live ? 'yes' : 'NO',
        ]),
      ) +
      `\nhighest rate live with full inclusion: ${best ? `${best.rate} tx/s` : 'none'}`,
  );

  for (const r of rows)
    expect(r.sent, `step ${r.rate} tx/s sent too few txs`).toBeGreaterThanOrEqual(
      Math.floor((r.rate * profile.loadStepMs) / 1000) - 1,
    );
  expect(best, 'no rate stayed live with every tx included').toBeDefined();
});
