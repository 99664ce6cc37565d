/**
 * Scenario 6, adaptive mempool pressure: the tx rate ramps up past what blocks can carry,
 * with three fee tiers (each wallet pays one tier). Mempools are small (150 txs) and blocks
 * hold 25 txs, so the CI profile reaches saturation within seconds. Every mempool must stay
 * within capacity, evictions must happen and take the lowest fee first, blocks must fill,
 * throughput must degrade gracefully (the txs each block carries) and the chain must never stall.
 *
 * CI profile: 20 → 120 tx/s in steps of 50 every 4 s. `CHAINLAB_PROFILE=full`: 20 → 420 tx/s
 * in steps of 50 every 20 s, with a 1,000-tx mempool and 100-tx blocks.
 */

import { createClusterTest, ramp } from 'chainlab/vitest';
import { expect } from 'vitest';
import { scenarioProfile } from './profile.ts';

const profile = scenarioProfile();
const full = profile.name === 'full';

const test = createClusterTest({
  validators: 3,
  wallets: full ? 120 : 30,
  ...profile.slots,
  mempool: { maxCount: full ? 1000 : 150 },
  maxBlockTxs: full ? 100 : 25,
  name: 'mempool-pressure',
});

test(
  'under a rising rate the mempool stays bounded, evicts low fees first and blocks fill',
  async ({ cluster, background }) => {
    const since = cluster.recording.now();
    const pressure = await background(
      ramp({
        from: 20,
        to: full ? 420 : 120,
        step: 50,
        every: full ? 20_000 : 4000,
        feeTiers: [1, 2, 4],
      }),
    );
    await pressure.done;
    expect(pressure.steps().map((s) => s.rate)).toEqual(
      full ? [20, 70, 120, 170, 220, 270, 320, 370, 420] : [20, 70, 120],
    );

    await expect(cluster).toBoundMempool(pressure);
    await expect(cluster).toStayLive({ since });
    await expect(cluster).toConserveSupply();
  },
  profile.timeout(full ? 240_000 : 60_000),
);
